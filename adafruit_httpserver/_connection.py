"""One client connection: its receive buffer, request-reading state machine, deadlines
and lifetime. The sending side is in ``_output.Output``.

The engine calls ``read_head``, ``read_body``, ``flush`` and ``check_deadline`` from
``poll()``; every one of them does only what the socket allows right now and returns."""

from . import _http
from ._compat import const, read_into, ticks_diff, would_block
from ._output import STREAM_BACKLOG, Output
from ._states import BODY, CLOSED, HANDSHAKE, HEAD, IDLE, LINGER, UPGRADED

_LINGER_MS = const(1000)


class Connection(Output):  # pylint: disable=too-many-instance-attributes
    # Read from the class until a request sets them: each connection then keeps only the
    # attributes it uses, which is RAM on a board holding many streams and websockets.
    body = None  # a body being received into memory
    body_got = 0
    remaining = 0  # bytes of a streamed body still to come
    sink = None  # where a streamed body goes
    decoder = None  # a chunked body's decoder
    producer = None  # the rest of a response body, pulled as the socket takes it
    finishing = False
    linger = False
    served = 0  # responses completed on this connection
    backlog = STREAM_BACKLOG  # most output a long-lived stream may leave unsent
    quick = False  # idle with nothing buffered, heads are read the plain lane's way

    def __init__(self, engine, sock, address, now, handshaking=False):
        self.engine = engine
        self.server = engine.server
        self.sock = sock
        self.address = address
        self.buf = engine.take_buffer()
        self.filled = 0
        self.scanned = 0
        self.state = HANDSHAKE if handshaking else IDLE
        self.since = now
        self.last_recv = now
        self.last_send = now
        self.started = now
        self.request = None
        self.response = None
        self.handler = None
        self.params = None
        self.out = []
        self.out_offset = 0
        self.out_bytes = 0
        self.keep_alive = True
        self.head_only = False
        self.head_sent = False
        self.ready = 0  # readiness reported by the engine's poller
        self.key = None
        self.watching = 0
        self.tls = hasattr(sock, "pending")  # a TLS socket may hold decrypted bytes

    # -- receiving -------------------------------------------------------------------------

    def _fill(self, now, most=0):
        """Reads into the head buffer (at most ``request_buffer_size`` bytes, or ``most``).
        False when the peer has gone (the connection is then closed)."""
        filled = self.filled
        free = len(self.buf) - filled
        if free <= 0:
            return True
        try:
            count = read_into(self.sock, memoryview(self.buf)[filled : filled + min(free, most or self.server._recv_chunk)])
        except OSError:
            self.close()
            return False
        if count is None:
            return True
        if count == 0:
            self.close()
            return False
        self.filled = filled + count
        self.last_recv = now
        return True

    def handshake(self, now):
        try:
            self.sock.do_handshake()
        except OSError as exc:
            if not would_block(exc):
                self.close()
            return
        self.state = IDLE
        self.since = self.last_recv = now

    def read_head(self, now, readable=True):
        """Returns ``(method, target, version, headers, head_size)`` once a whole head has
        arrived, else None. Answers 400/414/431/505 itself."""
        if readable and not self._fill(now):
            return None
        buf = self.buf
        if not self.filled:
            return None
        if buf[0] == 13 or buf[0] == 10:  # stray CRLF between pipelined requests
            start = 1
            while start < self.filled and buf[start] in (13, 10):
                start += 1
            self._consume(start)
            if not self.filled:
                return None
        if self.state == IDLE:
            self.state = HEAD
            self.since = now
        filled = self.filled
        end = _http.find_head_end(buf, self.scanned - 3 if self.scanned > 3 else 0, filled)
        limit = self.server.max_request_line_size
        if end < 0:
            self.scanned = filled
            if filled > limit and buf.find(b"\n", 0, limit) < 0:
                self.reject(414, "Request line too long")
            elif filled >= len(buf):
                self.reject(431, "Request header fields too large")
            return None
        if end > limit and buf.find(b"\n", 0, end) > limit:
            self.reject(414, "Request line too long")
            return None
        try:
            parsed = _http.parse_head(memoryview(buf)[:end])
        except _http.HTTPError as err:
            self.reject(err.status, err.message)
            return None
        if end == filled:
            self.filled = 0
        else:
            self._consume(end)
        self.scanned = 0
        return parsed + (end,)

    def _consume(self, count):
        """Drops ``count`` bytes from the front of the head buffer."""
        rest = self.filled - count
        if rest > 0:
            # through a view: a plain slice would allocate a copy on every call
            self.buf[:rest] = memoryview(self.buf)[count : self.filled]
        self.filled = rest if rest > 0 else 0

    def start_body(self, length, limit, sink, now):
        """Prepares to receive the body: ``length`` bytes, or chunked (at most ``limit``
        bytes) when ``length`` is None. With ``sink`` None the body is gathered for
        ``request.body``; otherwise every piece goes to ``sink.write`` as it arrives."""
        self.sink = sink
        self.remaining = length
        if length is None:
            from ._chunked import ChunkedDecoder  # pylint: disable=import-outside-toplevel

            self.decoder = ChunkedDecoder(max_size=limit)
            if sink is None:
                self.body = bytearray()
        elif sink is None:
            try:
                self.body = bytearray(length)
            except MemoryError:
                self.reject(413, "Request body too large for the memory available")
                return
            take = min(self.filled, length)
            if take:
                self.body[:take] = memoryview(self.buf)[:take]
                self._consume(take)
            self.body_got = take
        self.state = BODY
        self.since = self.last_recv = now

    def read_body(self, now):
        """Returns True once the whole body has arrived. Exceptions from a sink (the
        route's writer) propagate; client errors are answered here."""
        try:
            if self.decoder is not None or self.sink is not None:
                from ._body import read_in_pieces  # pylint: disable=import-outside-toplevel

                return read_in_pieces(self, now)
        except _http.HTTPError as err:
            self.reject(err.status, err.message)
            return False
        body = self.body
        view = memoryview(body)
        budget = self.server._recv_budget
        while self.body_got < len(body) and budget > 0:
            try:
                count = read_into(self.sock, view[self.body_got : self.body_got + budget])
            except OSError:
                self.close()
                return False
            if count is None:
                break
            if count == 0:
                self.close()
                return False
            self.body_got += count
            budget -= count
            self.last_recv = now
        return self.body_got == len(body)

    def take_body(self):
        body = self.body
        self.body = None
        return bytes(body) if body is not None else b""

    def discard_input(self, now):
        """For streams and lingering closes: reads and drops input, notices EOF."""
        buf = self.buf if self.buf is not None else bytearray(64)
        try:
            count = read_into(self.sock, memoryview(buf))
        except OSError:
            count = 0
        if count == 0:
            self.close()
        elif count:
            self.last_recv = now

    def release_buffer(self):
        """Hands the receive buffer back to the engine's pool (streams, websockets and
        closed connections do not read requests any more)."""
        if self.buf is not None:
            self.engine.give_buffer(self.buf)
            self.buf = None
        self.filled = self.scanned = 0

    def upgrade(self):
        """The response switched protocols (101): from now on its owner reads the socket.
        Returns the bytes that already arrived after the request head."""
        early = bytes(self.buf[: self.filled]) if self.filled else b""
        self.state = UPGRADED
        self.keep_alive = False
        self.release_buffer()
        self.filled = self.scanned = 0
        return early

    # -- lifetime --------------------------------------------------------------------------

    def check_deadline(self, now):
        """Closes a connection that has waited too long; True when it did."""
        server = self.server
        state = self.state
        if state == IDLE:
            if ticks_diff(now, self.since) > server.keep_alive_timeout * 1000:
                self.close()
                return True
        elif state in (HANDSHAKE, HEAD, BODY):
            if (
                state != BODY
                and ticks_diff(now, self.since) > server.header_timeout * 1000
                or ticks_diff(now, self.last_recv) > server.socket_timeout * 1000
            ):
                if state == HANDSHAKE:
                    self.close()
                else:
                    self.reject(408, "Request timeout")
                    self.linger = False
                return True
        elif state == LINGER:
            if ticks_diff(now, self.since) > _LINGER_MS:
                self.close()
        elif self.pending() and ticks_diff(now, self.last_send) > server.send_timeout * 1000:
            self.close()
            return True
        return False

    def eviction_rank(self, now):
        """Lower is evicted first; None means not now. Idle connections go first (a
        keep-alive one unused for 250 ms, a new one still silent after 250 ms), then slow
        ones (a head or TLS handshake not yet complete). A connection used or accepted
        moments ago is likely to carry a request right now, and a busy one (body,
        response, stream) is never cut off."""
        waited = ticks_diff(now, self.since)
        if self.state == LINGER or self.state == IDLE and waited >= 250:
            return 0
        if self.state == HEAD or self.state == HANDSHAKE and waited >= 250:
            return 1
        return None

    def close(self):
        if self.state == CLOSED:
            return
        self.state = CLOSED
        if self.sink is not None:
            sink, self.sink = self.sink, None
            sink.abort()
        self.out = []
        self.out_bytes = 0
        self.producer = None
        self.body = None
        self.release_buffer()
        self.engine.forget(self)
        try:
            self.sock.close()
        except OSError:
            pass
