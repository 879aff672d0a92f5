"""What each part of adafruit_httpserver costs the heap under MicroPython, in the order an
app meets them (each step adds to the ones before).

    micropython -X heapsize=1m mp_modules.py PACKAGE_DIR

PACKAGE_DIR is the only directory put in front of sys.path. Prints one ``STEP`` line per
step, ``STEP <label> <bytes retained by the step> <in use after it> <modules it loaded>``,
then MicroPython's own ``qstr pool: ...`` line: the interned strings all of it made (kept
in pools that grow by doubling, so a step that needs a new pool pays for all of it).
"""

import gc
import sys

sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p not in ("", ".")]

# (label, modules to import) in the order an app meets them.
STEPS = (
    ("import Server, Request, Response", ("adafruit_httpserver.server", "adafruit_httpserver.request", "adafruit_httpserver.response")),
    ("start(): the engine", ("adafruit_httpserver._engine",)),
    ("a route", ("adafruit_httpserver.route",)),
    ("JSONResponse", ("adafruit_httpserver._json_response",)),
    ("FileResponse", ("adafruit_httpserver._files",)),
    ("body_to, chunked bodies", ("adafruit_httpserver._body", "adafruit_httpserver._chunked")),
    ("Range, ETag, gzip", ("adafruit_httpserver._conditional",)),
    ("Redirect, ChunkedResponse", ("adafruit_httpserver._responses",)),
    ("404/401/OPTIONS answers", ("adafruit_httpserver._answers",)),
    ("MIMETypes table", ("adafruit_httpserver.mime_types",)),
    ("SSEResponse", ("adafruit_httpserver.sse",)),
    ("Websocket", ("adafruit_httpserver.websocket",)),
    ("forms (FormData, QueryParams)", ("adafruit_httpserver._fields",)),
    ("files_to (multipart)", ("adafruit_httpserver._multipart_sink", "adafruit_httpserver._multipart")),
    ("authentication", ("adafruit_httpserver.authentication",)),
    ("MJPEG", ("adafruit_httpserver._mjpeg",)),
    ("testing (in-memory pool)", ("adafruit_httpserver.testing",)),
)

gc.collect()
previous = gc.mem_alloc()
for label, modules in STEPS:
    before = set(sys.modules)
    for name in modules:
        __import__(name)
    gc.collect()
    now = gc.mem_alloc()
    loaded = sorted(n.split(".")[-1] for n in sys.modules if n not in before and n.startswith("adafruit_httpserver"))
    print("STEP %s|%d|%d|%s" % (label, now - previous, now, ",".join(loaded)))
    previous = now

try:
    import micropython

    micropython.qstr_info()
except (ImportError, AttributeError):
    pass
