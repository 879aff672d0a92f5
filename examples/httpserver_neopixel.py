"""Set the colour of the board's NeoPixel over HTTP, four ways:

* query parameters:   GET  /color?r=255&g=0&b=0
* URL parameters:     GET  /color/0/255/0
* a form:             POST /color           (r=0&g=0&b=255, as a browser form sends it)
* JSON:               POST /color/json      {"r": 255, "g": 128, "b": 0}

The routes are built as ``Route`` objects (positionally, by keyword, and with the
``as_route`` decorator) and registered at once with ``server.add_routes``.
Written for CircuitPython boards with a built-in NeoPixel (``board.NEOPIXEL``).
"""

import os

import board
import neopixel
import socketpool
import wifi

from adafruit_httpserver import GET, POST, BAD_REQUEST_400, Request, Response, Route, Server, as_route

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)

pixel = neopixel.NeoPixel(board.NEOPIXEL, 1, brightness=0.3)  # type: ignore[attr-defined]  # a board-specific pin


def set_color(request, r, g, b):
    """Checks the three values, sets the pixel and answers."""
    try:
        color = tuple(int(value) for value in (r, g, b))
    except (TypeError, ValueError):
        return Response(request, "r, g and b must be numbers", status=BAD_REQUEST_400)
    if not all(0 <= value <= 255 for value in color):
        return Response(request, "r, g and b must be between 0 and 255", status=BAD_REQUEST_400)
    pixel.fill(color)
    return Response(request, "NeoPixel set to %d, %d, %d" % color)


def color_from_query(request: Request):
    params = request.query_params
    return set_color(request, params.get("r", 0), params.get("g", 0), params.get("b", 0))


def color_from_form(request: Request):
    data = request.form_data
    return set_color(request, data.get("r", 0), data.get("g", 0), data.get("b", 0))


def color_from_url(request: Request, r, g, b):
    return set_color(request, r, g, b)


@as_route("/color/json", POST)
def color_from_json(request: Request):
    data = request.json()  # invalid JSON: the client gets 400
    if not isinstance(data, dict):
        return Response(request, "send a JSON object", status=BAD_REQUEST_400)
    return set_color(request, data.get("r", 0), data.get("g", 0), data.get("b", 0))


server.add_routes(
    [
        Route("/color", GET, color_from_query),
        Route(path="/color", methods=POST, handler=color_from_form),
        Route("/color/<r>/<g>/<b>", GET, color_from_url),
        color_from_json,  # as_route turned the function into a Route
    ]
)

server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
