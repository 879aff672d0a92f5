"""The smallest server. CircuitPython joins Wi-Fi by itself before ``code.py`` runs when
``settings.toml`` has ``CIRCUITPY_WIFI_SSID`` and ``CIRCUITPY_WIFI_PASSWORD``, so there is
nothing to set up: make a pool, add a route, serve.

The board's address is printed at start (debug mode): open ``http://<that address>:5000/``.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import Request, Response, Server

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)


@server.route("/")
def index(request: Request):
    return Response(request, "Hello from CircuitPython!")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
