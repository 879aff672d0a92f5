"""The smallest server, joining Wi-Fi in code rather than through ``CIRCUITPY_WIFI_*``.

Useful when the network is chosen at run time, or when the web workflow should stay off.
``settings.toml`` holds ``WIFI_SSID`` and ``WIFI_PASSWORD``.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import Request, Response, Server

ssid = os.getenv("WIFI_SSID")
password = os.getenv("WIFI_PASSWORD")
if ssid is None or password is None:
    raise RuntimeError("Set WIFI_SSID and WIFI_PASSWORD in settings.toml")
print("Connecting to", ssid)
wifi.radio.connect(ssid, password)
print("Connected, address", wifi.radio.ipv4_address)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)


@server.route("/")
def index(request: Request):
    return Response(request, "Hello from CircuitPython!")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
