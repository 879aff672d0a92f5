"""A static web site: with a ``root_path`` and no routes, every GET is answered with the
file at that path under ``root_path`` (``/`` and ``/dir/`` give ``index.html``), and a
missing file with 404.

The content type comes from the file's extension (``MIMETypes``). The table is global; on
a small board, keep only the types your site uses (it saves RAM) and add any missing ones.
Files with an extension that is not in the table are sent as ``default_to``.
"""

import os

import socketpool
import wifi

from adafruit_httpserver import MIMETypes, Server

MIMETypes.configure(
    default_to="text/plain",
    # Unregister every type but these...
    keep_for=[".html", ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".svg", ".txt"],
    # ...and add your own.
    register={".md": "text/markdown", ".mpy": "application/octet-stream"},
)

pool = socketpool.SocketPool(wifi.radio)
server = Server(pool, os.getenv("STATIC_ROOT", "/static"), debug=True)

server.serve_forever(str(wifi.radio.ipv4_address), int(os.getenv("PORT", 5000)))
