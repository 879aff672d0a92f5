"""Two servers in one program, each on its own port with its own settings.

``serve_forever()`` runs one server only, so both are started with ``start()`` and then
polled in turn. ``poll()`` never blocks, so neither server waits for the other.

Here the servers share a handler, each has a route of its own, the second one requires a
password, and a default ``X-Server`` header tells their responses apart.
"""

import os
import time

import socketpool
import wifi

from adafruit_httpserver import Basic, Request, Response, Server

pool = socketpool.SocketPool(wifi.radio)

kitchen = Server(pool, debug=True)
kitchen.headers["X-Server"] = "Kitchen"

garage = Server(pool, debug=True)
garage.headers["X-Server"] = "Garage"
garage.require_authentication([Basic("mechanic", "wrench")])


# Stacked decorators: the same handler answers "/" on both servers.
@kitchen.route("/")
@garage.route("/")
def hello(request: Request):
    return Response(request, f"Hello from the server on port {request.server.port}!")


@kitchen.route("/oven")
def oven(request: Request):
    return Response(request, "The oven is off.")


@garage.route("/door")
def door(request: Request):
    return Response(request, "The garage door is closed.")


host = str(wifi.radio.ipv4_address)
kitchen.start(host, int(os.getenv("PORT", 5000)))
garage.start(host, int(os.getenv("PORT2", 8000)))  # every server needs its own port

while True:
    for server in (kitchen, garage):
        try:
            server.poll()
        except Exception as error:  # pylint: disable=broad-except
            # A handler failed: its client got a 500; log it and keep both servers running.
            print("Handler error:", repr(error))
    time.sleep(0.01)  # other work could go here
