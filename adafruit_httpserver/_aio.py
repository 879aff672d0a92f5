"""asyncio glue, per runtime: how a task waits for a socket to become readable, and
``Websocket.receive_async``, the only user; loaded when it is first awaited."""

from ._compat import CPYTHON, ticks_diff, ticks_ms


async def receive(websocket, timeout):
    """``Websocket.receive_async``: see there."""
    start = ticks_ms()
    while True:
        message = websocket.receive(fail_silently=True)
        if message is not None or websocket.closed:
            return message
        left = None
        if timeout is not None:
            left = timeout - ticks_diff(ticks_ms(), start) / 1000
            if left <= 0:
                return None
        if websocket._ping_ms is not None:
            ping = websocket._ping_ms / 1000
            left = ping if left is None else min(left, ping)
        # Re-check at least twice a second: the server may close this connection (stop(),
        # a client that stopped reading) while the task waits on its socket.
        await wait_readable(websocket._request.connection, 0.5 if left is None else min(left, 0.5))


async def wait_readable(sock, timeout=None):
    """Suspends the calling asyncio task until ``sock`` has data to read, or for at most
    ``timeout`` seconds. CPython and MicroPython watch the socket itself; where the socket
    cannot be watched (CircuitPython's socketpool) the task re-checks every 20 ms."""
    import asyncio  # pylint: disable=import-outside-toplevel

    if CPYTHON and hasattr(sock, "fileno"):
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        descriptor = sock.fileno()
        loop.add_reader(descriptor, lambda: ready.done() or ready.set_result(None))
        try:
            await asyncio.wait_for(ready, timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            loop.remove_reader(descriptor)
        return
    try:
        from asyncio import core  # pylint: disable=import-outside-toplevel

        if timeout is None:
            await _Readable(core, sock)
        else:
            await asyncio.wait_for(_readable(core, sock), timeout)
        return
    except asyncio.TimeoutError:
        return
    except (ImportError, AttributeError, OSError, TypeError, ValueError):
        pass
    await asyncio.sleep(0.02 if timeout is None else min(timeout, 0.02))


class _Readable:
    """Awaitable that parks a MicroPython asyncio task on its I/O queue until ``sock`` is
    readable (how MicroPython's own streams wait)."""

    def __init__(self, core, sock):
        self.core = core
        self.sock = sock

    def __iter__(self):
        yield self.core._io_queue.queue_read(self.sock)  # pylint: disable=protected-access

    __await__ = __iter__


async def _readable(core, sock):
    await _Readable(core, sock)
