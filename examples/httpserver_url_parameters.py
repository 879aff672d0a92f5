"""URL parameters and wildcards.

* ``<name>`` in a route matches one path segment and passes it to the handler as the
  keyword argument ``name`` (always a ``str``, already percent-decoded);
* one handler can serve several routes (stack the decorators); give a default to every
  parameter that some of its routes do not have;
* ``**params`` collects all parameters in a dict;
* ``...`` matches exactly one non-empty segment, ``....`` one or more segments; neither is
  passed to the handler (read ``request.path`` if you need it).

Try ``/rooms/kitchen/lights/on``, ``/rooms/living%20room/lights``, ``/sensors/temperature/2``,
``/logs/today`` and ``/files/photos/2024/cat.jpg``.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import BAD_REQUEST_400, Request, Response, Server

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)

lights: dict = {}  # room name -> "on" / "off"


@server.route("/rooms/<room>/lights/<state>")
@server.route("/rooms/<room>/lights")
def room_lights(request: Request, room: str, state: "str | None" = None):
    if state is None:  # the second route has no <state>
        return Response(request, f"Lights in the {room}: {lights.get(room, 'off')}")
    if state not in ("on", "off"):
        return Response(request, "State must be on or off", status=BAD_REQUEST_400)
    lights[room] = state
    return Response(request, f"Lights in the {room} turned {state}")


@server.route("/sensors/<kind>/<number>")
def sensor(request: Request, **params):
    # Parameters are strings: convert them yourself.
    if not params["number"].isdigit():
        return Response(request, "The sensor number must be a number", status=BAD_REQUEST_400)
    number = int(params["number"])
    kind = params["kind"]
    return Response(request, f"Reading {kind} sensor #{number}")


@server.route("/logs/...", append_slash=True)
def one_segment(request: Request):
    # Matches /logs/today and /logs/today/, not /logs/2024/today or /logs/
    name = request.path.split("/")[2]
    return Response(request, f"Log {name}")


@server.route("/files/....", append_slash=True)
def any_depth(request: Request):
    # Matches /files/a, /files/a/b/c.txt, ... but not /files/
    path = request.path[len("/files/") :]
    return Response(request, f"File {path}")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
