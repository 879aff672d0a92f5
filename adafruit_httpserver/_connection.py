"""One client connection: its receive buffer, state machine, deadlines and output queue.

The server calls ``read_head``, ``read_body``, ``flush`` and ``check_deadline`` from
``poll()``; every one of them does only what the socket allows right now and returns."""

from . import _http
from ._compat import (
    EPIPE,
    const,
    peer_gone,
    send_some,
    read_into,
    ticks_diff,
    ticks_ms,
    would_block,
)

HANDSHAKE = const(0)  # TLS handshake in progress
IDLE = const(1)  # waiting for the first byte of a request
HEAD = const(2)  # receiving a request head
BODY = const(3)  # receiving a request body
RESPOND = const(4)  # a response is being written; nothing is read meanwhile
STREAM = const(5)  # a response that stays open (SSE, MJPEG); input is discarded
UPGRADED = const(6)  # switched protocols (WebSocket): its owner reads the socket
LINGER = const(7)  # answered and half-closed: input is drained until EOF, then closed
CLOSED = const(8)

_LINGER_MS = const(1000)
# Output queued on a long-lived stream beyond this means the client does not keep up.
_STREAM_BACKLOG = const(65536)
_COALESCE = const(8192)


class Connection:  # pylint: disable=too-many-instance-attributes
    def __init__(self, engine, sock, address, now, handshaking=False):
        self.engine = engine
        self.server = server = engine.server
        self.sock = sock
        self.address = address
        self.buf = bytearray(server.max_header_size)
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
        self.body = None
        self.body_got = 0
        self.remaining = 0
        self.sink = None
        self.decoder = None
        self.out = []
        self.out_offset = 0
        self.out_bytes = 0
        self.producer = None
        self.keep_alive = True
        self.head_only = False
        self.head_sent = False
        self.finishing = False
        self.linger = False
        self.backlog = _STREAM_BACKLOG  # most output a long-lived stream may leave unsent
        self.served = 0  # responses completed on this connection
        self.ready = 0  # readiness reported by the engine's poller
        self.key = None
        self.watching = 0

    # -- receiving -------------------------------------------------------------------------

    def _fill(self, now, most=0):
        """Reads into the head buffer (at most ``request_buffer_size`` bytes, or ``most``).
        False when the peer has gone (the connection is then closed)."""
        free = len(self.buf) - self.filled
        if free <= 0:
            return True
        chunk = min(free, most or self.server._recv_chunk)
        try:
            count = read_into(self.sock, memoryview(self.buf)[self.filled : self.filled + chunk])
        except OSError:
            self.close()
            return False
        if count is None:
            return True
        if count == 0:
            self.close()
            return False
        self.filled += count
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
        start = 0
        while start < self.filled and buf[start] in (13, 10):
            start += 1  # stray CRLF between pipelined requests
        if start:
            self._consume(start)
        if not self.filled:
            return None
        if self.state == IDLE:
            self.state = HEAD
            self.since = now
        end = _http.find_head_end(buf, max(0, self.scanned - 3), self.filled)
        if end < 0:
            self.scanned = self.filled
            limit = self.server.max_request_line_size
            if self.filled > limit and buf.find(b"\n", 0, limit) < 0:
                self.reject(414, "Request line too long")
            elif self.filled >= len(buf):
                self.reject(431, "Request header fields too large")
            return None
        if buf.find(b"\n", 0, end) > self.server.max_request_line_size:
            self.reject(414, "Request line too long")
            return None
        try:
            parsed = _http.parse_head(memoryview(buf)[:end])
        except _http.HTTPError as err:
            self.reject(err.status, err.message)
            return None
        self._consume(end)
        self.scanned = 0
        return parsed + (end,)

    def _consume(self, count):
        """Drops ``count`` bytes from the front of the head buffer."""
        rest = self.filled - count
        if rest > 0:
            self.buf[:rest] = self.buf[count : self.filled]
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
            if self.decoder is not None:
                return self._read_chunked(now)
            if self.sink is not None:
                return self._read_to_sink(now)
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

    def _read_to_sink(self, now):
        budget = self.server._recv_budget
        while self.remaining:
            if not self.filled:
                if budget <= 0 or not self._fill(now, len(self.buf)) or not self.filled:
                    return False
                budget -= self.filled
            take = min(self.filled, self.remaining)
            self.sink.write(memoryview(self.buf)[:take])
            self._consume(take)
            self.remaining -= take
        return True

    def _read_chunked(self, now):
        decoder = self.decoder
        budget = self.server._recv_budget
        while True:
            if self.filled:
                try:
                    consumed, payload = decoder.decode(memoryview(self.buf)[: self.filled])
                except ValueError as err:
                    self.reject(getattr(err, "status", 400), str(err))
                    return False
                if payload is not None:  # a view of buf: used before _consume moves it
                    if self.sink is None:
                        try:
                            self.body.extend(payload)
                        except MemoryError:
                            self.reject(413, "Request body too large for the memory available")
                            return False
                    else:
                        self.sink.write(payload)
                self._consume(consumed)
                if decoder.done:
                    self.decoder = None
                    return True
                if consumed:
                    continue
            before = self.filled
            if budget <= 0 or not self._fill(now, len(self.buf)) or self.filled == before:
                return False
            budget -= self.filled - before

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

    # -- sending ---------------------------------------------------------------------------

    def upgrade(self):
        """The response switched protocols (101): from now on its owner reads the socket.
        Returns the bytes that already arrived after the request head."""
        early = bytes(self.buf[: self.filled]) if self.filled else b""
        self.state = UPGRADED
        self.keep_alive = False
        self.buf = None
        self.filled = self.scanned = 0
        return early

    def settle_persistence(self, headers, bodyless):
        """Decides, as a response's headers are sent, whether the connection outlives it,
        and sets the ``Connection`` header to say so (unless the response set one)."""
        asked = headers.get("Connection")
        framed = (
            bodyless
            or self.head_only
            or "content-length" in headers
            or "chunked" in str(headers.get("Transfer-Encoding", "")).lower()
        )
        keep = self.keep_alive and framed and not self.server.stopped
        if asked is not None and "close" in str(asked).lower():
            keep = False
        self.keep_alive = keep
        if asked is None:
            if not keep:
                headers.set("Connection", "close")
            elif self.request.http_version == "HTTP/1.0":
                headers.set("Connection", "keep-alive")

    def write(self, data):
        """Queues bytes for the client and, outside request dispatch, sends what the socket
        takes now. Raises ``OSError(EPIPE)`` when the connection is gone or, for a
        long-lived stream, when the client has stopped reading."""
        if self.state == CLOSED:
            raise OSError(EPIPE, "connection closed")
        if self.head_only and self.head_sent:
            return
        if not len(data):
            return
        if self.state in (STREAM, UPGRADED) and self.out_bytes > self.backlog:
            self.close()
            raise OSError(EPIPE, "client is not reading")
        self.out.append(data if isinstance(data, bytes) else bytes(data))
        self.out_bytes += len(data)
        if not self.engine.dispatching:
            self.flush(ticks_ms())

    def pending(self):
        return bool(self.out) or self.producer is not None

    def flush(self, now):
        """Sends queued output until the socket would block; pulls more from the producer
        (a file or generator body) only when the queue is empty, so its buffer is reused."""
        budget = self.server._send_budget
        while budget > 0 and self.state != CLOSED:
            if not self.out:
                if self.producer is None:
                    break
                try:
                    chunk = next(self.producer)
                except StopIteration:
                    self.producer = None
                    break
                except Exception:
                    # A body that fails midway: close, so the client cannot mistake the
                    # truncated body for a whole one; poll() re-raises the error.
                    self.close()
                    raise
                if self.head_only or not len(chunk):
                    continue
                self.out.append(chunk)
                self.out_bytes += len(chunk)
            if self.out_offset == 0 and len(self.out) > 1 and self.out_bytes <= _COALESCE:
                self.out = [b"".join(self.out)]
            first = self.out[0]
            view = memoryview(first)[self.out_offset :] if self.out_offset else first
            try:
                sent = send_some(self.sock, view)
            except OSError as exc:
                if not peer_gone(exc):
                    self.engine.note_socket_error(exc)
                self.close()
                return
            if not sent:
                break
            self.last_send = now
            budget -= sent
            self.out_bytes -= sent
            if sent == len(view):
                self.out.pop(0)
                self.out_offset = 0
            else:
                self.out_offset += sent
        if self.finishing and not self.pending() and self.state == RESPOND:
            self._finished(now)

    def finish(self, response):
        """``response`` is complete: once its output is flushed the connection is closed or
        kept for the next request. Calls from a response that no longer owns the
        connection are ignored."""
        if self.state == CLOSED or response is not self.response or self.finishing:
            return
        if self.state != RESPOND:
            self.keep_alive = False
            self.state = RESPOND
        self.finishing = True
        if not self.engine.dispatching:
            self.flush(ticks_ms())

    def _finished(self, now):
        self.engine.response_done(self, now)
        self.served += 1
        if self.keep_alive and self.decoder is None and not self.server.stopped:
            self.state = IDLE
            self.since = self.started = self.last_recv = now
            self.request = self.response = None
            self.head_only = self.head_sent = self.finishing = False
        elif self.linger and hasattr(self.sock, "shutdown"):
            # Half-close and drain, so unread request bytes do not turn our answer into a
            # reset that the client never reads.
            try:
                self.sock.shutdown(1)
            except OSError:
                self.close()
                return
            self.state = LINGER
            self.since = now
        else:
            self.close()

    def reject(self, status, message):
        """Answers a request that cannot be served, then closes."""
        reason = _http.REASONS.get(status, "Error")
        body = (message or reason).encode("utf-8")
        head = "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n" % (status, reason)
        head += "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        self.out = [head.encode("utf-8") + body]
        self.out_offset = 0
        self.out_bytes = len(self.out[0])
        self.producer = None
        self.body = None
        self.decoder = None
        if self.sink is not None:
            sink, self.sink = self.sink, None
            sink.abort()
        self.keep_alive = False
        self.linger = True
        self.finishing = True
        self.state = RESPOND
        self.engine.rejected(self, status)

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
        self.buf = self.body = None
        self.engine.forget(self)
        try:
            self.sock.close()
        except OSError:
            pass
