"""The benchmark app under MicroPython, reporting its own heap.

    micropython -X heapsize=128k mp_server_app.py REPO_ROOT PORT

Routes: ``/`` answers "Hello" (the same app as httpserver_app.py); ``/mem`` runs
gc.collect() and answers the heap counters as JSON. Before serving it measures what an
idle poll() allocates (1000 polls, no client) and prints ``READY``.
"""

import gc
import sys

sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p not in ("", ".")]
PORT = int(sys.argv[2])

import socket  # noqa: E402

try:
    import micropython

    mem_total = micropython.mem_total
except (ImportError, AttributeError):
    mem_total = None

gc.collect()
BASE = gc.mem_alloc()
from adafruit_httpserver import Request, Response, Server  # noqa: E402

gc.collect()
IMPORTED = gc.mem_alloc()

server = Server(socket, debug=False)
polls = 0
errors = 0


def _total():
    return mem_total() if mem_total else -1


@server.route("/")
def base(request: Request):
    return Response(request, "Hello")


@server.route("/mem")
def mem(request: Request):
    gc.collect()
    body = '{"alloc": %d, "free": %d, "total": %d, "polls": %d, "errors": %d}' % (
        gc.mem_alloc(),
        gc.mem_free(),
        _total(),
        polls,
        errors,
    )
    return Response(request, body, content_type="application/json")


server.start("127.0.0.1", PORT)
gc.collect()
STARTED = gc.mem_alloc()
t0 = _total()
for _ in range(1000):
    server.poll()
idle = (_total() - t0) / 1000 if mem_total else -1
gc.collect()
print(
    "READY %d base=%d imported=%d started=%d idle_poll=%s free=%d"
    % (PORT, BASE, IMPORTED, STARTED, idle, gc.mem_free())
)

while True:
    polls += 1
    try:
        server.poll()
    except Exception as err:  # pylint: disable=broad-except
        errors += 1
        if errors <= 5:
            sys.print_exception(err)
