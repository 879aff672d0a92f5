"""Test your routes without a network: an in-memory socket pool with CircuitPython semantics,
and a small ``TestClient``.

    from adafruit_httpserver import Server, Request, Response
    from adafruit_httpserver.testing import SocketPool, TestClient

    server = Server(SocketPool())

    @server.route("/")
    def index(request: Request):
        return Response(request, "hello")

    client = TestClient(server)
    assert client.get("/").text == "hello"

The sockets behave like CircuitPython's ``socketpool`` sockets: they only have
``recv_into`` (no ``recv``, ``makefile`` or ``fileno``), a non-blocking socket with nothing to
read raises ``OSError(EAGAIN)``, a timed-out one ``OSError(ETIMEDOUT)``, and a closed peer
reads as 0 bytes. ``send_window`` emulates a client that stops reading."""

from ._compat import EAGAIN, ETIMEDOUT
from .headers import Headers

_ECONNREFUSED = 111
_EPIPE = 32


class Socket:
    """One end of an in-memory TCP connection, or a listening socket."""

    def __init__(self, pool, family=2, type_=1):
        self._pool = pool
        self.family = family
        self.type = type_
        # What the peer sent and this end has not read: the pieces as sent (one growing
        # buffer would be copied again at every send, fragmenting a small heap), the bytes
        # of the first piece already read, and the count still unread.
        self._incoming = []
        self._taken = 0
        self._unread = 0
        self._peer = None
        self._closed = False
        self._peer_closed = False
        self._timeout = None
        self._address = None
        self._backlog = None
        self.send_window = None
        """When set, ``send`` accepts only as much as keeps the peer's unread input under
        this many bytes (a full TCP window), then raises ``EAGAIN``."""
        self.max_send = None
        """When set, each ``send`` call takes at most this many bytes."""

    # socketpool.Socket API ---------------------------------------------------------------

    def settimeout(self, value):
        self._timeout = value

    def setblocking(self, flag):
        self._timeout = None if flag else 0

    def setsockopt(self, level, option, value):
        pass

    def bind(self, address):
        self._address = tuple(address)

    def listen(self, backlog):
        self._backlog = []
        self._pool._listeners[self._address] = self

    def accept(self):
        self._check_open()
        if not self._backlog:
            raise OSError(EAGAIN if self._timeout == 0 else ETIMEDOUT)
        sock, address = self._backlog.pop(0)
        return sock, address

    def connect(self, address):
        address = tuple(address)
        listener = self._pool._listeners.get(address) or self._pool._listeners.get(("0.0.0.0", address[1]))
        if listener is None or listener._closed:
            raise OSError(_ECONNREFUSED)
        server_side = Socket(self._pool, self.family, self.type)
        server_side._peer, self._peer = self, server_side
        self._pool._next_port += 1
        listener._backlog.append((server_side, ("127.0.0.1", self._pool._next_port)))

    def send(self, data):
        self._check_open()
        peer = self._peer
        if peer is None or peer._closed:
            raise OSError(_EPIPE)
        data = memoryview(data)
        count = len(data)
        if self.max_send is not None:
            count = min(count, self.max_send)
        window = peer.send_window if peer.send_window is not None else self.send_window
        if window is not None:
            count = min(count, window - peer.unread)
            if count <= 0:
                raise OSError(EAGAIN)
        peer._incoming.append(bytes(data[:count]))
        peer._unread += count
        return count

    def recv_into(self, buffer, bufsize=0):
        self._check_open()
        size = bufsize or len(buffer)
        unread = self.unread
        if not unread:
            if self._peer_closed or self._peer is None or self._peer._closed:
                return 0
            raise OSError(EAGAIN if self._timeout == 0 else ETIMEDOUT)
        count = 0
        incoming = self._incoming
        while count < size and incoming:
            piece = incoming[0]
            take = min(size - count, len(piece) - self._taken)
            buffer[count : count + take] = memoryview(piece)[self._taken : self._taken + take]
            count += take
            self._taken += take
            if self._taken == len(piece):
                incoming.pop(0)
                self._taken = 0
        self._unread -= count
        return count

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self._peer is not None:
            self._peer._peer_closed = True
        if self._backlog is not None:
            self._pool._listeners.pop(self._address, None)

    def _check_open(self):
        if self._closed:
            raise OSError(9)  # EBADF

    @property
    def unread(self):
        """Bytes sent to this socket that it has not read yet."""
        return self._unread


