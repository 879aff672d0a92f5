"""The smallest server, with the socket pool from ``adafruit_connection_manager``.

The connection manager hands out one shared socket pool per radio, so this server can run
next to other libraries (MQTT, requests, ...) that use the same pool. CircuitPython has
already joined Wi-Fi from ``settings.toml`` (``CIRCUITPY_WIFI_SSID`` and
``CIRCUITPY_WIFI_PASSWORD``).
"""

import os

import adafruit_connection_manager
import wifi

from adafruit_httpserver import Request, Response, Server

pool = adafruit_connection_manager.get_radio_socketpool(wifi.radio)
server = Server(pool, debug=True)


@server.route("/")
def index(request: Request):
    return Response(request, "Hello from CircuitPython!")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
