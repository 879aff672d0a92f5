"""Authentication for the whole server: every route and every static file needs one of the
listed credentials, otherwise the server answers 401 before any handler runs.

Try: ``curl -u user:password http://<ip>:5000/``
"""

import os

import socketpool
import wifi

from adafruit_httpserver import Basic, Bearer, Request, Response, Server, Token

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)

server.require_authentication(
    [
        Basic("user", "password"),
        Token("my-api-token"),
        Bearer("my-secret-token"),
    ]
)


@server.route("/")
def index(request: Request):
    # Only authenticated requests get this far.
    return Response(request, "<h1>Authenticated!</h1>", content_type="text/html")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
