"""Sizing the server for a small board.

Every limit is a ``Server`` keyword argument. Requests beyond them are answered with the
standard status (the handler never runs) and the server carries on:

==========================  =======  ==================================================
setting                     answer   what it bounds
==========================  =======  ==================================================
``max_connections``         503      clients served at once (idle ones are closed first)
``max_request_line_size``   414      ``GET /path?query HTTP/1.1``
``max_header_size``         431      the whole request head (also each client's buffer)
``max_body_size``           413      a request body held in memory
``header_timeout``          408      seconds to receive a request head
``socket_timeout``          408      seconds of silence while a request is incomplete
``keep_alive_timeout``      -        seconds an idle connection is kept open
``send_timeout``            -        seconds a client may stop reading before it is dropped
``request_buffer_size``     -        bytes taken from a socket in one read
==========================  =======  ==================================================

The numbers below are the recommended ones for a Raspberry Pi Pico W on CircuitPython
(``boards/pico_w_circuitpython.json`` in this project): about 126 KB of free heap and 8
sockets shared with the web workflow. Other boards have their own profile in ``boards/``.
"""

import gc
import os

import socketpool
import wifi

from adafruit_httpserver import Request, Response, Server, POST

# Pico W / CircuitPython profile. Leave one or two sockets for other libraries.
MAX_CONNECTIONS = 2
if hasattr(gc, "mem_free"):  # CircuitPython and MicroPython
    gc.collect()
    # Rough rule: keep 40 KB in reserve, count ~12 KB per connection (buffers and TCP window).
    MAX_CONNECTIONS = max(1, min(MAX_CONNECTIONS, (gc.mem_free() - 40_000) // 12_000))

pool = socketpool.SocketPool(wifi.radio)
server = Server(
    pool,
    debug=True,
    max_connections=MAX_CONNECTIONS,
    max_request_line_size=512,
    max_header_size=2048,
    max_body_size=4096,
    request_buffer_size=1024,
    header_timeout=10,
    socket_timeout=1,
    keep_alive_timeout=5,
    send_timeout=10,
)


@server.route("/")
def index(request: Request):
    return Response(request, f"Serving up to {server.max_connections} clients at once.")


@server.route("/upload", POST)
def upload(request: Request):
    # Bodies above max_body_size never get here: the client got "413 Content Too Large".
    return Response(request, f"Received {len(request.body)} bytes")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
