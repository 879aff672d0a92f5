"""Quick start on a computer: serve the ``static/`` folder next to this file, plus one route.

    python examples/httpserver_cpython.py                 # http://0.0.0.0:5000/
    python examples/httpserver_cpython.py 127.0.0.1 8080  # host and port as arguments
    HOST=127.0.0.1 PORT=8080 python examples/httpserver_cpython.py

On CPython the socket source is simply the ``socket`` module. Stop with Ctrl-C.
"""

import os
import socket
import sys

from adafruit_httpserver import Request, Response, Server

# Files are looked up relative to this script, wherever it is started from.
STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")

# Arguments win over environment variables, which win over the defaults.
HOST = sys.argv[1] if len(sys.argv) > 1 else os.getenv("HOST", "0.0.0.0")
PORT = int(sys.argv[2] if len(sys.argv) > 2 else os.getenv("PORT", "5000"))

server = Server(socket, STATIC, debug=True)


@server.route("/hello")
def hello(request: Request):
    """A route answers before static files are looked up."""
    name = request.query_params.get("name", "world")
    return Response(request, f"Hello, {name}! (served by Python {sys.version.split()[0]})")


# Any other GET is answered from STATIC: "/" gives static/index.html, a missing file 404.
server.serve_forever(HOST, PORT)
