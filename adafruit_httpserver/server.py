"""`Server`: the listening socket, the connection table, ``poll()`` and request dispatch.

``poll()`` never blocks: every socket is non-blocking, each connection advances as far as
its socket allows and has its own deadlines, and responses are written across polls."""

from . import _http
from ._compat import (
    CIRCUITPYTHON,
    MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE,  # noqa: F401  (part of this module's API)
    bind_address,
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
    Connection,
)
from .authentication import challenge, check_authentication
from .exceptions import (
    AuthenticationError,
    FileNotExistsError,
    InvalidPathError,
    ServerStoppedError,
    ServingFilesDisabledError,
)
from .headers import Headers
from .methods import GET, HEAD as HEAD_METHOD, OPTIONS
from .request import _from_parsed
from .response import Response
from .route import Route

try:
    import ssl as _ssl

    SSL_AVAILABLE = hasattr(_ssl, "SSLContext")
except ImportError:
    _ssl = None
    SSL_AVAILABLE = False

NO_REQUEST = "no_request"
CONNECTION_TIMED_OUT = "connection_timed_out"
REQUEST_HANDLED_NO_RESPONSE = "request_handled_no_response"
REQUEST_HANDLED_RESPONSE_SENT = "request_handled_response_sent"
# poll() reports the most significant thing that happened, in this order.
_RESULTS = (NO_REQUEST, CONNECTION_TIMED_OUT, REQUEST_HANDLED_NO_RESPONSE, REQUEST_HANDLED_RESPONSE_SENT)

_FULL = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def _positive(name, value, integer=False):
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or integer
        and not isinstance(value, int)
        or value <= 0
    ):
        raise ValueError("Server.%s must be a positive %s." % (name, "integer" if integer else "number"))
    return value


