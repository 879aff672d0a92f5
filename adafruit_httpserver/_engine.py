"""The poll loop behind a started ``Server``: the listening socket, admitting and evicting
connections, readiness, deadlines. Routing and dispatch are in ``_dispatch.py``.

Imported by ``Server.start()``, so that merely importing the package stays cheap on boards."""

from . import _http
from ._http import _plain
from . import server as _server_module
from ._compat import (
    CIRCUITPYTHON,
    CPYTHON,
    bind_address,
    no_delay,
    peer_address,
    print_exception,
    send_some,
    ticks_diff,
    ticks_ms,
    tidy_heap,
    would_block,
)
from ._connection import Connection
from ._dispatch import Dispatch
from ._states import BODY, CLOSED, HANDSHAKE, HEAD, IDLE, LINGER, STREAM, UPGRADED

_FULL = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

# What poll() reports for a connection that timed out (see server._RESULTS).
_TIMED_OUT = 1


class Engine(Dispatch):
    """Owns the listening socket and the connection table of one started server; routes
    and dispatches requests (``_dispatch.Dispatch``)."""

    def __init__(self, server, host, port, buffers):
        pool = server._socket_source
        try:
            family, address = bind_address(pool, host, port)
        except OSError as error:
            raise RuntimeError(f"Cannot start server on {host}:{port}") from error
        if family != getattr(pool, "AF_INET6", None):
            family = pool.AF_INET
        sock = pool.socket(family, pool.SOCK_STREAM)
        try:
            if not CIRCUITPYTHON or _implementation_version() >= (9,):
                sock.setsockopt(pool.SOL_SOCKET, pool.SO_REUSEADDR, 1)
            if server._ssl_context is not None and CIRCUITPYTHON:
                sock = server._ssl_context.wrap_socket(sock, server_side=True)
            sock.bind(address)
            sock.listen(max(2, 2 * server.max_connections))
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self.server = server
        self.sock = sock
        self.port = sock.getsockname()[1] if hasattr(sock, "getsockname") else port
        self.clients = []
        self.dispatching = False
        # A newcomer waits in the backlog for a slot: connections that have served a few
        # responses then close instead of staying alive, so busy keep-alive clients
        # cannot starve the ones waiting (known only where the listening socket is watched).
        self.crowded = False
        self.last_tick = None
        self.buffers = buffers  # receive buffers no connection is using (see Server.start)
        # A readiness poller where the runtime can watch these sockets (CPython,
        # MicroPython): poll() then touches only sockets that have something for it.
        # Without one (CircuitPython's socketpool), every socket is simply tried.
        self.poller = None
        self.keys = {}  # what the poller reports -> Connection
        try:
            import select  # pylint: disable=import-outside-toplevel

            poller = select.poll()
            poller.register(sock, select.POLLIN)
            self.poller = poller
            self.events = getattr(poller, "ipoll", poller.poll)  # ipoll: no allocation
            self.listen_key = _poll_key(sock)
            self.POLLIN, self.POLLOUT = select.POLLIN, select.POLLOUT  # pylint: disable=invalid-name
        except (ImportError, AttributeError, OSError, TypeError, ValueError):
            pass

    def take_buffer(self):
        if self.buffers:
            return self.buffers.pop()
        return bytearray(self.server.max_header_size)

    def give_buffer(self, buffer):
        if len(self.buffers) < self.server.max_connections and len(buffer) == self.server.max_header_size:
            self.buffers.append(buffer)

    def watch(self, client):
        if self.poller is None:
            return
        try:
            self.poller.register(client.sock, self.POLLIN)
        except (OSError, TypeError, ValueError):
            self.poller = None  # this socket cannot be watched: try every socket instead
            return
        client.key = _poll_key(client.sock)
        client.watching = self.POLLIN
        self.keys[client.key] = client

    def forget(self, client):
        """Called by a connection just before it closes its socket."""
        if self.keys.pop(client.key, None) is not None:
            try:
                self.poller.unregister(client.sock)
            except (OSError, ValueError, KeyError, AttributeError):
                pass

    def serve_forever(self, poll_interval):
        server = self.server
        try:
            while not server.stopped:
                try:
                    result = server.poll()
                except Exception as error:  # pylint: disable=broad-except
                    if server.stopped:
                        break
                    if not server.debug:  # in debug mode poll() has printed it already
                        print_exception(error)
                    continue
                if result == "no_request" and poll_interval is not None and server._engine:
                    server._engine.wait(poll_interval)
        except KeyboardInterrupt:
            server.stop()

    def close(self):
        for client in self.clients:
            client.close()
        self.clients = []
        try:
            self.sock.close()
        except OSError:
            pass

    def poll(self):
        now = ticks_ms()
        # Deadlines are in milliseconds: checking them once per tick is enough.
        tick = now != self.last_tick
        self.last_tick = now
        result = 0
        incoming = True
        if self.poller is not None:
            incoming = False
            for event in self.events(0):
                if event[0] == self.listen_key:
                    incoming = True
                else:
                    client = self.keys.get(event[0])
                    if client is not None:
                        client.ready = event[1]
        if incoming:
            self.crowded = False
            self._accept(now)
        try:
            for client in self.clients:
                try:
                    outcome = self._step(client, now, tick)
                except MemoryError:
                    outcome = self._out_of_memory(client, now)
                if outcome > result:
                    result = outcome
        finally:
            for client in self.clients:
                if client.state == CLOSED:
                    self.clients = [c for c in self.clients if c.state != CLOSED]
                    break
        return result

    def _out_of_memory(self, client, now):
        """No room for this connection's next step (a fragmented board heap): answer it and
        let it go, rather than fail every poll() from now on. Once an answer is under way,
        only closing is left (another one now would corrupt it)."""
        if client.head_sent or client.finishing:
            client.close()
        elif client.state != CLOSED:
            client.reject(503, "Server out of memory")
            client.flush(now)
        return 0

    def _step(self, client, now, tick):
        result = 0
        readable = client.ready or self.poller is None or client.tls and client.sock.pending()
        client.ready = 0
        if client.state == HANDSHAKE:
            client.handshake(now)
        if client.state in (IDLE, HEAD):
            if readable or client.filled > client.scanned:
                if readable and client.quick and client.state == IDLE and not client.filled:
                    head = _plain.read_head(client, now)
                else:
                    head = client.read_head(now, readable)
                if head is not None:
                    result = self._begin(client, head, now)
        elif client.state == BODY:
            if readable or client.filled:
                result = self._read_body(client, now)
        elif client.state in (STREAM, LINGER):
            if readable:
                client.discard_input(now)
        if client.state != CLOSED and (client.pending() or client.finishing):
            client.flush(now)
        if tick and client.check_deadline(now) and not result:
            result = _TIMED_OUT
        return result

    # -- connections -----------------------------------------------------------------------

    def _accept(self, now):
        """Admits waiting clients (one per poll where the listening socket is watched, else
        up to 4) while the table has room, or a connection can give way (see
        ``Connection.eviction_rank``). When every slot is busy with a request,
        newcomers wait in the listen backlog until one frees; only a table full of
        long-lived streams answers 503."""
        server = self.server
        context = server._ssl_context
        # (A watched listening socket is reported again while more clients wait: accepting
        # one per poll spares the accept that fails once the backlog is empty.)
        for attempt in range(4 if self.poller is None else 1):
            full = len(self.clients) >= server.max_connections
            victim = self._victim(now) if full else None
            if full and victim is None:
                for client in self.clients:
                    if client.state not in (STREAM, UPGRADED):
                        # Before the first accept, a readable listening socket means a
                        # newcomer is waiting; after one, nobody may be left.
                        self.crowded = self.poller is not None and attempt == 0
                        return  # a slot frees soon: let the newcomer wait
            try:
                sock, address = self.sock.accept()
            except OSError as error:
                if not would_block(error):
                    self.note_socket_error(error)
                return
            if full:
                if victim is None:
                    _refuse(sock, context)
                    continue
                if victim.state == HEAD:
                    _refuse(victim.sock, None)
                victim.close()
                self.clients.remove(victim)
            tidy_heap()
            try:
                sock.setblocking(False)
                no_delay(sock, server._socket_source)
                handshaking = False
                if context is not None and not CIRCUITPYTHON:
                    sock = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                    handshaking = hasattr(sock, "do_handshake")
                client = Connection(self, sock, peer_address(address), now, handshaking)
            except (OSError, MemoryError):
                _refuse(sock, context)
                continue
            if _plain is not None and not client.tls and hasattr(sock, "recv_into"):
                client.quick = True  # (see _plain.read_head)
            self.clients.append(client)
            self.watch(client)

    def _victim(self, now):
        """The connection that gives way to a newcomer, or None; among equals, the one in
        its state longest."""
        victim = None
        best = None
        for client in self.clients:
            rank = client.eviction_rank(now)
            if rank is None:
                continue
            if best is None or rank < best or rank == best and ticks_diff(client.since, victim.since) < 0:
                victim, best = client, rank
        return victim

    def wait(self, timeout):
        """Waits up to ``timeout`` seconds for socket activity (for ``serve_forever``);
        sleeps where the sockets cannot be watched (CircuitPython)."""
        if self.poller is None:
            import time  # pylint: disable=import-outside-toplevel

            time.sleep(timeout)
            return
        for client in self.clients:
            if client.state in (IDLE, HEAD) and client.filled > client.scanned or client.tls and client.sock.pending():
                return  # bytes already buffered: no waiting
            want = self.POLLIN | (self.POLLOUT if client.pending() else 0)
            if want != client.watching:
                self.poller.modify(client.sock, want)
                client.watching = want
        self.poller.poll(int(timeout * 1000))

    # -- reporting -------------------------------------------------------------------------

    def response_done(self, client, now):
        if self.server.debug and client.response is not None:
            _server_module._debug_response_sent(client.response, ticks_diff(now, client.started) / 1000)

    def rejected(self, client, status):
        if self.server.debug:
            address = client.address[0] if client.address else "?"
            print('%s -- "%d %s"' % (address, status, _http.reason(status, "")))

    def note_socket_error(self, error):
        if self.server.debug:
            print("Socket error:", repr(error))


def _refuse(sock, context):
    """Tells a client there is no room (503), as far as its socket takes it now, and
    closes; a TLS socket that has not shaken hands is just closed."""
    if context is None:
        try:
            send_some(sock, _FULL)
        except OSError:
            pass
    try:
        sock.close()
    except OSError:
        pass


def _poll_key(sock):
    """What ``poll()`` reports for ``sock``: CPython gives file descriptors, MicroPython
    the registered object."""
    return sock.fileno() if CPYTHON else sock


def _implementation_version():
    import sys  # pylint: disable=import-outside-toplevel

    return tuple(sys.implementation.version)
