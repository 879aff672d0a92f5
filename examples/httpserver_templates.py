"""Pages rendered on the board with ``adafruit_templateengine``: a file browser for the
``/static`` folder.

``/?path=/some/folder`` lists a folder through the template ``directory_listing.tpl.html``
(loops, conditions and escaping happen in the template); ``/?path=/some/file.txt`` sends
the file itself. Install the engine with ``circup install adafruit_templateengine`` and
copy the template next to ``code.py``.
"""

import os

import socketpool
import wifi
from adafruit_templateengine import render_template

from adafruit_httpserver import (
    BAD_REQUEST_400,
    NOT_FOUND_404,
    FileResponse,
    Request,
    Response,
    Server,
)

ROOT = os.getenv("STATIC_ROOT", "/static")
TEMPLATE = "directory_listing.tpl.html"
FOLDER_MODE = 0o040000

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, ROOT, debug=True)

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/"


def quote(text):
    """Percent-encodes ``text`` for use in a query string."""
    return "".join(
        char if char in _UNRESERVED else "".join("%%%02X" % byte for byte in char.encode("utf-8"))
        for char in text
    )


@server.route("/")
def browse(request: Request):
    # Raw value: the template escapes whatever it prints.
    path = request.query_params.get("path", "/", safe=False)
    parts = [part for part in path.split("/") if part]
    if ".." in parts or "\\" in path:
        return Response(request, "Invalid path", status=BAD_REQUEST_400)
    path = "/" + "/".join(parts)
    full_path = ROOT.rstrip("/") + path

    try:
        mode = os.stat(full_path)[0]
    except OSError:
        return Response(request, "No such file or folder", status=NOT_FOUND_404)

    if mode & 0o170000 != FOLDER_MODE:
        return FileResponse(request, path)  # looked up under the server's root_path

    items = []
    for name in os.listdir(full_path):
        stat = os.stat(full_path.rstrip("/") + "/" + name)
        is_folder = stat[0] & 0o170000 == FOLDER_MODE
        link = "/?path=" + quote(path.rstrip("/") + "/" + name)
        items.append((name, link, is_folder, stat[6]))
    items.sort(key=lambda item: (not item[2], item[0]))  # folders first, then by name

    parent = None
    if parts:
        parent = "/?path=" + quote("/" + "/".join(parts[:-1]))

    context = {"path": path, "parent": parent, "items": items}
    return Response(request, render_template(TEMPLATE, context), content_type="text/html")


server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
