"""A small app for the MicroPython lane: serves over real sockets with the ``socket`` module.

    micropython -X heapsize=128k tests/mp_apps/hello_server.py PORT

Routes: ``/`` (text), ``/json``, ``/whoami`` (the client address), ``POST /echo``, ``/stream`` (a 200 KB ChunkedResponse made
by a generator, never held in memory) and ``/heap`` (heap figures as JSON). Prints
``READY <port>`` once listening. Also runs on CPython (for debugging the app itself)."""

import gc
import sys
import time

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, HERE + "/../..")

import socket  # noqa: E402

from adafruit_httpserver import (  # noqa: E402
    NO_REQUEST,
    POST,
    ChunkedResponse,
    JSONResponse,
    Response,
    Server,
)

STREAM_SIZE = 200 * 1024
_PIECE = b"0123456789abcdef" * 64  # 1 KB, reused for every chunk

_heap = {"requests": 0, "max_alloc": 0, "poll_errors": 0}


def _alloc():
    try:
        return gc.mem_alloc()
    except AttributeError:  # CPython
        return 0


def _free():
    try:
        return gc.mem_free()
    except AttributeError:
        return 0


def _print_exception(error):
    if hasattr(sys, "print_exception"):
        sys.print_exception(error)  # pylint: disable=no-member
    else:
        import traceback  # pylint: disable=import-outside-toplevel

        traceback.print_exception(type(error), error, error.__traceback__)


def main(port):
    server = Server(socket, None)

    @server.route("/")
    def index(request):
        return Response(request, "Hello from " + sys.implementation.name)

    @server.route("/json")
    def as_json(request):
        return JSONResponse(request, {"hello": "world", "implementation": sys.implementation.name})

    @server.route("/whoami")
    def whoami(request):
        # the client's address (its port tells one TCP connection from another)
        return Response(request, repr(request.client_address))

    @server.route("/echo", POST)
    def echo(request):
        return Response(request, request.body, content_type="application/octet-stream")

    @server.route("/stream")
    def stream(request):
        def pieces():
            for _ in range(STREAM_SIZE // len(_PIECE)):
                yield _PIECE

        return ChunkedResponse(request, pieces, content_type="application/octet-stream")

    @server.route("/heap")
    def heap(request):
        before = _alloc()
        gc.collect()
        return JSONResponse(
            request,
            {
                "baseline_alloc": _heap["baseline_alloc"],
                "alloc_before_collect": before,
                "alloc": _alloc(),
                "free": _free(),
                "max_alloc": _heap["max_alloc"],
                "requests": _heap["requests"],
                "poll_errors": _heap["poll_errors"],
            },
        )

    server.start("127.0.0.1", port)
    gc.collect()
    _heap["baseline_alloc"] = _alloc()
    print("READY", port, "alloc", _heap["baseline_alloc"], "free", _free())
    while True:
        try:
            result = server.poll()
        except Exception as error:  # pylint: disable=broad-except
            _heap["poll_errors"] += 1
            if _heap["poll_errors"] <= 3:
                print("poll() raised (%d so far):" % _heap["poll_errors"])
                _print_exception(error)
            time.sleep(0.002)
            continue
        if result == NO_REQUEST:
            time.sleep(0.002)
            continue
        _heap["requests"] += 1
        used = _alloc()
        if used > _heap["max_alloc"]:
            _heap["max_alloc"] = used


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8123)
