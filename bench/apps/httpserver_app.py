"""The benchmark app, written against the adafruit_httpserver 4.8.2 public API.

    python httpserver_app.py PORT poll|forever

Which adafruit_httpserver it runs (ours or 4.8.2) is decided by PYTHONPATH alone; it
prints where the package was loaded from so the harness can check.
"""

import os
import socket
import sys

import adafruit_httpserver
from adafruit_httpserver import Request, Response, Server

PORT = int(sys.argv[1])
MODE = sys.argv[2] if len(sys.argv) > 2 else "poll"

server = Server(socket, debug=False)


@server.route("/")
def base(request: Request):
    return Response(request, "Hello")


print("LOADED", os.path.dirname(os.path.abspath(adafruit_httpserver.__file__)), flush=True)

if MODE == "forever":
    server.serve_forever("127.0.0.1", PORT)
else:
    server.start("127.0.0.1", PORT)
    print("READY", PORT, flush=True)
    errors = 0
    while True:
        try:
            server.poll()
        except Exception as err:  # pylint: disable=broad-except
            errors += 1
            if errors <= 5:
                print("poll() raised %r" % (err,), file=sys.stderr, flush=True)