class SocketPool:
    """Stands in for ``socketpool.SocketPool(wifi.radio)``."""

    AF_INET = 2
    AF_INET6 = 10
    SOCK_STREAM = 1
    SOCK_DGRAM = 2
    SOL_SOCKET = 0xFFF
    SO_REUSEADDR = 0x0004

    def __init__(self):
        self._listeners = {}
        self._next_port = 40000

    def socket(self, family=AF_INET, type=SOCK_STREAM):  # pylint: disable=redefined-builtin
        return Socket(self, family, type)

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):  # pylint: disable=redefined-builtin,unused-argument
        return [(self.AF_INET, self.SOCK_STREAM, 0, "", (host, port))]


class TestResponse:
    """What the client received: ``status`` (int), ``reason``, ``headers`` (``Headers``),
    ``body`` (bytes), ``text`` and ``json()``; ``raw`` is every byte of the response."""

    def __init__(self, status, reason, headers, body, raw, head=b""):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self._raw = raw  # None: the wire bytes are ``head`` and the body (made when asked)
        self._head = head

    @property
    def raw(self):
        return self._head + self.body if self._raw is None else self._raw

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        import json  # pylint: disable=import-outside-toplevel

        return json.loads(self.body)

    def __repr__(self):
        return "<TestResponse %d %s, %d bytes>" % (self.status, self.reason, len(self.body))


class TestConnection:
    """A client connection kept open across requests (keep-alive, pipelining)."""

    def __init__(self, client):
        self.client = client
        self.sock = client.server._socket_source.socket()
        self.sock.setblocking(False)
        self.sock.connect((client.host, client.port))
        self._buffer = bytearray()
        self._chunk = None  # what one read takes, made on the first one
        self._eof = False

    def send(self, data):
        view = memoryview(data if isinstance(data, (bytes, bytearray)) else data.encode("utf-8"))
        while len(view):
            try:
                sent = self.sock.send(view)
            except OSError as error:
                if error.args and error.args[0] == EAGAIN:
                    self.client.poll()
                    continue
                raise
            view = view[sent:]

    def request(self, method, path, headers=None, body=b""):
        """Sends one request and reads its response."""
        self.send(_request_bytes(method, path, headers, body))
        return self.read_response(head=method == "HEAD")

    def _pump(self):
        """One server poll, then whatever arrived. False once nothing more can come."""
        self.client.poll()
        if self._chunk is None:
            self._chunk = bytearray(1024)
        chunk = self._chunk
        while True:
            try:
                count = self.sock.recv_into(chunk)
            except OSError:
                return True
            if count == 0:
                self._eof = True
                return False
            self._buffer.extend(memoryview(chunk)[:count])

    def read_response(self, head=False):
        """Reads one complete response (raises ``AssertionError`` if none comes)."""
        for _ in range(self.client.max_polls):
            parsed = _parse_response(self._buffer, head, self._eof)
            if parsed is not None:
                response, used = parsed
                self._buffer = self._buffer[used:] if used < len(self._buffer) else bytearray()
                return response
            if self._eof:
                break
            self._pump()
        raise AssertionError("no complete response; received %r" % bytes(self._buffer[:300]))

    def read_all(self):
        """Everything the server sends until it closes the connection."""
        for _ in range(self.client.max_polls):
            if not self._pump():
                break
        data = bytes(self._buffer)
        self._buffer = bytearray()
        return data

    @property
    def closed_by_server(self):
        self._pump()
        return self._eof

    def close(self):
        self.sock.close()
        self.client.poll()


