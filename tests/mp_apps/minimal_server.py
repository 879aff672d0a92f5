"""The smallest useful app, for the 128k MicroPython check: imports the package from its .py
sources, serves text, a POST echo and its own heap figures over real sockets.

    micropython -X heapsize=128k tests/mp_apps/minimal_server.py PORT
"""

import gc
import sys

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, HERE + "/../..")

import socket  # noqa: E402

gc.collect()
_BASE = gc.mem_alloc()
from adafruit_httpserver import Request, Response, Server  # noqa: E402

gc.collect()
_FIGURES = {"import": gc.mem_alloc() - _BASE}

server = Server(socket)


@server.route("/")
def index(request: Request):
    return Response(request, "Hello from MicroPython")


@server.route("/echo", "POST")
def echo(request: Request):
    return Response(request, request.body)


@server.route("/heap")
def heap(request: Request):
    gc.collect()
    _FIGURES["now"] = gc.mem_alloc() - _BASE
    _FIGURES["free"] = gc.mem_free()
    return Response(request, "{" + ", ".join('"%s": %d' % item for item in _FIGURES.items()) + "}")


server.start("127.0.0.1", int(sys.argv[1]))
gc.collect()
_FIGURES["after_start"] = gc.mem_alloc() - _BASE
print("READY", _FIGURES["after_start"])
while True:
    server.poll()
