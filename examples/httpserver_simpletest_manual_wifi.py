"""The smallest server, joining Wi-Fi in code rather than through ``CIRCUITPY_WIFI_*``.

Useful when the network is chosen at run time, or when the web workflow should stay off.
``settings.toml`` holds ``WIFI_SSID`` and ``WIFI_PASSWORD``.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import Request, Response, Server

print("Connecting to", os.getenv("WIFI_SSID"))
wifi.radio.connect(os.getenv("WIFI_SSID"), os.getenv("WIFI_PASSWORD"))
print("Connected, address", wifi.radio.ipv4_address)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)


@server.route("/")
def index(request: Request):
    return Response(request, "Hello from CircuitPython!")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
