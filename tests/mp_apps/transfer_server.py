"""Large transfers under MicroPython with the heap watched.

    micropython -X heapsize=128k tests/mp_apps/transfer_server.py PORT DIR [NAME=VALUE ...] [LIBDIR]

``NAME=VALUE`` items are ``Server`` keyword arguments (integers), e.g. a board profile's
``recommended`` settings: ``max_header_size=2048 max_connections=2``. ``LIBDIR``
(optional) is searched for ``adafruit_httpserver`` before the repository, e.g. a folder
of ``.mpy`` files made with ``mpy-cross`` (what a board runs).

Routes:

* ``POST /upload``: the body is streamed (``body_to``) into ``DIR/upload.bin`` through a
  writer that samples the heap every few writes;
* ``GET /download``: ``FileResponse`` of ``DIR/download.bin`` (sent in pieces across polls);
* ``GET /mark/NAME``: starts a measuring phase (resets its peak);
* ``GET /heap``: ``key=value`` lines (``modules``: the package's modules loaded so far): ``baseline`` (``gc.mem_alloc()`` after ``start()``
  and ``gc.collect()``), and for the current phase ``peak`` (the highest ``mem_alloc()``
  right after a ``gc.collect()``, i.e. the heap really in use), ``peak_raw`` (highest
  ``mem_alloc()`` seen without collecting, garbage included), ``samples``, ``writes``,
  plus ``now`` (in use at this request, after a collection), ``errors`` (exceptions out of
  ``poll()``), ``heap_total`` and ``implementation``.

The modules a transfer uses (``FileResponse``, ``_body``) are loaded before the baseline is
taken, so the figures are what a transfer costs, not what a first import costs; the
``FileResponse`` is given its content type, so ``mime_types`` is never needed.

The poll loop samples too (every 8th iteration), so downloads, which have no writer, are
measured while ``FileResponse`` streams. Prints ``READY <port>`` once listening. Runs on
CPython as well (figures are then 0), for debugging the app itself.
"""

import gc
import sys

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, HERE + "/../..")
SERVER_OPTIONS = {}
for _arg in sys.argv[3:]:
    if "=" in _arg:
        _name, _value = _arg.split("=", 1)
        SERVER_OPTIONS[_name] = int(_value)
    else:
        sys.path.insert(0, _arg)

import socket  # noqa: E402

from adafruit_httpserver import GET, POST, Response, Server  # noqa: E402

SAMPLE_EVERY_WRITES = 16
SAMPLE_EVERY_POLLS = 8

_stats = {
    "baseline": 0,
    "phase": "start",
    "peak": 0,
    "peak_raw": 0,
    "samples": 0,
    "writes": 0,
    "errors": 0,
}


def _alloc():
    try:
        return gc.mem_alloc()
    except AttributeError:  # CPython
        return 0


def _heap_total():
    try:
        return gc.mem_alloc() + gc.mem_free()
    except AttributeError:
        return 0


def sample(collect=True):
    """Records the heap in use now (after a collection: live objects only)."""
    raw = _alloc()
    if raw > _stats["peak_raw"]:
        _stats["peak_raw"] = raw
    if collect:
        gc.collect()
        used = _alloc()
        if used > _stats["peak"]:
            _stats["peak"] = used
        _stats["samples"] += 1


class SampledFile:
    """The upload's writer: a file that samples the heap every few writes."""

    def __init__(self, path):
        self.file = open(path, "wb")  # pylint: disable=consider-using-with

    def write(self, data):
        count = self.file.write(data)
        _stats["writes"] += 1
        sample(_stats["writes"] % SAMPLE_EVERY_WRITES == 0)
        return count

    def close(self):
        sample()
        self.file.close()


def main(port, folder):
    server = Server(socket, None, **SERVER_OPTIONS)
    server.start("127.0.0.1", port)
    gc.collect()
    from adafruit_httpserver import FileResponse  # pylint: disable=import-outside-toplevel
    from adafruit_httpserver import _body  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import

    def upload_writer(request):  # pylint: disable=unused-argument
        return SampledFile(folder + "/upload.bin")

    @server.route("/upload", POST, body_to=upload_writer)
    def upload(request):
        return Response(request, "stored")

    @server.route("/download", GET)
    def download(request):
        return FileResponse(request, "download.bin", folder, content_type="application/octet-stream")

    @server.route("/mark/<phase>", GET)
    def mark(request, phase):
        _stats["phase"] = phase
        _stats["peak"] = _stats["peak_raw"] = _stats["samples"] = _stats["writes"] = 0
        return Response(request, "phase " + _stats["phase"])

    @server.route("/heap", GET)
    def heap(request):
        gc.collect()
        lines = ["%s=%s" % (key, _stats[key]) for key in sorted(_stats)]
        lines.append("now=%d" % _alloc())  # in use now: what the phase left behind
        lines.append("modules=" + ",".join(sorted(name[20:] for name in sys.modules if name.startswith("adafruit_httpserver."))))
        lines.append("heap_total=%d" % _heap_total())
        lines.append("implementation=" + sys.implementation.name)
        return Response(request, "\n".join(lines) + "\n")

    gc.collect()
    _stats["baseline"] = _alloc()
    print("READY", port, "baseline", _stats["baseline"], "total", _heap_total(), "from", Server.__module__)
    try:
        print("LOADED", sys.modules["adafruit_httpserver.server"].__file__)
    except (KeyError, AttributeError):
        pass
    iteration = 0
    while True:
        try:
            server.poll()
        except Exception as error:  # pylint: disable=broad-except
            _stats["errors"] += 1
            if _stats["errors"] <= 3:
                print("poll() raised:", repr(error))
                if hasattr(sys, "print_exception"):
                    sys.print_exception(error)  # pylint: disable=no-member
        iteration += 1
        if iteration % SAMPLE_EVERY_POLLS == 0:
            sample()
        else:
            sample(False)
        server._engine.wait(0.01)  # pylint: disable=protected-access  # like tests/helpers.py


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8124, sys.argv[2] if len(sys.argv) > 2 else ".")
