"""Redirects: send the client to another URL.

* ``Redirect(request, url)``: 302 Found, a temporary move;
* ``permanent=True``: 301 Moved Permanently (browsers and search engines remember it);
* ``preserve_method=True``: 307 (or 308 when also permanent), the client repeats the same
  method and body at the new URL, e.g. a POST stays a POST;
* ``status=...``: any redirect status you choose.

Short links are a good use: ``/<slug>`` looks the slug up and redirects.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import (
    MOVED_PERMANENTLY_301,
    NOT_FOUND_404,
    POST,
    Redirect,
    Request,
    Response,
    Server,
)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)

SHORT_LINKS = {
    "docs": "https://docs.circuitpython.org/",
    "learn": "https://learn.adafruit.com/",
    "shop": "https://www.adafruit.com/",
}


@server.route("/")
def index(request: Request):
    return Response(request, "Try /old-home, /news, /docs or POST to /api/v1/submit")


@server.route("/old-home")
def old_home(request: Request):
    """This page moved for good."""
    return Redirect(request, "/", permanent=True)


@server.route("/news")
def news(request: Request):
    """Temporarily elsewhere."""
    return Redirect(request, "https://blog.adafruit.com/")


@server.route("/api/v1/submit", POST)
def old_api(request: Request):
    """The client must send the same POST (with its body) to the new address."""
    return Redirect(request, "/api/v2/submit", preserve_method=True)


@server.route("/api/v2/submit", POST)
def new_api(request: Request):
    return Response(request, f"Received {len(request.body)} bytes")


@server.route("/<slug>")
def short_link(request: Request, slug: str):
    if slug in SHORT_LINKS:
        return Redirect(request, SHORT_LINKS[slug], status=MOVED_PERMANENTLY_301)
    return Response(request, f"No short link called {slug!r}", status=NOT_FOUND_404)


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
