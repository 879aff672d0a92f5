"""The poll loop behind a started ``Server``: accepting, evicting, routing and dispatching.

Imported by ``Server.start()``, so that merely importing the package stays cheap on boards."""

from . import _http
from . import server as _server_module
from ._compat import (
    CIRCUITPYTHON,
    CPYTHON,
    bind_address,
    peer_address,
    print_exception,
    send_some,
    ticks_diff,
    ticks_ms,
    would_block,
)
from ._connection import (
    BODY,
    CLOSED,
    HANDSHAKE,
    HEAD,
    IDLE,
    LINGER,
    RESPOND,
    STREAM,
    UPGRADED,
    Connection,
)
from .methods import GET, HEAD as HEAD_METHOD, OPTIONS
from .request import _from_parsed
from .response import Response

_FULL = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

# Ranks of what poll() reports (see server._RESULTS).
_TIMED_OUT = 1
_NO_RESPONSE = 2
_SENT = 3


class Engine:
    """Owns the listening socket and the connection table of one started server."""

    def __init__(self, server, host, port):
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
            self._accept(now)
        try:
            for client in self.clients:
                outcome = self._advance(client, now)
                if outcome > result:
                    result = outcome
        finally:
            for client in self.clients:
                if client.state == CLOSED:
                    self.clients = [c for c in self.clients if c.state != CLOSED]
                    break
        return result

    def _advance(self, client, now):
        result = 0
        readable = client.ready or self.poller is None or _tls_pending(client.sock)
        client.ready = 0
        if client.state == HANDSHAKE:
            client.handshake(now)
        if client.state in (IDLE, HEAD):
            if readable or client.filled > client.scanned:
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
        if client.check_deadline(now) and not result:
            result = _TIMED_OUT
        return result

    # -- connections -----------------------------------------------------------------------

    def _accept(self, now):
        """Admits waiting clients while the table has room, or a connection can give way
        (see ``Connection.eviction_rank``). When every slot is busy with a request,
        newcomers wait in the listen backlog until one frees; only a table full of
        long-lived streams answers 503."""
        server = self.server
        context = server._ssl_context
        for _ in range(4):
            full = len(self.clients) >= server.max_connections
            victim = self._victim(now) if full else None
            if full and victim is None:
                for client in self.clients:
                    if client.state not in (STREAM, UPGRADED):
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
            try:
                sock.setblocking(False)
                handshaking = False
                if context is not None and not CIRCUITPYTHON:
                    sock = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                    handshaking = hasattr(sock, "do_handshake")
                client = Connection(self, sock, peer_address(address), now, handshaking)
            except (OSError, MemoryError):
                _refuse(sock, context)
                continue
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
            if client.state in (IDLE, HEAD) and client.filled > client.scanned or _tls_pending(client.sock):
                return  # bytes already buffered: no waiting
            want = self.POLLOUT if client.pending() else 0
            if client.state != UPGRADED:  # a websocket's owner reads it, not the server
                want |= self.POLLIN
            if want != client.watching:
                self.poller.modify(client.sock, want)
                client.watching = want
        self.poller.poll(int(timeout * 1000))

    # -- requests --------------------------------------------------------------------------

    def _begin(self, client, head, now):
        """A request head has arrived: route it, then read its body or answer at once."""
        server = self.server
        method, target, version, header_list, head_size = head
        try:
            request = _from_parsed(server, client, method, target, version, header_list, head_size)
            framing, length = _http.body_framing(request.headers)
        except _http.HTTPError as error:
            client.reject(error.status, error.message)
            return 0
        client.request = request
        client.started = now
        client.keep_alive = _http.wants_keep_alive(version, request.headers)
        client.head_only = method == HEAD_METHOD  # whatever answers, no body goes out
        client.handler, client.params, route = self._resolve(request, client)
        if framing == _http.NO_BODY:
            return self._dispatch(client, now)
        if client.handler is None:
            # Answered without reading the body, so the connection cannot be reused.
            client.keep_alive = False
            client.linger = True
            return self._dispatch(client, now)
        expect = request.headers.get("Expect")
        if expect is not None and expect.lower() != "100-continue":
            client.reject(417, "Only 100-continue is supported")
            return 0
        streamed = route is not None and (route.body_to is not None or route.files_to is not None)
        limit = route.max_body_size if route is not None else None
        if limit is None and not streamed:
            limit = server.max_body_size
        if framing == _http.LENGTH and limit is not None and length > limit:
            client.reject(413, "Request body larger than %d bytes" % limit)
            return 0
        sink = None
        if streamed:
            try:
                sink = self._open_sink(request, route)
            except _http.HTTPError as error:
                client.reject(error.status, error.message)
                return 0
            except Exception as error:  # pylint: disable=broad-except
                answer = self._translate(request, error)
                if answer is None:
                    self._fail(client, error, now)
                    raise
                sink = answer
            if isinstance(sink, Response):  # the route refused the body unread
                client.handler, client.params = None, sink
                client.keep_alive = False
                client.linger = True
                return self._dispatch(client, now)
        if expect is not None:
            client.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        client.start_body(length if framing == _http.LENGTH else None, limit, sink, now)
        if client.state != BODY:
            return 0  # refused (no memory for the body)
        return self._read_body(client, now)

    def _read_body(self, client, now):
        try:
            complete = client.read_body(now)
        except Exception as error:  # pylint: disable=broad-except
            self._fail(client, error, now)  # the route's writer failed
            raise
        return self._dispatch(client, now) if complete else 0

    def _open_sink(self, request, route):
        from ._body import open_sink  # pylint: disable=import-outside-toplevel

        return open_sink(request, route, self.server.max_body_size)

    def _resolve(self, request, client):
        """What answers ``request``: ``(handler, params, route)``; a None handler means an
        early answer (401, 404, 405, OPTIONS), which is then in ``params``."""
        server = self.server
        if server._auths:
            from .authentication import check_authentication  # pylint: disable=import-outside-toplevel

            if not check_authentication(request, server._auths):
                return None, self._unauthorized(request, server._auths), None
        method = request.method
        allowed = []
        fallback = None
        for route in server._routes:
            params = route.match_path(request.path)
            if params is None:
                continue
            if method in route.methods:
                return route.handler, params, route
            if fallback is None and method == HEAD_METHOD and GET in route.methods:
                fallback = (route.handler, params, route)
            for name in route.methods:
                if name not in allowed:
                    allowed.append(name)
        if fallback is not None:
            return fallback
        if not allowed:
            if server.root_path is None:
                if method == OPTIONS and request.path == "*":
                    return None, _options(request, self._all_methods()), None
                return None, self._not_found(request, None), None
            if method in (GET, HEAD_METHOD):
                return _serve_file, {}, None
            allowed = [GET]
        if GET in allowed and HEAD_METHOD not in allowed:
            allowed.append(HEAD_METHOD)
        if OPTIONS not in allowed:
            allowed.append(OPTIONS)
        if method == OPTIONS:
            return None, _options(request, allowed), None
        answer = Response(
            request,
            "Method Not Allowed",
            status=(405, "Method Not Allowed"),
            headers={"Allow": ", ".join(sorted(allowed))},
        )
        return None, answer, None

    def _all_methods(self):
        names = [OPTIONS]
        for route in self.server._routes:
            for name in route.methods:
                if name not in names:
                    names.append(name)
        if GET in names and HEAD_METHOD not in names:
            names.append(HEAD_METHOD)
        return names

    def _unauthorized(self, request, auths):
        from .authentication import challenge  # pylint: disable=import-outside-toplevel

        return Response(request, status=(401, "Unauthorized"), headers={"WWW-Authenticate": challenge(auths)})

    def _not_found(self, request, error):
        if not self.server.debug:
            body = "File not found"
        elif error is None:
            body = "No route for %s and file serving is disabled" % request.path
        else:
            body = "File not found: %s" % request.path
        return Response(request, body, status=(404, "Not Found"))

    def _translate(self, request, error):
        """The answer for exceptions that mean a client error, else None."""
        from . import exceptions  # pylint: disable=import-outside-toplevel

        if isinstance(error, exceptions.AuthenticationError):
            return self._unauthorized(request, getattr(error, "auths", None) or self.server._auths)
        if isinstance(error, exceptions.InvalidPathError):
            body = str(error) if self.server.debug else "Invalid path"
            return Response(request, body, status=(403, "Forbidden"))
        if isinstance(error, (exceptions.FileNotExistsError, exceptions.ServingFilesDisabledError)):
            return self._not_found(request, error)
        if request._client_error:
            return Response(request, "Bad Request", status=(400, "Bad Request"))
        return None

    def _dispatch(self, client, now):
        """Calls the handler and starts writing its response."""
        server = self.server
        request = client.request
        handler, params = client.handler, client.params
        client.handler = client.params = None
        client.state = RESPOND
        self.dispatching = True
        try:
            if client.sink is not None:
                sink, client.sink = client.sink, None
                sink.close(request)
            elif client.body is not None:
                request._body = client.take_body()
            if handler is None:
                response = params
            else:
                try:
                    response = handler(request, **params)
                except Exception as error:  # pylint: disable=broad-except
                    response = self._translate(request, error)
                    if response is None:
                        raise
            if response is None:
                client.keep_alive = False
                client.finishing = True
                self.dispatching = False
                client.flush(now)
                return _NO_RESPONSE
            for name, value in server._headers.original_items():
                response._headers.setdefault(name, value)
            client.response = response
            response._send()
        except _http.HTTPError as error:  # e.g. a malformed multipart body
            self.dispatching = False
            client.reject(error.status, error.message)
            client.flush(now)
            return 0
        except Exception as error:  # pylint: disable=broad-except
            self._fail(client, error, now)
            raise
        finally:
            self.dispatching = False
        if client.state == RESPOND and not client.finishing:
            # Headers sent and the response stays open (SSE, MJPEG): the server keeps
            # flushing what its owner writes.
            client.state = STREAM
            client.keep_alive = False
            self.response_done(client, now)
        if client.state != CLOSED:
            client.flush(now)
        return _SENT

    def _fail(self, client, error, now):
        """A handler, response or route writer raised: answer 500 if nothing has been
        sent yet, else close; poll() then re-raises the error."""
        self.dispatching = False
        if self.server.debug:
            _server_module._debug_exception_in_handler(error)
        if client.state == CLOSED:
            return
        if client.head_sent:
            client.close()
        else:
            client.reject(500, "Internal Server Error")
            client.flush(now)

    # -- reporting -------------------------------------------------------------------------

    def response_done(self, client, now):
        if self.server.debug and client.response is not None:
            _server_module._debug_response_sent(client.response, ticks_diff(now, client.started) / 1000)

    def rejected(self, client, status):
        if self.server.debug:
            address = client.address[0] if client.address else "?"
            print('%s -- "%d %s"' % (address, status, _http.REASONS.get(status, "")))

    def note_socket_error(self, error):
        if self.server.debug:
            print("Socket error:", repr(error))