class Server:  # pylint: disable=too-many-instance-attributes
    """An HTTP/1.1 server for any socket source: a CircuitPython ``socketpool.SocketPool``,
    or the ``socket`` module on MicroPython and CPython.

    Limits (keyword-only, also settable as attributes):
    ``max_connections`` (4) clients at once; ``max_request_line_size`` (2048 bytes, else
    414); ``max_header_size`` (4096 bytes for the whole head, else 431; also each
    connection's receive buffer); ``max_body_size`` (16384 bytes for a body held in memory,
    else 413); ``header_timeout`` (10 s to receive a head, else 408); ``socket_timeout``
    (1 s without progress while receiving a request, else 408); ``keep_alive_timeout``
    (5 s an idle connection is kept); ``send_timeout`` (10 s without the client taking any
    of the response before it is dropped)."""

    def __init__(  # pylint: disable=too-many-arguments
        self,
        socket_source,
        root_path=None,
        *,
        https=False,
        certfile=None,
        keyfile=None,
        debug=False,
        max_connections=4,
        max_request_line_size=2048,
        max_header_size=4096,
        max_body_size=16384,
        header_timeout=10,
        socket_timeout=1,
        keep_alive_timeout=5,
        send_timeout=10,
        request_buffer_size=1024,
    ):
        self._socket_source = socket_source
        self.root_path = root_path
        self.https = https
        self.debug = debug
        self.host = None
        self.port = None
        self.stopped = True
        self._sock = None
        self._routes = []
        self._auths = []
        self._headers = Headers()
        self._clients = []
        self._dispatching = False
        self._ssl_context = None
        self.max_connections = _positive("max_connections", max_connections, True)
        self.max_request_line_size = _positive("max_request_line_size", max_request_line_size, True)
        self.max_header_size = _positive("max_header_size", max_header_size, True)
        self.max_body_size = _positive("max_body_size", max_body_size, True)
        self.header_timeout = _positive("header_timeout", header_timeout)
        self.keep_alive_timeout = _positive("keep_alive_timeout", keep_alive_timeout)
        self.send_timeout = _positive("send_timeout", send_timeout)
        self.socket_timeout = socket_timeout
        self.request_buffer_size = request_buffer_size
        if https:
            self._ssl_context = _create_ssl_context(certfile, keyfile)
        if debug and root_path in ("", "/"):
            _debug_warning_exposed_files(root_path)

    # -- configuration ---------------------------------------------------------------------

    def route(self, path, methods=GET, *, append_slash=False):
        """Decorator registering a handler for ``path`` and ``methods``; returns the
        function unchanged so decorators can be stacked."""

        def register(handler):
            self._routes.append(Route(path, methods, handler, append_slash=append_slash))
            return handler

        return register

    def add_routes(self, routes):
        for route in routes:
            if not isinstance(route, Route):
                raise ValueError("add_routes() takes Route objects, got %r" % (route,))
        self._routes.extend(routes)

    def require_authentication(self, auths):
        """Every request (routes and files) must match one of ``auths``, else 401."""
        self._auths = list(auths)

    @property
    def headers(self):
        """Headers added to every response that does not set them itself."""
        return self._headers

    @headers.setter
    def headers(self, value):
        self._headers = value.copy() if isinstance(value, Headers) else Headers(value)

    @property
    def request_buffer_size(self):
        """How many bytes one read from a client socket may take."""
        return self._recv_chunk

    @request_buffer_size.setter
    def request_buffer_size(self, value):
        self._recv_chunk = _positive("request_buffer_size", value, True)
        self._recv_budget = max(4 * self._recv_chunk, 16384)
        self._send_budget = max(4 * self._recv_chunk, 65536)

    @property
    def socket_timeout(self):
        """Seconds a client may go without sending anything while a request is incomplete."""
        return self._socket_timeout

    @socket_timeout.setter
    def socket_timeout(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError("Server.socket_timeout must be a positive numeric value.")
        self._socket_timeout = value

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, host="0.0.0.0", port=5000):
        """Binds and listens (non-blocking). Raises ``RuntimeError`` when already running or
        when the address cannot be resolved; ``OSError`` when it cannot be bound."""
        if host is None or port is None:
            raise RuntimeError("Host and port cannot be None")
        if not self.stopped:
            raise RuntimeError("Server is already running on %s:%s" % (self.host, self.port))
        pool = self._socket_source
        try:
            family, address = bind_address(pool, host, port)
        except OSError as error:
            raise RuntimeError(f"Cannot start server on {host}:{port}") from error
        if family != getattr(pool, "AF_INET6", None):
            family = pool.AF_INET
        sock = pool.socket(family, pool.SOCK_STREAM)
        try:
            if not CIRCUITPYTHON or _circuitpython_version() >= (9,):
                sock.setsockopt(pool.SOL_SOCKET, pool.SO_REUSEADDR, 1)
            if self._ssl_context is not None and CIRCUITPYTHON:
                sock = self._ssl_context.wrap_socket(sock, server_side=True)
            sock.bind(address)
            sock.listen(max(2, 2 * self.max_connections))
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self.host, self.port, self.stopped = host, port, False
        if not port and hasattr(sock, "getsockname"):
            self.port = sock.getsockname()[1]
        if self.debug:
            _debug_started_server(self)

    def stop(self):
        """Closes every connection (streams and websockets included) and the listening
        socket. Safe to call when not started."""
        for client in self._clients:
            client.close()
        self._clients = []
        sock, self._sock = self._sock, None
        was_running = not self.stopped
        self.host, self.port, self.stopped = None, None, True
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        if was_running and self.debug:
            _debug_stopped_server(self)

    def serve_forever(self, host="0.0.0.0", port=5000, *, poll_interval=0.1):
        """Starts (unless already started) and serves until ``stop()`` or Ctrl-C.
        Exceptions from handlers are printed and serving goes on. When idle it waits for
        socket activity (``select`` where the runtime has it) for at most
        ``poll_interval`` seconds."""
        if self.stopped:
            self.start(host, port)
        try:
            while not self.stopped:
                try:
                    result = self.poll()
                except ServerStoppedError:
                    break
                except Exception as error:  # pylint: disable=broad-except
                    if not self.debug:  # in debug mode poll() has printed it already
                        print_exception(error)
                    continue
                if result == NO_REQUEST and poll_interval is not None:
                    self._wait(poll_interval)
        except KeyboardInterrupt:
            self.stop()

    # -- the poll loop ---------------------------------------------------------------------

    def poll(self):
        """Accepts new clients and advances every connection as far as its socket allows.
        Never blocks. Returns one of the four result constants; re-raises a handler's
        exception after answering its client with 500."""
        if self.stopped:
            raise ServerStoppedError
        now = ticks_ms()
        self._now_ms = now
        result = 0
        self._accept(now)
        try:
            for client in self._clients:
                outcome = self._advance(client, now)
                if outcome > result:
                    result = outcome
        finally:
            if any(c.state == CLOSED for c in self._clients):
                self._clients = [c for c in self._clients if c.state != CLOSED]
        return _RESULTS[result]

    def _now(self):
        return ticks_ms()

    def _advance(self, client, now):
        result = 0
        if client.state == HANDSHAKE:
            client.handshake(now)
        if client.state in (IDLE, HEAD):
            head = client.read_head(now)
            if head is not None:
                result = self._begin(client, head, now)
        elif client.state == BODY:
            if client.read_body(now):
                result = self._dispatch(client, now)
        elif client.state in (STREAM, LINGER):
            client.discard_input(now)
        if client.state != CLOSED and (client.pending() or client.finishing):
            client.flush(now)
        if client.check_deadline(now) and not result:
            result = 1
        return result

    def _accept(self, now):
        for _ in range(4):
            try:
                sock, address = self._sock.accept()
            except OSError as error:
                if would_block(error):
                    return
                self._note_socket_error(error)
                return
            try:
                sock.setblocking(False)
                handshaking = False
                if self._ssl_context is not None and not CIRCUITPYTHON:
                    sock = self._ssl_context.wrap_socket(
                        sock, server_side=True, do_handshake_on_connect=False
                    )
                    handshaking = hasattr(sock, "do_handshake")
            except OSError:
                sock.close()
                continue
            if len(self._clients) >= self.max_connections and not self._evict():
                if not handshaking and self._ssl_context is None:
                    try:
                        send_some(sock, _FULL)
                    except OSError:
                        pass
                sock.close()
                continue
            self._clients.append(Connection(self, sock, address, now, handshaking))

    def _evict(self):
        """Closes the least useful connection (idle keep-alive first, then the one that has
        been sending its request head the longest). False when none can go."""
        victim = None
        best = None
        for client in self._clients:
            rank = client.eviction_rank()
            if rank is None or client.state == CLOSED:
                continue
            key = (rank, client.since)
            if best is None or key[0] < best[0] or key[0] == best[0] and ticks_diff(key[1], best[1]) < 0:
                victim, best = client, key
        if victim is None:
            return False
        if victim.state == HEAD:
            try:
                send_some(victim.sock, _FULL)
            except OSError:
                pass
        victim.close()
        self._clients.remove(victim)
        return True

    def _wait(self, timeout):
        """Waits up to ``timeout`` seconds for socket activity; sleeps where ``select``
        cannot watch these sockets."""
        try:
            import select  # pylint: disable=import-outside-toplevel

            poller = select.poll()
            poller.register(self._sock, select.POLLIN)
            for client in self._clients:
                if client.filled > client.scanned or getattr(client.sock, "pending", _zero)():
                    return  # data already buffered: no waiting
                mask = select.POLLIN
                if client.pending():
                    mask |= select.POLLOUT
                if client.state != RESPOND or client.pending():
                    poller.register(client.sock, mask)
            poller.poll(int(timeout * 1000))
        except (ImportError, AttributeError, OSError, TypeError, ValueError):
            import time  # pylint: disable=import-outside-toplevel

            time.sleep(timeout)

    # -- dispatch --------------------------------------------------------------------------

    def _begin(self, client, head, now):
        """A request head has arrived: route it, then read its body or answer at once."""
        method, target, version, header_list, head_size = head
        try:
            request = _from_parsed(self, client, method, target, version, header_list, head_size)
            framing, length = _http.body_framing(request.headers)
        except _http.HTTPError as error:
            client.reject(error.status, error.message)
            return 0
        client.request = request
        client.started = now
        client.keep_alive = _http.wants_keep_alive(version, request.headers)
        client.head_only = False
        handler, params = self._resolve(request, client)
        client.handler, client.params = handler, params
        if framing == _http.NO_BODY:
            return self._dispatch(client, now)
        if handler is None:
            # Answered without reading the body: the connection cannot be reused.
            client.keep_alive = False
            client.linger = True
            return self._dispatch(client, now)
        expect = request.headers.get("Expect")
        if expect is not None and expect.lower() != "100-continue":
            client.reject(417, "Only 100-continue is supported")
            return 0
        if framing == _http.LENGTH and length > self.max_body_size:
            client.reject(413, "Request body larger than %d bytes" % self.max_body_size)
            return 0
        if expect is not None:
            client.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if framing == _http.CHUNKED:
            client.reject(501, "Chunked request bodies are not supported yet")
            return 0
        client.start_body(length, now)
        if client.read_body(now):
            return self._dispatch(client, now)
        return 0

    def _resolve(self, request, client):
        """Finds what answers ``request``: ``(handler, params)``; handler None means an
        early answer (401, 404, 405, OPTIONS) that is kept in ``params``."""
        if self._auths and not check_authentication(request, self._auths):
            return None, self._unauthorized(request, self._auths)
        method = request.method
        allowed = []
        fallback = None
        for route in self._routes:
            params = route.match_path(request.path)
            if params is None:
                continue
            if method in route.methods:
                return route.handler, params
            if fallback is None and method == HEAD_METHOD and GET in route.methods:
                fallback = (route.handler, params)
            for name in route.methods:
                if name not in allowed:
                    allowed.append(name)
        if fallback is not None:
            client.head_only = True
            return fallback
        if not allowed:
            if self.root_path is None:
                if method == OPTIONS and request.path == "*":
                    return None, self._options(request, self._all_methods())
                return None, self._not_found(request, ServingFilesDisabledError())
            if method in (GET, HEAD_METHOD):
                client.head_only = method == HEAD_METHOD
                return self._serve_file, {}
            allowed = [GET]
        if GET in allowed and HEAD_METHOD not in allowed:
            allowed.append(HEAD_METHOD)
        if OPTIONS not in allowed:
            allowed.append(OPTIONS)
        if method == OPTIONS:
            return None, self._options(request, allowed)
        return None, Response(
            request,
            "Method Not Allowed",
            status=(405, "Method Not Allowed"),
            headers={"Allow": ", ".join(sorted(allowed))},
        )

    def _all_methods(self):
        names = [OPTIONS]
        for route in self._routes:
            for name in route.methods:
                if name not in names:
                    names.append(name)
        return names

    def _options(self, request, allowed):
        return Response(request, status=(204, "No Content"), headers={"Allow": ", ".join(sorted(allowed))})

    def _serve_file(self, request):
        from .response import FileResponse  # pylint: disable=import-outside-toplevel

        return FileResponse(request, filename=request.path, head_only=request.method == HEAD_METHOD)

    def _unauthorized(self, request, auths):
        return Response(
            request,
            status=(401, "Unauthorized"),
            headers={"WWW-Authenticate": challenge(auths)},
        )

    def _not_found(self, request, error):
        if self.debug:
            body = "No route for %s and file serving is disabled" % request.path
            if isinstance(error, FileNotExistsError):
                body = "File not found: %s" % request.path
        else:
            body = "File not found"
        return Response(request, body, status=(404, "Not Found"))

    def _translate(self, request, error):
        """The response 4.8.2 gives for the exceptions it understands, else None."""
        if isinstance(error, AuthenticationError):
            return self._unauthorized(request, getattr(error, "auths", None) or self._auths)
        if isinstance(error, InvalidPathError):
            return Response(request, str(error) if self.debug else "Invalid path", status=(403, "Forbidden"))
        if isinstance(error, (FileNotExistsError, ServingFilesDisabledError)):
            return self._not_found(request, error)
        if getattr(request, "_client_error", False):
            return Response(request, "Bad Request", status=(400, "Bad Request"))
        return None

    def _dispatch(self, client, now):
        """Calls the handler and starts writing its response."""
        request = client.request
        handler, params = client.handler, client.params
        client.handler = client.params = None
        if client.body is not None:
            request._body = client.take_body()
        client.state = RESPOND
        self._dispatching = True
        try:
            if handler is None:
                response = params
            else:
                try:
                    response = handler(request, **params)
                except Exception as error:  # pylint: disable=broad-except
                    response = self._translate(request, error)
                    if response is None:
                        raise
                    if self.debug and getattr(request, "_client_error", False):
                        _debug_exception_in_handler(error)
            if response is None:
                client.keep_alive = False
                client.finishing = True
                client.flush(now)
                return 2
            for name, value in self._headers.items():
                response._headers.setdefault(name, value)
            client.response = response
            response._send()
        except Exception as error:  # pylint: disable=broad-except
            self._dispatching = False
            if self.debug:
                _debug_exception_in_handler(error)
            if client.state != CLOSED:
                if client.head_sent:
                    client.close()
                else:
                    client.reject(500, "Internal Server Error")
                    client.flush(now)
            raise
        finally:
            self._dispatching = False
        if client.state == RESPOND and not client.finishing:
            client.state = STREAM  # headers sent, the response stays open (SSE, MJPEG)
            client.keep_alive = False
            if self.debug:
                _debug_response_sent(response, ticks_diff(now, client.started) / 1000)
        if client.state != CLOSED:
            client.flush(now)
        return 3

    def _response_done(self, client, now):
        if self.debug and client.response is not None:
            _debug_response_sent(client.response, ticks_diff(now, client.started) / 1000)

    def _rejected(self, client, status):
        if self.debug:
            print('%s -- "%d %s"' % (client.address[0] if client.address else "?", status, _http.REASONS.get(status, "")))

    def _note_socket_error(self, error):
        if self.debug:
            print("Socket error:", repr(error))

    def __repr__(self):
        return "<Server host=%r, port=%r, root_path=%r>" % (self.host, self.port, self.root_path)


