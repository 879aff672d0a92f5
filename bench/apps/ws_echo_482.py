"""A WebSocket echo app written against the adafruit_httpserver 4.8.2 public API only.

    python ws_echo_482.py PORT [MAX_MESSAGE_BYTES]

Which adafruit_httpserver it runs is decided by PYTHONPATH (the benchmark points it at
4.8.2); it prints where the package came from. As in 4.8.2's own websocket example, one
client at a time: a new connection replaces the previous websocket. The class-level limits
(``MESSAGE_MAX_SIZE_BYTES``, ``MESSAGE_MAX_FRAGMENTS``) are raised so that large messages
are accepted. ``/`` answers plain GETs (the harness checks readiness with one).
"""

import os
import socket
import sys

import adafruit_httpserver
from adafruit_httpserver import GET, Request, Response, Server, Websocket

PORT = int(sys.argv[1])
MAX_MESSAGE = int(sys.argv[2]) if len(sys.argv) > 2 else 4096

Websocket.MESSAGE_MAX_SIZE_BYTES = MAX_MESSAGE
Websocket.MESSAGE_MAX_FRAGMENTS = max(16, MAX_MESSAGE // 1024)

server = Server(socket, debug=False)
current = {"ws": None}


@server.route("/", GET)
def index(request: Request):
    return Response(request, "Hello")


@server.route("/echo", GET)
def echo(request: Request):
    if current["ws"] is not None:
        current["ws"].close()
    current["ws"] = Websocket(request)
    return current["ws"]


print("LOADED", os.path.dirname(os.path.abspath(adafruit_httpserver.__file__)), flush=True)
server.start("127.0.0.1", PORT)
print("READY", PORT, flush=True)
errors = 0
while True:
    try:
        server.poll()
        websocket = current["ws"]
        if websocket is not None:
            message = websocket.receive(fail_silently=True)
            if message is not None:
                websocket.send_message(message, fail_silently=True)
    except Exception as err:  # pylint: disable=broad-except
        errors += 1
        if errors <= 5:
            print("raised %r" % (err,), file=sys.stderr, flush=True)
        current["ws"] = None
