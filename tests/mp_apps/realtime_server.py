"""WebSocket echo + Server-Sent Events under MicroPython (also runs on CPython).

    micropython -X heapsize=224k tests/mp_apps/realtime_server.py PORT [LIBDIR] [NAME=VALUE ...]

Routes: ``/`` (text), ``/ws`` (WebSocket echo: text and binary messages come back
unchanged), ``/events`` (SSE: an event every 0.2 s to every stream, via ``broadcast``, and
a heartbeat comment every second) and ``/heap`` (JSON: heap figures and how many
websockets and streams are open). ``NAME=VALUE`` items are ``Server`` keyword arguments
(integers; default ``max_connections=10``), e.g. a board profile's ``recommended``
settings. ``LIBDIR`` (optional) is searched for
``adafruit_httpserver`` before the repository, e.g. a folder of ``.mpy`` files made with
``mpy-cross`` (what a board runs). Prints ``READY <port>`` once listening."""

import gc
import json
import sys
import time

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, HERE + "/../..")
SERVER_OPTIONS = {"max_connections": 10}
for _arg in sys.argv[2:]:
    if "=" in _arg:
        _name, _value = _arg.split("=", 1)
        SERVER_OPTIONS[_name] = int(_value)
    else:
        sys.path.insert(0, _arg)  # LIBDIR: e.g. the package precompiled to .mpy

import socket  # noqa: E402

# One module at a time, biggest first, collecting in between: compiling several modules
# from source in one go fragments a 128 KB heap (a board running .mpy files needs no such
# care). The engine is what ``start()`` would load.
import adafruit_httpserver._engine  # noqa: E402,F401

gc.collect()
from adafruit_httpserver import _wsframe  # noqa: E402,F401

gc.collect()
from adafruit_httpserver import Websocket  # noqa: E402

gc.collect()
from adafruit_httpserver.sse import SSEResponse, broadcast  # noqa: E402

gc.collect()
from adafruit_httpserver import NO_REQUEST, JSONResponse, Response, Server  # noqa: E402

gc.collect()

try:
    from time import ticks_add, ticks_diff, ticks_ms
except ImportError:  # CPython

    def ticks_add(a, b):
        return a + b

    def ticks_ms():
        return int(time.monotonic() * 1000)

    def ticks_diff(a, b):
        return a - b


EVENT_MS = 200
HEARTBEAT_MS = 1000

figures = {"polls": 0, "poll_errors": 0, "echoed": 0, "events": 0, "max_alloc": 0}
sockets = []
streams = []


def _alloc():
    try:
        return gc.mem_alloc()
    except AttributeError:
        return 0


def _free():
    try:
        return gc.mem_free()
    except AttributeError:
        return 0


def main(port):
    server = Server(socket, **SERVER_OPTIONS)

    @server.route("/")
    def index(request):
        return Response(request, "realtime on " + sys.implementation.name)

    @server.route("/ws")
    def upgrade(request):
        websocket = Websocket(request)
        if not websocket.closed:
            sockets.append(websocket)
        return websocket

    @server.route("/events")
    def events(request):
        stream = SSEResponse(request)
        streams.append(stream)
        return stream

    @server.route("/heap")
    def heap(request):
        before = _alloc()
        gc.collect()
        return JSONResponse(
            request,
            {
                "alloc_before_collect": before,
                "alloc": _alloc(),
                "free": _free(),
                "max_alloc": figures["max_alloc"],
                "baseline_alloc": figures["baseline_alloc"],
                "websockets": len([w for w in sockets if not w.closed]),
                "streams": len([s for s in streams if not s.closed]),
                "echoed": figures["echoed"],
                "events": figures["events"],
                "poll_errors": figures["poll_errors"],
            },
        )

    gc.collect()
    server.start("127.0.0.1", port)
    gc.collect()
    figures["baseline_alloc"] = _alloc()
    print("READY", port, "alloc", figures["baseline_alloc"], "free", _free())
    next_event = next_heartbeat = ticks_ms()
    counter = 0
    while True:
        busy = False
        try:
            busy = server.poll() != NO_REQUEST
        except Exception as error:  # pylint: disable=broad-except
            figures["poll_errors"] += 1
            if figures["poll_errors"] <= 3:
                print("poll() raised:", repr(error))
        for websocket in list(sockets):
            message = websocket.receive(fail_silently=True)
            while message is not None:
                busy = True
                websocket.send_message(message, fail_silently=True)
                figures["echoed"] += 1
                message = websocket.receive(fail_silently=True)
            if websocket.closed:
                sockets.remove(websocket)
        now = ticks_ms()
        if ticks_diff(now, next_event) >= 0:
            next_event = ticks_add(now, EVENT_MS)
            counter += 1
            if broadcast(streams, json.dumps({"n": counter}), event="tick", id=counter):
                figures["events"] += 1
        if ticks_diff(now, next_heartbeat) >= 0:
            next_heartbeat = ticks_add(now, HEARTBEAT_MS)
            for stream in streams:
                stream.send_comment("hb")
        used = _alloc()
        if used > figures["max_alloc"]:
            figures["max_alloc"] = used
        if not busy:
            time.sleep(0.002)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8124)
