"""Serve web pages and keep doing other work: ``start()`` once, then call ``poll()`` in
your own loop.

``poll()`` never blocks: it accepts new clients, moves every connection forward as far as
its socket allows, and returns at once. Its result tells what happened, e.g.
``REQUEST_HANDLED_RESPONSE_SENT`` when a handler answered a request.

Here the loop also keeps statistics that ``/stats`` reports; a real board could read a
sensor or blink an LED there.
"""

import os
import time

import socketpool
import wifi

from adafruit_httpserver import (
    REQUEST_HANDLED_RESPONSE_SENT,
    FileResponse,
    JSONResponse,
    Request,
    Server,
)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, os.getenv("STATIC_ROOT", "/static"), debug=True)

stats = {"loops": 0, "responses": 0, "started": time.monotonic()}


@server.route("/")
def index(request: Request):
    return FileResponse(request, "index.html")


@server.route("/stats")
def show_stats(request: Request):
    uptime = time.monotonic() - stats["started"]
    return JSONResponse(
        request,
        {"loops": stats["loops"], "responses": stats["responses"], "uptime": round(uptime, 1)},
    )


server.start(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))

while True:
    try:
        result = server.poll()
    except Exception as error:  # pylint: disable=broad-except
        # A handler raised: its client got a 500. Keep serving.
        print("Handler error:", repr(error))
        continue

    if result == REQUEST_HANDLED_RESPONSE_SENT:
        stats["responses"] += 1

    # Your own work goes here; keep each step short so requests are answered quickly.
    stats["loops"] += 1
    time.sleep(0.01)
