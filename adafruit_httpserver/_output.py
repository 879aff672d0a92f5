"""The sending side of a client connection: the output queue, written as the socket takes
it (never blocking), the keep-alive decision, and the end of a response."""

from . import _http
from ._compat import EPIPE, const, peer_gone, send_some, ticks_ms
from ._states import CLOSED, IDLE, LINGER, RESPOND, STREAM, UPGRADED

# Output queued on a long-lived stream beyond this means the client does not keep up.
STREAM_BACKLOG = const(65536)
_COALESCE = const(8192)
# With clients waiting for a slot, a connection that has served this many responses
# closes after the current one.
_YIELD_AFTER = const(8)


class Output:
    """Mixed into ``Connection``; the attributes it uses are set up there."""

    def settle_persistence(self, present, framed):
        """Decides, as a response's headers are sent, whether the connection outlives it.
        ``present``: the response's headers (lower-case name -> values); ``framed``: the
        body's end is known without closing (a length, or no body). Returns the
        ``Connection`` header to add, or None (also when the response set its own)."""
        if not framed:
            encodings = present.get("transfer-encoding")
            framed = self.head_only or encodings is not None and "chunked" in str(encodings[0]).lower()
        keep = self.keep_alive and framed and not self.server.stopped
        if self.engine.crowded and self.served >= _YIELD_AFTER:
            keep = False  # give the slot to a client waiting in the backlog
        asked = present.get("connection")
        if asked is not None and asked[0] is not None:
            if "close" in str(asked[0]).lower():
                keep = False
            self.keep_alive = keep
            return None
        self.keep_alive = keep
        if not keep:
            return "close"
        if self.request.http_version == "HTTP/1.0":
            return "keep-alive"
        return None

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
                if getattr(self.producer, "zero_copy", False):
                    sent = self.producer.send_to(self, budget)  # (CPython's os.sendfile)
                    if not sent:
                        break
                    self.last_send = now
                    budget -= sent
                    continue
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
                try:
                    self.out = [b"".join(self.out)]  # one send for head and a small body
                except MemoryError:
                    pass  # no room to merge on a fragmented heap: send the pieces one by one
            first = self.out[0]
            view = memoryview(first)[self.out_offset :] if self.out_offset else first
            try:
                sent = send_some(self.sock, view)
            except OSError as exc:
                self.send_failed(exc)
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

    def send_failed(self, exc):
        if not peer_gone(exc):
            self.engine.note_socket_error(exc)
        self.close()

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
        if self.server.debug:
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
        reason = _http.reason(status)
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
