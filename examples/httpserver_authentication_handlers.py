"""Authentication per route: each handler decides how strict to be.

* ``/public`` answers everybody, and says whether the caller was authenticated;
* ``/private`` calls ``require_authentication``: without valid credentials the server
  answers 401 (with a ``WWW-Authenticate`` challenge) and the handler stops there;
* ``/private/custom`` catches ``AuthenticationError`` to answer 401 with its own page.

Try: ``curl -u user:password http://<ip>:5000/private``
or   ``curl -H "Authorization: Bearer my-secret-token" http://<ip>:5000/private``
"""

import os

import socketpool
import wifi

from adafruit_httpserver import UNAUTHORIZED_401, Request, Response, Server
from adafruit_httpserver.authentication import (
    AuthenticationError,
    Basic,
    Bearer,
    Token,
    check_authentication,
    require_authentication,
)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)

# Any one of these is enough. Keep real secrets in settings.toml, not in code.py.
AUTHS = [
    Basic("user", "password"),
    Token("my-api-token"),
    Bearer("my-secret-token"),
]


@server.route("/public")
def public(request: Request):
    if check_authentication(request, AUTHS):
        return Response(request, "Hello, known user!")
    return Response(request, "Hello, stranger!")


@server.route("/private")
def private(request: Request):
    require_authentication(request, AUTHS)  # raises AuthenticationError -> 401
    return Response(request, "Top secret: the coffee machine password is 1234")


@server.route("/private/custom")
def private_custom(request: Request):
    try:
        require_authentication(request, AUTHS)
    except AuthenticationError:
        return Response(
            request,
            "<h1>Members only</h1><p>Please log in first.</p>",
            status=UNAUTHORIZED_401,
            content_type="text/html",
            headers={"WWW-Authenticate": 'Basic realm="members"'},
        )
    return Response(request, "<h1>Welcome back!</h1>", content_type="text/html")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