def _zero():
    return 0


def _circuitpython_version():
    import sys  # pylint: disable=import-outside-toplevel

    return tuple(sys.implementation.version)


def _create_ssl_context(certfile, keyfile):
    if not SSL_AVAILABLE:
        raise NotImplementedError("SSL not available on this platform")
    if certfile is None or keyfile is None:
        raise ValueError("Both certfile and keyfile must be specified for HTTPS")
    if CIRCUITPYTHON:
        context = _ssl.create_default_context()
        context.load_verify_locations(cadata="")
    elif hasattr(_ssl, "create_default_context"):
        context = _ssl.create_default_context(purpose=_ssl.Purpose.CLIENT_AUTH)
        context.verify_mode = _ssl.CERT_NONE
        context.check_hostname = False
    else:  # MicroPython
        context = _ssl.SSLContext(_ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    return context


# Debug output. Module-level functions, called through the module globals, so that users can
# replace them to customise logging (as with 4.8.2).


def _debug_warning_exposed_files(root_path):
    print(
        "WARNING: Setting root_path to '%s' will expose all files on your device through the "
        "webserver, including settings.toml with your Wi-Fi password. Consider a subdirectory "
        "such as '/static'." % root_path
    )


def _debug_started_server(server):
    scheme = "https" if server.https else "http"
    print("Started development server on %s://%s:%s" % (scheme, server.host, server.port))


def _debug_response_sent(response, elapsed_seconds):
    request = response._request
    client_ip = request.client_address[0] if request.client_address else "?"
    query = str(request.query_params)
    target = request.path + ("?" + query if query else "")
    request_size = request._head_size + len(request._body or b"")
    status = response._status
    print(
        '%s -- "%s %s" %d -- "%d %s" %d -- %dms'
        % (
            client_ip,
            request.method,
            target,
            request_size,
            status.code,
            status.text,
            response._size,
            round(elapsed_seconds * 1000),
        )
    )


def _debug_stopped_server(server):  # pylint: disable=unused-argument
    print("Stopped development server")


def _debug_exception_in_handler(error):
    print_exception(error)
