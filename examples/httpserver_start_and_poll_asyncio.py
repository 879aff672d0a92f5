"""The server as one ``asyncio`` task among others.

There is no ``async`` API to learn: one task calls ``server.poll()`` (which never blocks)
and yields to the others with ``await asyncio.sleep(...)``. Any number of other tasks run
in between, each at its own pace.

On CircuitPython install ``asyncio`` (and ``adafruit_ticks``) from the bundle first, e.g.
``circup install asyncio``.
"""

import asyncio
import os

import socketpool
import wifi

from adafruit_httpserver import (
    NO_REQUEST,
    FileResponse,
    JSONResponse,
    Request,
    Server,
)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, os.getenv("STATIC_ROOT", "/static"), debug=True)

state = {"seconds": 0, "blink": False}


@server.route("/")
def index(request: Request):
    return FileResponse(request, "index.html")


@server.route("/state")
def show_state(request: Request):
    return JSONResponse(request, state)


async def serve():
    server.start(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
    while True:
        try:
            result = server.poll()
        except Exception as error:  # pylint: disable=broad-except
            print("Handler error:", repr(error))  # the client got a 500; keep serving
            result = None
        # Busy: come back at once. Idle: let the other tasks run for a moment.
        await asyncio.sleep(0 if result != NO_REQUEST else 0.01)


async def count_seconds():
    while True:
        await asyncio.sleep(1)
        state["seconds"] += 1


async def blink():
    while True:
        state["blink"] = not state["blink"]  # a real board would toggle an LED here
        await asyncio.sleep(0.5)


async def main():
    await asyncio.gather(
        asyncio.create_task(serve()),
        asyncio.create_task(count_seconds()),
        asyncio.create_task(blink()),
    )


asyncio.run(main())