class TestClient:
    """Drives ``server.poll()`` while it talks to the server over in-memory sockets.

    Exceptions that ``poll()`` re-raises (a handler's bug) reach the test, unless
    ``raise_server_exceptions=False``, in which case they are kept in ``errors``."""

    __test__ = False  # not a pytest test class

    def __init__(self, server, host="127.0.0.1", port=80, *, raise_server_exceptions=True, max_polls=2000):
        self.server = server
        self.raise_server_exceptions = raise_server_exceptions
        self.max_polls = max_polls
        self.errors = []
        if server.stopped:
            server.start(host, port)
        self.host, self.port = server.host, server.port

    def poll(self):
        try:
            return self.server.poll()
        except Exception as error:  # pylint: disable=broad-except
            if self.raise_server_exceptions:
                raise
            self.errors.append(error)
            return None

    def connect(self):
        return TestConnection(self)

    def raw(self, data):
        """Sends raw bytes on a new connection; returns all bytes received until close."""
        connection = self.connect()
        connection.send(data)
        return connection.read_all()

    def request(self, method, path, headers=None, body=b""):
        connection = self.connect()
        headers = dict(headers or {})
        headers.setdefault("Connection", "close")
        response = connection.request(method, path, headers, body)
        connection.close()
        return response

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def head(self, path, headers=None):
        return self.request("HEAD", path, headers)

    def options(self, path, headers=None):
        return self.request("OPTIONS", path, headers)

    def delete(self, path, headers=None, body=b""):
        return self.request("DELETE", path, headers, body)

    def post(self, path, body=b"", headers=None):
        return self.request("POST", path, headers, body)

    def put(self, path, body=b"", headers=None):
        return self.request("PUT", path, headers, body)

    def patch(self, path, body=b"", headers=None):
        return self.request("PATCH", path, headers, body)


def _request_bytes(method, path, headers, body):
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = dict(headers or {})
    names = [name.lower() for name in headers]
    if "host" not in names:
        headers["Host"] = "testserver"
    if body and "content-length" not in names and "transfer-encoding" not in names:
        headers["Content-Length"] = str(len(body))
    lines = [method + " " + path + " HTTP/1.1"]
    for name in headers:
        lines.append("%s: %s" % (name, headers[name]))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def _parse_response(data, head, eof):
    """``(TestResponse, bytes used)`` once ``data`` holds a whole response, else None."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    view = memoryview(data)  # (slices of a view are not copies)
    lines = bytes(view[:end]).decode("utf-8").split("\r\n")
    version, code, reason = (lines[0].split(" ", 2) + [""])[:3]
    status = int(code)
    headers = Headers()
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.add(name.strip(), value.strip())
    start = end + 4
    if status == 101:
        return TestResponse(status, reason, headers, b"", bytes(view[:start])), start
    if 100 <= status < 200:  # an interim answer: the final one follows
        parsed = _parse_response(data[start:], head, eof)
        return None if parsed is None else (parsed[0], start + parsed[1])
    if head or status in (204, 304):
        return TestResponse(status, reason, headers, b"", bytes(view[:start])), start
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        from ._chunked import ChunkedDecoder  # pylint: disable=import-outside-toplevel

        decoder = ChunkedDecoder()
        body = bytearray()
        position = start
        while not decoder.done:
            consumed, payload = decoder.decode(view[position:])
            if not consumed and payload is None:
                return None  # the rest has not arrived yet
            if payload is not None:
                body.extend(payload)
            position += consumed
        return TestResponse(status, reason, headers, bytes(body), bytes(view[:position])), position
    length = headers.get("Content-Length")
    if length is not None:
        used = start + int(length)
        if len(data) < used:
            return None
        return TestResponse(status, reason, headers, bytes(view[start:used]), None, bytes(view[:start])), used
    if not eof:
        return None
    return TestResponse(status, reason, headers, bytes(view[start:]), None, bytes(view[:start])), len(data)
