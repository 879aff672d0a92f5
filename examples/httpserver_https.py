"""HTTPS: the same server, with TLS.

You need a certificate and its private key on the board, e.g. a self-signed pair made on a
computer with

    openssl req -x509 -newkey rsa:2048 -nodes -days 365 \
        -keyout key.pem -out cert.pem -subj "/CN=my-board.local"

and copied next to code.py. Browsers warn about self-signed certificates.

TLS needs a lot of RAM (about 20 KB per connection or more): it works on ESP32-S2/S3
boards with PSRAM, not on a Pico W or an ESP32-C3 (see ``boards/``). Port 443 is the
HTTPS default; on a computer, ports below 1024 need root, so set ``PORT`` there.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import Request, Response, Server

pool = socketpool.SocketPool(wifi.radio)
server = Server(
    pool,
    root_path=os.getenv("STATIC_ROOT", "/static"),
    https=True,
    certfile="cert.pem",
    keyfile="key.pem",
    debug=True,
    max_connections=2,  # each TLS connection holds its own buffers
)


@server.route("/")
def index(request: Request):
    return Response(request, "Hello over HTTPS!")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 443)))
