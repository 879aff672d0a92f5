"""A WebSocket echo server: every text or binary message is sent back unchanged.

Any number of clients at once, alongside normal HTTP requests. This is the server the
Autobahn|Testsuite conformance run talks to.

    python examples/httpserver_websocket_echo.py [PORT] [MAX_MESSAGE_BYTES]
"""

import os
import socket
import sys

from adafruit_httpserver import GET, Request, Response, Server, Websocket

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.getenv("PORT", "5000"))
MAX_MESSAGE = int(sys.argv[2]) if len(sys.argv) > 2 else 65536

server = Server(socket, max_connections=16)
clients: list = []


@server.route("/", GET)
def index(request: Request):
    return Response(request, "WebSocket echo server: connect to ws://HOST:%d/echo" % PORT)


@server.route("/echo", GET)
def echo(request: Request):
    websocket = Websocket(request, max_message_size=MAX_MESSAGE, max_fragments=MAX_MESSAGE)
    clients.append(websocket)
    return websocket


server.start(os.getenv("HOST", "127.0.0.1"), PORT)
print("Listening on ws://%s:%d/echo" % (server.host, server.port), flush=True)
while True:
    server.poll()
    for websocket in list(clients):
        message = websocket.receive(fail_silently=True)
        while message is not None:
            websocket.send_message(message, fail_silently=True)
            message = websocket.receive(fail_silently=True)
        if websocket.closed:
            clients.remove(websocket)
    server._engine.wait(0.01)  # pylint: disable=protected-access