def _options(request, allowed):
    return Response(request, status=(204, "No Content"), headers={"Allow": ", ".join(sorted(allowed))})


def _serve_file(request):
    """Static files under ``root_path``: ``index.html`` for ``/dir/``, 301 for ``/dir``
    (see ``_files.serve_path``)."""
    from ._files import serve_path  # pylint: disable=import-outside-toplevel

    return serve_path(request)


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


def _tls_pending(sock):
    pending = getattr(sock, "pending", None)
    return pending() if pending is not None else 0


def _implementation_version():
    import sys  # pylint: disable=import-outside-toplevel

    return tuple(sys.implementation.version)


def create_ssl_context(certfile, keyfile):
    """The TLS server context for ``Server(https=True)``, per runtime."""
    try:
        import ssl  # pylint: disable=import-outside-toplevel
    except ImportError:
        ssl = None
    if ssl is None or not hasattr(ssl, "SSLContext"):
        raise NotImplementedError("SSL not available on this platform")
    if certfile is None or keyfile is None:
        raise ValueError("Both certfile and keyfile must be specified for HTTPS")
    if CIRCUITPYTHON:
        context = ssl.create_default_context()
        context.load_verify_locations(cadata="")
    elif hasattr(ssl, "create_default_context"):
        context = ssl.create_default_context(purpose=ssl.Purpose.CLIENT_AUTH)
        context.verify_mode = ssl.CERT_NONE
        context.check_hostname = False
    else:  # MicroPython
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    return context
