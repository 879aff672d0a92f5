"""A response sent in pieces (``Transfer-Encoding: chunked``), for bodies that are produced
little by little or are too big to build in RAM at once.

``ChunkedResponse`` takes a generator function, a generator, or any iterable of ``str``
and ``bytes`` pieces. The server pulls the next piece only when the client has taken the
previous one, so a slow client never blocks other requests.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import ChunkedResponse, Request, Server

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, debug=True)


@server.route("/countdown")
def countdown(request: Request):
    def body():
        yield "Countdown:\n"  # str pieces are sent as UTF-8
        for number in range(10, 0, -1):
            yield f"{number}...\n"
        yield b"Liftoff!\n"  # bytes are sent as they are

    return ChunkedResponse(request, body)


@server.route("/table")
def table(request: Request):
    # A generator object works too; here one row of a multiplication table per piece.
    rows = (" ".join(str(row * col) for col in range(1, 11)) + "\n" for row in range(1, 11))
    return ChunkedResponse(request, rows)


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
