"""`Server`: configuration, routes, ``start``/``poll``/``serve_forever``/``stop``, and the
debug output hooks. The poll loop itself (``_engine.py``) is loaded by ``start()``.

``poll()`` never blocks: every socket is non-blocking, each connection advances as far as
its socket allows and has its own deadlines, and responses are written across polls."""

import sys

from .headers import Headers
from .methods import GET

# mbedTLS "fatal alert" (a client rejected our certificate); treated like a dropped client.
MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE = -30592

NO_REQUEST = "no_request"
CONNECTION_TIMED_OUT = "connection_timed_out"
REQUEST_HANDLED_NO_RESPONSE = "request_handled_no_response"
REQUEST_HANDLED_RESPONSE_SENT = "request_handled_response_sent"
# poll() reports the most significant thing that happened, in this order.
_RESULTS = (NO_REQUEST, CONNECTION_TIMED_OUT, REQUEST_HANDLED_NO_RESPONSE, REQUEST_HANDLED_RESPONSE_SENT)
# Receive buffers made by start(): one request being read while another is answered.
_BUFFERS_AT_START = 2


def __getattr__(name):
    # Loaded on first use, to keep importing this module cheap on boards: SSL_AVAILABLE
    # (importing ssl costs RAM) and the _debug_* output functions. Assigning your own
    # function to server._debug_response_sent (etc.) customises the output, as in 4.8.2.
    if name == "SSL_AVAILABLE":
        try:
            import ssl  # pylint: disable=import-outside-toplevel
        except ImportError:
            return False
        return hasattr(ssl, "SSLContext")
    if name.startswith("_debug_"):
        from . import _debug  # pylint: disable=import-outside-toplevel

        value = getattr(_debug, name)
        globals()[name] = value
        return value
    raise AttributeError(name)


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
        self._engine = None
        self._routes = []
        self._auths = []
        self._headers = Headers()
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
            from ._tls import create_ssl_context  # pylint: disable=import-outside-toplevel

            self._ssl_context = create_ssl_context(certfile, keyfile)
        if debug and root_path in ("", "/"):
            sys.modules[__name__]._debug_warning_exposed_files(root_path)

    # -- configuration ---------------------------------------------------------------------

    def route(self, path, methods=GET, *, append_slash=False, **body_options):
        """Decorator registering a handler for ``path`` and ``methods``; returns the
        function unchanged, so decorators can be stacked.

        By default a request body is received whole into ``request.body`` (at most
        ``max_body_size`` bytes, else 413) before the handler is called. Body options:

        * ``max_body_size``: this route's limit (None: the server's for bodies held in
          memory, no limit for streamed ones);
        * ``body_to``: stream the body instead of holding it: a file path (the partial file
          is removed if the upload does not complete), or ``factory(request)`` returning an
          object with ``write(bytes)`` (and optionally ``close()``), called when the head
          has arrived; it may return a ``Response`` to refuse the body unread;
        * ``files_to``: for ``multipart/form-data``, where file parts are streamed: a
          directory, or ``factory(request, part)`` returning a writer (None skips the part).
          Text fields land in ``request.form_data`` as usual and each file in
          ``form_data.files`` with ``path`` and ``size``.

        The handler is called once the whole body has been received."""
        from .route import Route  # pylint: disable=import-outside-toplevel

        def register(handler):
            self._routes.append(Route(path, methods, handler, append_slash=append_slash, **body_options))
            return handler

        return register

    def add_routes(self, routes):
        from .route import Route  # pylint: disable=import-outside-toplevel

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
        # The first receive buffers are allocated before the engine's code is loaded, while
        # the heap is still in one piece. More are made when more clients send requests at
        # once; connections that close or turn into streams and websockets hand theirs back
        # for reuse, so a server holding many of those still needs only a few.
        count = min(self.max_connections, _BUFFERS_AT_START)
        buffers = [bytearray(self.max_header_size) for _ in range(count)]
        from ._engine import Engine  # pylint: disable=import-outside-toplevel

        self._engine = engine = Engine(self, host, port, buffers)
        self.host, self.port, self.stopped = host, port, False
        if not port:
            self.port = engine.port
        if self.debug:
            sys.modules[__name__]._debug_started_server(self)

    def stop(self):
        """Closes every connection (streams and websockets included) and the listening
        socket. Safe to call when not started."""
        engine, self._engine = self._engine, None
        was_running = not self.stopped
        self.host, self.port, self.stopped = None, None, True
        if engine is not None:
            engine.close()
        if was_running and self.debug:
            sys.modules[__name__]._debug_stopped_server(self)

    def serve_forever(self, host="0.0.0.0", port=5000, *, poll_interval=0.1):
        """Starts (unless already started) and serves until ``stop()`` or Ctrl-C.
        Exceptions from handlers are printed and serving goes on. When idle it waits for
        socket activity (``select`` where the runtime has it) for at most
        ``poll_interval`` seconds."""
        if self.stopped:
            self.start(host, port)
        self._engine.serve_forever(poll_interval)

    # -- the poll loop ---------------------------------------------------------------------

    def poll(self):
        """Accepts new clients and advances every connection as far as its socket allows.
        Never blocks. Returns one of the four result constants; re-raises a handler's
        exception after answering its client with 500."""
        if self.stopped:
            from .exceptions import ServerStoppedError  # pylint: disable=import-outside-toplevel

            raise ServerStoppedError
        return _RESULTS[self._engine.poll()]

    def __repr__(self):
        return "<Server host=%r, port=%r, root_path=%r>" % (self.host, self.port, self.root_path)
