"""The smallest server, on a Wi-Fi network the board makes itself (access point mode).

No router needed: join the network named ``AP_SSID`` from a phone or a computer, then open
the address printed at start (usually ``http://192.168.4.1:5000/``).
"""

import os

import socketpool
import wifi

from adafruit_httpserver import Request, Response, Server

ssid = os.getenv("AP_SSID", "circuitpython-server")
password = os.getenv("AP_PASSWORD", "change-me-please")  # 8 characters at least

print("Starting access point", ssid)
wifi.radio.start_ap(ssid=ssid, password=password)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)


@server.route("/")
def index(request: Request):
    return Response(request, "Hello from the board's own network!")


# The board's address on its own network is ipv4_address_ap, not ipv4_address.
server.serve_forever(str(wifi.radio.ipv4_address_ap), int(os.getenv("PORT", 5000)))
