"""Heap cost of importing adafruit_httpserver under MicroPython.

    micropython -X heapsize=128k mp_import.py PACKAGE_DIR

PACKAGE_DIR is the only directory put in front of sys.path. Prints one ``RESULT`` line:
ok retained_bytes allocated_total_bytes peak_bytes free_after error-text
"""

import gc
import sys

sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p not in ("", ".")]

try:
    import micropython

    mem_total = micropython.mem_total
    mem_peak = micropython.mem_peak
except (ImportError, AttributeError):
    mem_total = mem_peak = None

gc.collect()
a0 = gc.mem_alloc()
t0 = mem_total() if mem_total else -1
err_text = ""
where = ""
try:
    from adafruit_httpserver import Request, Response, Server  # noqa: F401

    ok = 1
except BaseException as err:  # pylint: disable=broad-except
    ok = 0
    err_text = "%s: %s" % (type(err).__name__, err)
    try:
        import io

        buf = io.StringIO()
        sys.print_exception(err, buf)
        for line in buf.getvalue().split("\n"):
            if line.strip().startswith("File "):
                where = line.strip()
    except Exception:  # pylint: disable=broad-except
        pass
    err = None
gc.collect()
a1 = gc.mem_alloc()
t1 = mem_total() if mem_total else -1
peak = mem_peak() if mem_peak else -1
print("RESULT", ok, a1 - a0, (t1 - t0) if mem_total else -1, peak, gc.mem_free(), err_text)
if where:
    print("WHERE", where)
