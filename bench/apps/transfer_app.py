"""The transfer benchmark app: one upload route and one download route.

    python transfer_app.py PORT MODE DIR

Which adafruit_httpserver it runs (ours or 4.8.2) is decided by PYTHONPATH alone; it
prints where the package was loaded from so the harness can check. ``MODE``:

* ``api482``: only the 4.8.2 public API: ``POST /upload`` reads ``request.body``;
* ``stream`` (ours): ``POST /upload`` streams its body into ``DIR/upload.bin``
  (``body_to``), nothing held in memory;
* ``body`` (ours): ``POST /upload`` reads ``request.body``, like ``api482``, with the
  route's ``max_body_size`` raised to 1 GB (ours refuses bodies over 16 KB by default).

Every mode has ``GET /download/<name>`` answered with ``FileResponse(request, name, DIR)``
and ``GET /`` for the readiness check. The server runs ``start()`` then ``poll()`` in a
tight loop, as the 4.8.2 examples do.
"""

import os
import socket
import sys

import adafruit_httpserver
from adafruit_httpserver import GET, POST, FileResponse, Request, Response, Server

PORT = int(sys.argv[1])
MODE = sys.argv[2]
FOLDER = sys.argv[3]

server = Server(socket, debug=False)


@server.route("/", GET)
def index(request: Request):
    return Response(request, "ready")


if MODE == "stream":
    TARGET = os.path.join(FOLDER, "upload.bin")

    @server.route("/upload", POST, body_to=TARGET)
    def upload(request: Request):
        return Response(request, str(os.stat(TARGET)[6]))

elif MODE == "body":

    @server.route("/upload", POST, max_body_size=1 << 30)
    def upload(request: Request):
        return Response(request, str(len(request.body)))

else:  # api482

    @server.route("/upload", POST)
    def upload(request: Request):
        return Response(request, str(len(request.body)))


@server.route("/download/<name>", GET)
def download(request: Request, name: str):
    return FileResponse(request, name, FOLDER)


print("LOADED", os.path.dirname(os.path.abspath(adafruit_httpserver.__file__)), flush=True)
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
