"""A handler that chooses which file to send.

The server's ``root_path`` is where files are looked up by default, and where requests
that match no route are answered from. A ``FileResponse`` can name another folder, so a
handler can serve files from anywhere, and only the ones it decides to.

Put ``index.html`` in ``/default-static-folder`` and ``home.html`` in
``/other-static-folder`` on the CIRCUITPY drive, then open ``/`` and ``/home``.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import FileResponse, Request, Server

# Both folders can be moved with environment variables (settings.toml on a board).
DEFAULT_FOLDER = os.getenv("DEFAULT_STATIC_FOLDER", "/default-static-folder")
OTHER_FOLDER = os.getenv("OTHER_STATIC_FOLDER", "/other-static-folder")

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, DEFAULT_FOLDER, debug=True)


@server.route("/home")
def home(request: Request):
    # Not in the server's root_path: this file is reachable only through this route.
    return FileResponse(request, "home.html", OTHER_FOLDER)


# "/" and every other path that is not a route are files from DEFAULT_FOLDER.
server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
