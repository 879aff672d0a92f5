"""``Websocket``: RFC 6455 for the server side, any number of clients at once.

The handler returns the ``Websocket``; the server answers the handshake (101, or 400/426
for a request that is not a valid handshake) and hands the socket over. Keep the object and
call ``receive()`` / ``send_message()`` from your loop, or ``await receive_async()`` from an
asyncio task. Frames are parsed incrementally by the sans-IO codec in ``_wsframe.py``, so
any split across TCP packets works; writes are queued and never block the server."""

from . import _wsframe
from ._compat import peer_gone, read_into, ticks_diff, ticks_ms, tidy_heap
from ._states import CLOSED
from .response import Response
from .status import Status


class Websocket(Response):  # pylint: disable=too-many-instance-attributes
    """A WebSocket connection.

    Limits default to the class attributes (as in 4.8.2) and can be given per connection:
    ``max_message_size`` (a larger message closes with 1009), ``max_fragments`` (1008),
    ``fragment_timeout`` (seconds between fragments of one message, 1008). Optional:
    ``ping_interval`` (seconds of silence after which a ping is sent) with ``ping_timeout``
    (seconds to wait for any answer before the peer is taken for dead), and
    ``subprotocols`` (the ones this server speaks, best first; the first one the client
    offers is selected and available as ``subprotocol``)."""

    GUID = _wsframe.GUID
    FIN = 0b10000000
    CONT = _wsframe.CONT
    TEXT = _wsframe.TEXT
    BINARY = _wsframe.BINARY
    CLOSE = _wsframe.CLOSE
    PING = _wsframe.PING
    PONG = _wsframe.PONG
    PROTOCOL_ERROR = 1002
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MESSAGE_MAX_SIZE_BYTES = 4096
    MESSAGE_MAX_FRAGMENTS = 16
    MESSAGE_FRAGMENT_TIMEOUT_NS = 5_000_000_000

    # Defaults read from the class until they change, which keeps each connection's own
    # attributes (and its RAM on a board) to what differs.
    subprotocol = None
    _closed = False
    _handed_over = False  # the server has sent our handshake answer
    _early_frames = None  # frames sent by the handler before the handshake went out
    _refusal = None  # why the handshake is refused: (code, reason, body, extra headers)
    _ping_sent = None

    def __init__(  # pylint: disable=too-many-arguments
        self,
        request,
        headers=None,
        cookies=None,
        buffer_size=1024,
        *,
        max_message_size=None,
        max_fragments=None,
        fragment_timeout=None,
        ping_interval=None,
        ping_timeout=None,
        subprotocols=None,
    ):
        super().__init__(request, headers=headers, cookies=cookies, status=(101, "Switching Protocols"))
        self.max_message_size = max_message_size or self.MESSAGE_MAX_SIZE_BYTES
        self._fragment_ms = (
            fragment_timeout * 1000 if fragment_timeout is not None else self.MESSAGE_FRAGMENT_TIMEOUT_NS // 1000000
        )
        self._ping_ms = ping_interval * 1000 if ping_interval else None
        self._pong_ms = (ping_timeout if ping_timeout else ping_interval or 0) * 1000
        self._read_size = buffer_size
        self._parser = _wsframe.FrameParser(self.max_message_size, max_fragments or self.MESSAGE_MAX_FRAGMENTS)
        refusal = _handshake_problem(request)
        if refusal is not None:
            self._refusal = refusal
            self._closed = True
            return
        offered = request.headers.get("Sec-WebSocket-Protocol")
        if subprotocols and offered:
            names = [name.strip() for name in offered.split(",")]
            for name in subprotocols:
                if name in names:
                    self.subprotocol = name
                    self._headers.setdefault("Sec-WebSocket-Protocol", name)
                    break
        key = request.headers.get("Sec-WebSocket-Key").strip()
        self._headers.setdefault("Upgrade", "websocket")
        self._headers.setdefault("Connection", "Upgrade")
        self._headers.setdefault("Sec-WebSocket-Accept", _wsframe.accept_key(key))
        self._last_heard = ticks_ms()

    @property
    def closed(self):
        """True once the connection is closed: by ``close()``, by the client, or by the
        server (``server.stop()``, a client that stopped reading)."""
        if not self._closed and self._handed_over:
            client = self._request._client
            if client is not None and (client.state == CLOSED or client.response is not self):
                self._closed = True
        return self._closed

    @closed.setter
    def closed(self, value):
        self._closed = value

    def _send(self):
        if self._refusal is not None:
            code, text, body, extra = self._refusal
            self._status = Status(code, text)
            self._body = body
            for name, value in extra:
                self._headers.set(name, value)
            Response._send(self)
            return
        self._send_headers()
        self._headers = None  # sent, and never needed again while the connection lasts
        self._handed_over = True
        if self._early_frames:
            for frame in self._early_frames:
                self._send_bytes(self._request.connection, frame)
            self._early_frames = None
        client = self._request._client
        if client is not None:
            # The owner reads from now on; at most 2 messages of output may wait unsent.
            client.backlog = max(65536, 2 * self.max_message_size + 1024)
            early = client.upgrade()
            if early:
                self._parser.feed(early)

    # -- receiving -------------------------------------------------------------------------

    def receive(self, fail_silently=False):
        """The next complete message (``str`` for text, ``bytes`` for binary), or None when
        none has arrived yet. Pings are answered, close handshakes completed, protocol
        errors answered with the right close code. Never blocks.

        Once the connection is closed it returns None with ``fail_silently=True`` and
        raises ``RuntimeError`` otherwise; a client that disconnects never raises."""
        if self.closed:
            if fail_silently:
                return None
            raise RuntimeError("Websocket connection is closed, cannot receive messages")
        client = self._request._client
        budget = 65536
        buffer = None
        try:
            while not self.closed:
                try:
                    event = self._parser.next_event()
                    if event is None:
                        if client is not None and client.out_bytes > client.backlog // 2:
                            break  # the peer is not reading our answers: stop reading its data
                        if buffer is None:
                            buffer = self._borrow_buffer()
                        count = self._read(buffer, budget)
                        if not count:
                            break
                        budget -= count
                        continue
                except MemoryError:
                    self._out_of_memory()
                    return None
                message = self._handle(event)
                if message is not None:
                    return message
        finally:
            if buffer is not None:
                self._parser.keep_pending()
                if client is not None:
                    client.engine.give_buffer(buffer)
        self._check_timers()
        return None

    def _borrow_buffer(self):
        """A receive buffer for this call: the server's (its pool of request buffers, so
        an idle websocket holds none), or a new one outside a running server."""
        client = self._request._client
        if client is not None:
            return client.engine.take_buffer()
        return bytearray(self._read_size)

    def _out_of_memory(self):
        """A message could not be held (a fragmented board heap): close with 1011."""
        self._finish(_wsframe.encode_close(1011, "out of memory"))

    def _read(self, buffer, budget):
        if budget <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), self._read_size)]
        try:
            count = read_into(self._request.connection, view)
        except OSError as error:
            if not peer_gone(error):
                self._drop()
                raise
            count = 0
        if count == 0:
            self._drop()  # the client went away without a close frame
            return 0
        if count is None:
            return 0
        # A message is about to be assembled: on a small, busy heap, in a heap with the
        # garbage of the last ones collected (see _compat.tidy_heap).
        tidy_heap()
        self._parser.feed(view[:count])
        self._last_heard = ticks_ms()
        self._ping_sent = None
        return count

    def _handle(self, event):
        kind = event[0]
        if kind == self.TEXT or kind == self.BINARY:
            return event[1]
        if kind == self.PING:
            self._frame(self.PONG, event[1])
        elif kind == self.CLOSE:
            # Echo the peer's code (an empty close gets an empty one back), then finish.
            self._finish(_wsframe.encode_close(event[1], event[2] if event[1] else ""))
        elif kind == _wsframe.FAILURE:
            self._finish(_wsframe.encode_close(event[1], event[2]))
        return None

    def _check_timers(self):
        if self.closed:
            return
        now = ticks_ms()
        if self._parser.in_message:
            if ticks_diff(now, self._last_heard) > self._fragment_ms:
                self.close(self.POLICY_VIOLATION, "fragment timeout")
            return
        if self._ping_ms is None:
            return
        if self._ping_sent is None:
            if ticks_diff(now, self._last_heard) > self._ping_ms:
                self._frame(self.PING, b"")
                self._ping_sent = now
        elif ticks_diff(now, self._ping_sent) > self._pong_ms:
            self._finish(_wsframe.encode_close(1001, "no answer to ping"))

    async def receive_async(self, timeout=None):
        """Waits for the next message without busy-looping: the task sleeps until the
        socket has data (or, where the runtime cannot watch sockets, re-checks every
        20 ms). Returns None once the connection is closed, or after ``timeout`` seconds."""
        from ._aio import receive  # pylint: disable=import-outside-toplevel

        return await receive(self, timeout)

    def __aiter__(self):
        return self

    async def __anext__(self):
        message = await self.receive_async()
        if message is None:
            raise StopAsyncIteration
        return message

    # -- sending ---------------------------------------------------------------------------

    def send_message(self, message, opcode=None, fail_silently=False):
        """Sends a message: ``str`` as text, bytes as binary, unless ``opcode`` says
        otherwise (TEXT, BINARY, PING or PONG). Queued without blocking the server.

        When the connection is closed (or the client stops reading), it returns quietly
        with ``fail_silently=True`` and raises ``RuntimeError`` otherwise."""
        if not opcode:
            opcode = self.TEXT if isinstance(message, str) else self.BINARY
        if opcode not in (self.TEXT, self.BINARY, self.PING, self.PONG):
            raise ValueError("send_message() sends TEXT, BINARY, PING or PONG frames, not opcode %r" % opcode)
        payload = message.encode("utf-8") if isinstance(message, str) else message
        if self.closed:
            if fail_silently:
                return
            raise RuntimeError("Websocket connection is closed, cannot send message")
        if not self._frame(opcode, payload) and not fail_silently:
            raise RuntimeError("Websocket connection is closed, cannot send message")

    def _frame(self, opcode, payload):
        """Queues one frame; False (and the connection dropped) when the client is gone
        or not reading."""
        if not self._handed_over:  # still in the handler: goes out right after the 101
            if self._early_frames is None:
                self._early_frames = []
            self._early_frames.append(_wsframe.encode_header(opcode, len(payload)) + bytes(payload))
            return True
        try:
            connection = self._request.connection
            header = _wsframe.encode_header(opcode, len(payload))
            if len(payload) <= 1024:  # small frames in one write (one copy of a small payload)
                self._send_bytes(connection, header + bytes(payload))
            else:
                self._send_bytes(connection, header)
                self._send_bytes(connection, payload)
        except OSError:
            self._drop()
            return False
        return True

    # -- closing ---------------------------------------------------------------------------

    def close(self, code=None, reason=None):
        """Starts the close handshake: sends a close frame (``code`` and ``reason``, the
        reason cut to fit without splitting a character), then the TCP connection is
        closed once the client answers (or after a short grace period)."""
        if self.closed:
            return
        self._finish(_wsframe.encode_close(code, reason or ""))

    def _finish(self, close_frame):
        self._closed = True
        client = self._request._client
        try:
            self._send_bytes(self._request.connection, close_frame)
        except OSError:
            pass
        if client is not None:
            client.linger = True  # half-close and wait for the peer to close its side
        self._close_connection()

    def _drop(self):
        self._closed = True
        client = self._request._client
        if client is not None and client.response is self:
            client.close()
        elif client is None:
            self._close_connection()


def _handshake_problem(request):
    """None for a valid opening handshake, else ``(code, reason, body, extra headers)``."""
    headers = request.headers
    if request.method != "GET":
        return 400, "Bad Request", "WebSocket handshakes use GET", ()
    upgrade = (headers.get("Upgrade") or "").lower()
    connection = (headers.get("Connection") or "").lower()
    if "websocket" not in upgrade or "upgrade" not in connection:
        return (
            426,
            "Upgrade Required",
            "This resource is a WebSocket endpoint",
            (("Upgrade", "websocket"), ("Connection", "Upgrade")),
        )
    if (headers.get("Sec-WebSocket-Version") or "").strip() != "13":
        return 426, "Upgrade Required", "Only WebSocket version 13 is supported", (("Sec-WebSocket-Version", "13"),)
    if not _wsframe.valid_key((headers.get("Sec-WebSocket-Key") or "").strip()):
        return 400, "Bad Request", "Missing or invalid Sec-WebSocket-Key", ()
    return None
