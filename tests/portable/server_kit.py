"""Helpers shared by the ``test_server_*`` modules (portable: CPython and MicroPython).

Every wait is bounded twice, by a number of polls and by wall time, so a misbehaving server
makes a test fail instead of hanging."""

import gc
import time


def preload(*names):
    """Imports library modules that would otherwise load lazily during a test.

    On MicroPython, code loaded in the middle of a test lands between that test's garbage
    and fragments the heap (a 224k heap ended with 75 KB free but no 4 KB block). Loading
    it up front, before any test runs, keeps the free memory in one piece."""
    for name in names:
        gc.collect()
        try:
            __import__("adafruit_httpserver." + name)
        except ImportError:
            pass  # only an optimisation: a module that has moved is loaded when needed
    gc.collect()


# The engine is loaded by the first start(), and every test registers routes. The in-memory
# pool first (the biggest module to compile from source), then leaves first, so that each
# compile leaves its garbage where the next one reuses it.
preload("testing", "_http", "request", "response", "_output", "_connection", "_dispatch", "_engine", "route")

from adafruit_httpserver import Server  # noqa: E402  pylint: disable=wrong-import-position
from adafruit_httpserver.testing import SocketPool, TestClient  # noqa: E402  pylint: disable=wrong-import-position

try:
    _ticks_ms = time.ticks_ms  # MicroPython
    _ticks_diff = time.ticks_diff
except AttributeError:

    def _ticks_ms():
        return int(time.monotonic() * 1000)

    def _ticks_diff(end, start):
        return end - start


def now_ms():
    return _ticks_ms()


def since_ms(start):
    return _ticks_diff(_ticks_ms(), start)


def sleep_ms(ms):
    if hasattr(time, "sleep_ms"):
        time.sleep_ms(ms)
    else:
        time.sleep(ms / 1000)


_LAST = []  # the server make() started last


def make(root_path=None, raise_errors=True, **limits):
    """A started server on an in-memory pool and a ``TestClient`` driving it.

    The server made before is stopped first (no test uses two at once): its connections
    and receive buffers are let go even while the test still holds it, which a board-sized
    heap needs. Receive buffers default to a board's size (``max_header_size`` 2048)."""
    if _LAST:
        _LAST.pop().stop()
    limits.setdefault("max_header_size", 2048)
    server = Server(SocketPool(), root_path, **limits)
    _LAST.append(server)
    return server, TestClient(server, raise_server_exceptions=raise_errors)


def until(client, predicate, max_ms=3000, step_ms=2, max_polls=20000):
    """Polls until ``predicate()`` is true; False when it never became true in time."""
    start = now_ms()
    for _ in range(max_polls):
        client.poll()
        if predicate():
            return True
        if since_ms(start) > max_ms:
            return False
        sleep_ms(step_ms)
    return False


def receive(conn, polls=3):
    """Polls a few times and returns the raw bytes that reached ``conn`` meanwhile (the
    ``TestConnection`` parser is bypassed, so interim responses stay visible)."""
    chunk = bytearray(2048)
    data = b""
    for _ in range(polls):
        conn.client.poll()
        while True:
            try:
                count = conn.sock.recv_into(chunk)
            except OSError:
                break
            if not count:
                break
            data += bytes(chunk[:count])
    return data


def is_closed(conn):
    """True once the server has closed its end (reads nothing: the window stays full)."""
    peer = conn.sock._peer  # pylint: disable=protected-access
    return peer is None or peer._closed  # pylint: disable=protected-access


def request_bytes(method, path, headers=(), body=b"", version="HTTP/1.1"):
    """One request; ``headers`` is a sequence of ``(name, value)`` (order is kept)."""
    lines = ["%s %s %s" % (method, path, version)]
    for name, value in headers:
        lines.append("%s: %s" % (name, value))
    if isinstance(body, str):
        body = body.encode("utf-8")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
