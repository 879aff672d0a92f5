"""The one place that knows which Python runs us: CPython, MicroPython or CircuitPython.

Everything runtime-specific (clock, errno matching, socket reads, exception printing) lives
here so the rest of the package is plain portable Python.
"""

import sys

IMPLEMENTATION = sys.implementation.name
CIRCUITPYTHON = IMPLEMENTATION == "circuitpython"
MICROPYTHON = IMPLEMENTATION == "micropython"
CPYTHON = IMPLEMENTATION == "cpython"

try:
    from micropython import const
except ImportError:

    def const(value):  # type: ignore[misc]
        return value


try:
    import errno as _errno

    EAGAIN = _errno.EAGAIN
    ETIMEDOUT = _errno.ETIMEDOUT
    ECONNRESET = _errno.ECONNRESET
    ENOTCONN = _errno.ENOTCONN
except (ImportError, AttributeError):
    EAGAIN, ETIMEDOUT, ECONNRESET, ENOTCONN = 11, 110, 104, 107
EWOULDBLOCK = getattr(_errno, "EWOULDBLOCK", EAGAIN)
EINPROGRESS = getattr(_errno, "EINPROGRESS", 115)
# MicroPython's errno module has no EPIPE; Linux, lwIP and CircuitPython all use 32.
EPIPE = getattr(_errno, "EPIPE", 32)
ECONNABORTED = getattr(_errno, "ECONNABORTED", 103)

_WOULD_BLOCK_ERRNOS = (EAGAIN, EWOULDBLOCK, EINPROGRESS)
# -30592 is mbedTLS' fatal alert (CircuitPython); 9 is EBADF.
_GONE_ERRNOS = (ECONNRESET, EPIPE, ENOTCONN, ECONNABORTED, -30592, 9)


def error_number(exc):
    """The errno of an OSError on every runtime (MicroPython keeps it in ``args[0]``)."""
    number = getattr(exc, "errno", None)
    if number is None and exc.args and isinstance(exc.args[0], int):
        number = exc.args[0]
    return number


def would_block(exc):
    """True when a non-blocking socket operation simply has to be retried later."""
    name = type(exc).__name__
    if name in ("SSLWantReadError", "SSLWantWriteError"):
        return True
    return error_number(exc) in _WOULD_BLOCK_ERRNOS


def peer_gone(exc):
    """True for errors that only mean the other side has gone away."""
    if type(exc).__name__ in ("SSLEOFError", "SSLZeroReturnError", "SSLError"):
        return True
    return error_number(exc) in _GONE_ERRNOS


# A millisecond clock that never goes backwards. MicroPython has ticks (which wrap around),
# CircuitPython and CPython have monotonic_ns (CircuitPython's float monotonic() loses
# precision after a few hours of uptime, so it is not used).
try:
    from time import ticks_diff, ticks_ms  # type: ignore[attr-defined]
except ImportError:
    from time import monotonic_ns as _monotonic_ns

    def ticks_ms():
        return _monotonic_ns() // 1000000

    def ticks_diff(end, start):
        return end - start



def read_into(sock, view):
    """Reads into ``view``: returns the count, 0 at EOF, or None when nothing is waiting.
    CircuitPython sockets only have ``recv_into``, MicroPython ones ``readinto`` (which
    returns None when nothing is waiting) and ``recv``; CPython has all of them."""
    try:
        if hasattr(sock, "recv_into"):
            return sock.recv_into(view, len(view))
        if hasattr(sock, "readinto"):
            return sock.readinto(view)
        data = sock.recv(len(view))
        view[: len(data)] = data
        return len(data)
    except OSError as exc:
        if would_block(exc):
            return None
        raise


def send_some(sock, data):
    """Sends what the socket takes now; returns the count (0 when it would block)."""
    try:
        sent = sock.send(data)
    except OSError as exc:
        if would_block(exc):
            return 0
        raise
    return sent or 0


def tidy_heap():
    """On a small heap (MicroPython, CircuitPython) with less than half of it free, collects
    garbage now. Called before a new client's long-lived objects are made, and before a
    WebSocket message is assembled: these then find the free space in one piece, not
    split by garbage and by what was made among it (MicroPython never moves objects, so a
    board's heap could have room in all but no block large enough for a message)."""
    if CPYTHON:
        return
    import gc  # pylint: disable=import-outside-toplevel

    if gc.mem_free() < gc.mem_alloc():
        gc.collect()


if hasattr(sys, "print_exception"):
    print_exception = sys.print_exception  # pylint: disable=no-member
else:

    def print_exception(exc):
        import traceback  # pylint: disable=import-outside-toplevel

        traceback.print_exception(type(exc), exc, exc.__traceback__)


def peer_address(address):
    """``accept()``'s address as ``(host, port)``: the MicroPython unix port returns a raw
    ``sockaddr_in`` (family, big-endian port, four address bytes) instead of a tuple."""
    if isinstance(address, (bytes, bytearray)) and len(address) >= 8 and address[0] == 2:
        return ("%d.%d.%d.%d" % tuple(address[4:8]), address[2] << 8 | address[3])
    return address


def no_delay(sock, socket_source):
    """Turns off Nagle's algorithm: a response head or a WebSocket frame header written
    separately from its body must not wait for the client's delayed ACK (~40 ms). Some
    runtimes' socket modules lack the names (6 and 1 are their values on Linux and lwIP)."""
    try:
        # Attributes, not getattr() with names: MicroPython would intern those strings.
        level, option = socket_source.IPPROTO_TCP, socket_source.TCP_NODELAY
    except AttributeError:
        level, option = 6, 1
    try:
        sock.setsockopt(level, option, 1)
    except (OSError, AttributeError, TypeError, ValueError):
        pass


def bind_address(socket_source, host, port):
    """The first address ``getaddrinfo`` gives for (host, port), with its family.

    Binding to the returned address works everywhere; MicroPython's unix port refuses a plain
    ``(host, port)`` tuple."""
    info = socket_source.getaddrinfo(host, port)[0]
    return info[0], info[-1]
