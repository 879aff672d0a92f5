"""WebSocket and Server-Sent Events over real sockets on 127.0.0.1 (CPython).

Two ways of driving the server:

* ``Loop``: a background thread that polls the server, runs what the test hands it
  (``loop.call(fn)``: every ``Websocket``/``SSEResponse`` method runs on the poll thread,
  as it would in a single-threaded board program) and, for websockets registered with
  ``echo=True``, sends every received message back;
* a manual loop in the test thread (``pump``), where a test needs to poll at exact moments
  (for example between single bytes of a frame).

Clients are raw sockets (``RawWS``: masked frames built here, any split, any garbage) and
the ``websockets`` package's sync client. Every wait is bounded; every server is stopped
in ``finally`` (the ``Loop`` context manager) and every socket closed.

No timing is asserted: "never blocks" is checked as "returns at all, within a generous
bound that a blocking call would exceed"."""

import asyncio
import base64
import os
import queue
import socket
import struct
import threading
import time

import pytest

from adafruit_httpserver import GET, POST, Response, Server, SSEResponse, Websocket
from adafruit_httpserver.sse import broadcast

from helpers import ResponseReader, request_bytes

ws_sync = pytest.importorskip("websockets.sync.client")

HOST = "127.0.0.1"
WAIT = 5.0  # seconds: the bound of every wait in this module


# -- a client that speaks raw frames -------------------------------------------------------------


def mask_bytes(payload, mask):
    if not payload:
        return b""
    size = len(payload)
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")


def client_frame(opcode, payload=b"", fin=True, mask=b"\x37\xfa\x21\x3d", rsv=0, masked=True, length=None):
    """A client frame (masked unless ``masked=False``); ``length`` overrides the announced
    payload length (for oversize announcements)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    size = len(payload) if length is None else length
    head = bytearray([(0x80 if fin else 0) | rsv | opcode])
    bit = 0x80 if masked else 0
    if size < 126:
        head.append(bit | size)
    elif size < 0x10000:
        head.append(bit | 126)
        head += struct.pack(">H", size)
    else:
        head.append(bit | 127)
        head += struct.pack(">Q", size)
    if not masked:
        return bytes(head) + payload
    return bytes(head) + mask + mask_bytes(payload, mask)


def close_payload(code, reason=b""):
    return struct.pack(">H", code) + reason


class RawWS:
    """A blocking raw-socket WebSocket client with a receive timeout."""

    def __init__(self, port, path="/ws", headers=None, timeout=WAIT, handshake=True):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buffer = b""
        self.status = None
        self.headers = {}
        self.head = b""
        if handshake:
            self.handshake(path, headers)

    def handshake(self, path="/ws", headers=None, method="GET"):
        key = base64.b64encode(os.urandom(16)).decode()
        fields = {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
        }
        fields.update(headers or {})
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % HOST]
        lines += ["%s: %s" % (k, v) for k, v in fields.items() if v is not None]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        self.head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = self.head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split(" ")[1])
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.key = key
        return self.status

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed (%d bytes unparsed)" % len(self.buffer))
        self.buffer += chunk

    def _take(self, count):
        while len(self.buffer) < count:
            self._more()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def send(self, data):
        self.sock.sendall(data)

    def send_frame(self, opcode, payload=b"", **kwargs):
        self.sock.sendall(client_frame(opcode, payload, **kwargs))

    def read_frame(self):
        """``(fin, opcode, payload)`` of the next server frame (which must be unmasked)."""
        byte0, byte1 = self._take(2)
        assert not byte1 & 0x80, "server frames are never masked"
        size = byte1 & 0x7F
        if size == 126:
            size = struct.unpack(">H", self._take(2))[0]
        elif size == 127:
            size = struct.unpack(">Q", self._take(8))[0]
        return bool(byte0 & 0x80), byte0 & 0x0F, self._take(size)

    def read_close(self):
        """The payload of the next close frame (skipping data frames)."""
        for _ in range(100):
            _, opcode, payload = self.read_frame()
            if opcode == 8:
                return payload
        raise AssertionError("no close frame")

    def closed_by_peer(self, timeout=WAIT):
        """True when the server closes the TCP connection (EOF or reset) in time."""
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if not self.sock.recv(65536):
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# -- the poll thread -----------------------------------------------------------------------------


class Loop:
    """Polls ``server`` in a thread; ``call(fn)`` runs ``fn`` on that thread between polls.

    Websockets handed to ``track(ws, echo=True)`` get every message echoed and recorded in
    ``received``. ``errors`` collects exceptions from ``poll()`` and from the echo work."""

    def __init__(self, server):
        self.server = server
        self.errors = []
        self.tasks = queue.Queue()
        self.tracked = []
        self.received = []
        self.halt = threading.Event()
        self.thread = None

    def __enter__(self):
        self.server.start(HOST, 0)
        self.port = self.server.port
        self.thread = threading.Thread(target=self._run, name="ws-poll", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.halt.set()
        self.thread.join(WAIT)
        if not self.server.stopped:
            self.server.stop()
        assert not self.thread.is_alive(), "the poll thread did not stop"

    def track(self, websocket, echo=True):
        self.tracked.append((websocket, echo))

    def _run(self):
        while not self.halt.is_set():
            while True:
                try:
                    fn, box, done = self.tasks.get_nowait()
                except queue.Empty:
                    break
                try:
                    box.append((True, fn()))
                except BaseException as error:  # pylint: disable=broad-except
                    box.append((False, error))
                done.set()
            if self.server.stopped:
                time.sleep(0.005)
                continue
            try:
                self.server.poll()
            except Exception as error:  # pylint: disable=broad-except
                self.errors.append(error)
            for websocket, echo in list(self.tracked):
                if not echo:
                    continue
                try:
                    for _ in range(64):
                        message = websocket.receive(fail_silently=True)
                        if message is None:
                            break
                        self.received.append(message)
                        websocket.send_message(message, fail_silently=True)
                except Exception as error:  # pylint: disable=broad-except
                    self.errors.append(error)
            engine = self.server._engine
            if engine is not None:
                try:
                    engine.wait(0.003)
                except Exception as error:  # pylint: disable=broad-except
                    self.errors.append(error)
                    time.sleep(0.003)

    def call(self, fn, timeout=WAIT):
        box, done = [], threading.Event()
        self.tasks.put((fn, box, done))
        assert done.wait(timeout), "the poll thread did not run the call within %ss" % timeout
        ok, value = box[0]
        if not ok:
            raise value
        return value

    def until(self, predicate, timeout=WAIT):
        """Evaluates ``predicate`` on the poll thread until true (bounded); returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.call(predicate)
            if value or time.monotonic() >= deadline:
                return value
            time.sleep(0.01)


def ws_server(handler_options=None, server_options=None, echo=True, path="/ws"):
    """A server with an echoing websocket route at ``path`` (options passed to Websocket),
    a plain ``/`` route and a ``/slow`` one; returns ``(server, sockets, loop_factory)``."""
    server = Server(socket, **(server_options or {"max_connections": 32}))
    sockets = []
    holder = {}

    @server.route("/")
    def index(request):
        return Response(request, "plain")

    @server.route(path, [GET, POST])
    def upgrade(request):
        websocket = Websocket(request, **(handler_options or {}))
        sockets.append(websocket)
        loop = holder.get("loop")
        if loop is not None and not websocket.closed:
            loop.track(websocket, echo)
        return websocket

    loop = Loop(server)
    holder["loop"] = loop
    return server, sockets, loop


def pump(server, websocket=None, rounds=1):
    """Manual polling in the test thread; returns the first message ``websocket`` yields."""
    for _ in range(rounds):
        server.poll()
        if websocket is not None:
            message = websocket.receive(fail_silently=True)
            if message is not None:
                return message
    return None


def pump_until(server, predicate, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.poll()
        value = predicate()
        if value:
            return value
        time.sleep(0.002)
    return predicate()


# -- framing across TCP segments (W58, W59) --------------------------------------------------------


def _manual_server():
    server = Server(socket, max_connections=8)
    sockets = []

    @server.route("/ws")
    def upgrade(request):
        websocket = Websocket(request)
        sockets.append(websocket)
        return websocket

    server.start(HOST, 0)
    return server, sockets


def _connect_manual(server, sockets):
    client = RawWS(server.port, handshake=False)
    result = {}

    def shake():
        result["status"] = client.handshake()

    thread = threading.Thread(target=shake, daemon=True)
    thread.start()
    assert pump_until(server, lambda: not thread.is_alive()), "no handshake answer"
    thread.join(1)
    assert result["status"] == 101
    assert len(sockets) == 1
    return client, sockets[0]


def _receive_split(server, websocket, client, frame, cut, expected):
    client.send(frame[:cut])
    # The first part arrives and is consumed: nothing complete yet, nothing lost.
    deadline = time.monotonic() + 0.05
    while time.monotonic() < deadline:
        assert pump(server, websocket) is None, "message before its last byte (cut %d)" % cut
        time.sleep(0.002)
    client.send(frame[cut:])
    message = pump_until(server, lambda: websocket.receive(fail_silently=True))
    assert message == expected, "cut at byte %d: got %r" % (cut, message)
    assert not websocket.closed


def test_frame_split_at_every_byte_boundary():
    server, sockets = _manual_server()
    client = None
    try:
        client, websocket = _connect_manual(server, sockets)
        frame = client_frame(1, "hello")  # 2 header + 4 mask + 5 payload bytes
        for cut in range(1, len(frame)):
            _receive_split(server, websocket, client, frame, cut, "hello")
        # A 16-bit length (126) and a 64-bit one (127): every cut inside the header.
        medium = client_frame(2, bytes(range(256)) * 2)
        for cut in range(1, 10):
            _receive_split(server, websocket, client, medium, cut, bytes(range(256)) * 2)
        long_form = bytearray([0x82, 0x80 | 127]) + struct.pack(">Q", 3) + b"\x01\x02\x03\x04" + mask_bytes(
            b"xyz", b"\x01\x02\x03\x04"
        )
        for cut in range(1, len(long_form)):
            _receive_split(server, websocket, client, bytes(long_form), cut, b"xyz")
    finally:
        if client is not None:
            client.close()
        server.stop()


def test_frames_one_byte_at_a_time_with_polls_between():
    server, sockets = _manual_server()
    client = None
    try:
        client, websocket = _connect_manual(server, sockets)
        stream = client_frame(1, "first") + client_frame(9, b"p") + client_frame(2, b"\x00\xff" * 70)
        got = []
        for byte in stream:
            client.send(bytes([byte]))
            time.sleep(0.001)
            message = pump(server, websocket, rounds=2)
            if message is not None:
                got.append(message)

        def more():
            message = websocket.receive(fail_silently=True)
            if message is not None:
                got.append(message)
            return len(got) >= 2

        pump_until(server, more, 1)
        assert got == ["first", b"\x00\xff" * 70]
        client.sock.settimeout(WAIT)
        assert client.read_frame() == (True, 10, b"p")  # the ping was answered
    finally:
        if client is not None:
            client.close()
        server.stop()


def test_two_frames_in_one_segment_and_a_frame_in_the_handshake_packet():
    server, sockets = _manual_server()
    client = RawWS(server.port, handshake=False)
    try:
        # Handshake and first frame in one write: the early bytes must not be lost.
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % key
        ).encode()
        client.send(request + client_frame(1, "early") + client_frame(1, "second"))
        assert pump_until(server, lambda: sockets), "no websocket"
        websocket = sockets[0]
        got = []
        pump_until(server, lambda: got.append(websocket.receive(fail_silently=True)) or len([g for g in got if g]) >= 2)
        assert [g for g in got if g] == ["early", "second"]
    finally:
        client.close()
        server.stop()


# -- fragmentation, ping/pong, close codes ---------------------------------------------------------


def test_fragmented_message_with_an_interleaved_ping():
    server, sockets, loop = ws_server()
    with loop:
        client = RawWS(loop.port)
        try:
            assert client.status == 101
            client.send_frame(1, "ab", fin=False)
            client.send_frame(0, "cd", fin=False)
            client.send_frame(9, b"ping!")
            client.send_frame(0, "ef", fin=True)
            assert client.read_frame() == (True, 10, b"ping!")  # answered mid-message
            assert client.read_frame() == (True, 1, b"abcdef")
            # A binary message in 5 fragments, one of them empty.
            parts = [b"\x00\x01", b"", b"\x02", b"\x03\x04\x05", b"\xff"]
            for index, part in enumerate(parts):
                client.send_frame(2 if index == 0 else 0, part, fin=index == len(parts) - 1)
            assert client.read_frame() == (True, 2, b"".join(parts))
        finally:
            client.close()
        assert loop.received == ["abcdef", b"\x00\x01\x02\x03\x04\x05\xff"]
        assert not loop.errors


def test_ping_pong_both_ways():
    server, sockets, loop = ws_server({"ping_interval": 0.3, "ping_timeout": 0.5})
    with loop:
        client = RawWS(loop.port)
        try:
            client.send_frame(9, b"are you there")
            assert client.read_frame() == (True, 10, b"are you there")
            client.send_frame(10, b"unsolicited pong")  # ignored
            client.send_frame(1, "still fine")
            assert client.read_frame() == (True, 1, b"still fine")
            # Silence: the server pings; answering keeps the connection open.
            fin, opcode, payload = client.read_frame()
            assert (fin, opcode) == (True, 9)
            client.send_frame(10, payload)
            fin, opcode, payload = client.read_frame()
            assert (fin, opcode) == (True, 9), "a second ping after more silence"
            # No answer this time: the server gives up with 1001 and closes.
            frame = client.read_frame()
            assert frame[1] == 8
            assert struct.unpack(">H", frame[2][:2])[0] == 1001
            assert client.closed_by_peer()
        finally:
            client.close()
        assert loop.until(lambda: sockets[0].closed)
        assert not loop.errors


def test_client_close_1000_is_echoed_and_tcp_closed():
    server, sockets, loop = ws_server()
    with loop:
        client = RawWS(loop.port)
        try:
            client.send_frame(1, "hi")
            assert client.read_frame() == (True, 1, b"hi")
            client.send_frame(8, close_payload(1000, b"bye"))
            assert client.read_frame() == (True, 8, b"\x03\xe8bye")
            assert client.closed_by_peer()
        finally:
            client.close()
        assert loop.until(lambda: sockets[0].closed)
        # After the close: receive() says so, send_message() too (contract wording).
        assert loop.call(lambda: sockets[0].receive(fail_silently=True)) is None
        with pytest.raises(RuntimeError):
            loop.call(lambda: sockets[0].receive())
        with pytest.raises(RuntimeError):
            loop.call(lambda: sockets[0].send_message("late"))
        assert loop.call(lambda: sockets[0].send_message("late", fail_silently=True)) is None
        assert not loop.errors


@pytest.mark.parametrize("how", ["fin", "reset"])
def test_close_frame_then_immediate_disconnect(how):
    """The client sends its close frame and closes the socket at once (as many clients
    do): the server's loop (receive, then wait for activity) goes on serving."""
    server, sockets, loop = ws_server()
    with loop:
        for round_number in range(3):
            client = RawWS(loop.port)
            client.send_frame(1, "round %d" % round_number)
            assert client.read_frame() == (True, 1, b"round %d" % round_number)
            client.send_frame(8, close_payload(1000))
            if how == "reset":
                client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            assert loop.until(lambda: sockets[-1].closed)
        assert loop.until(lambda: not server._engine.clients)
        assert not loop.errors, loop.errors
        other = RawWS(loop.port)
        try:
            other.send_frame(1, "still serving")
            assert other.read_frame() == (True, 1, b"still serving")
        finally:
            other.close()


def test_empty_close_frame_gets_an_empty_close():
    server, sockets, loop = ws_server()
    with loop:
        client = RawWS(loop.port)
        try:
            client.send_frame(8, b"")
            assert client.read_frame() == (True, 8, b"")
            assert client.closed_by_peer()
        finally:
            client.close()
        assert not loop.errors


@pytest.mark.parametrize(
    "frames, code",
    [
        ([client_frame(8, close_payload(1005))], 1002),
        ([client_frame(8, close_payload(999))], 1002),
        ([client_frame(8, close_payload(1006, b"x"))], 1002),
        ([client_frame(8, close_payload(2999))], 1002),
        ([client_frame(8, b"\x03")], 1002),  # 1-byte close payload
        ([client_frame(1, b"caf\xc3")], 1007),  # ends inside a character
        ([client_frame(1, b"\xff\xfe")], 1007),
        ([client_frame(1, b"ok", fin=False), client_frame(0, b"\xed\xa0\x80")], 1007),  # surrogate
        ([client_frame(8, close_payload(1000, b"\xc3\x28"))], 1007),  # bad UTF-8 reason
        ([client_frame(2, b"x" * 2000)], 1009),
        ([client_frame(2, b"", length=1 << 40)], 1009),  # announced only: never read
        ([client_frame(1, "a" * 600, fin=False), client_frame(0, "b" * 600)], 1009),
        ([client_frame(9, b"", length=126)[:2] + b"\x00\x7e"], 1002),  # 126-byte ping
        ([client_frame(1, "x", masked=False)], 1002),
        ([client_frame(1, "x", rsv=0x40)], 1002),
        ([client_frame(3, "x")], 1002),  # reserved opcode
        ([client_frame(0, "x")], 1002),  # continuation with no message
        ([client_frame(1, "a", fin=False), client_frame(1, "b")], 1002),
        ([client_frame(9, "p", fin=False)], 1002),  # fragmented control frame
    ],
)
def test_protocol_errors_get_the_right_close_code(frames, code):
    server, sockets, loop = ws_server({"max_message_size": 1024})
    with loop:
        client = RawWS(loop.port)
        try:
            for frame in frames:
                client.send(frame)
            payload = client.read_close()
            assert len(payload) >= 2, payload
            assert struct.unpack(">H", payload[:2])[0] == code, payload
            assert client.closed_by_peer()
        finally:
            client.close()
        assert loop.until(lambda: sockets[0].closed)
        assert not loop.errors
        # The server still serves others.
        other = RawWS(loop.port)
        try:
            other.send_frame(1, "next")
            assert other.read_frame() == (True, 1, b"next")
        finally:
            other.close()


def test_server_close_with_code_and_long_reason():
    server, sockets, loop = ws_server(echo=False)
    with loop:
        client = RawWS(loop.port)
        try:
            reason = "é" * 100  # 200 bytes: cut on a character boundary
            loop.call(lambda: sockets[0].close(4000, reason))
            payload = client.read_close()
            assert struct.unpack(">H", payload[:2])[0] == 4000
            assert len(payload) <= 125
            text = payload[2:].decode("utf-8")  # never a split character (W66)
            assert text and set(text) == {"é"}
            client.send_frame(8, close_payload(4000))
            assert client.closed_by_peer()
        finally:
            client.close()
        assert loop.call(lambda: sockets[0].closed)
        assert not loop.errors


# -- disconnects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["reset", "fin"])
def test_disconnect_without_close_frame(how):
    server, sockets, loop = ws_server(echo=False)
    with loop:
        client = RawWS(loop.port)
        client.send_frame(1, "before")
        assert loop.until(lambda: sockets and sockets[0].receive(fail_silently=True)) == "before"
        if how == "reset":
            client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        websocket = sockets[0]

        def check():
            assert websocket.receive(fail_silently=True) is None  # never raises
            return websocket.closed

        assert loop.until(check), "closed never became True"
        assert loop.call(lambda: websocket.receive(fail_silently=True)) is None
        assert loop.call(lambda: websocket.send_message("gone", fail_silently=True)) is None
        assert loop.until(lambda: not server._engine.clients)
        assert not loop.errors


@pytest.mark.parametrize("how", ["reset", "fin"])
def test_disconnect_noticed_by_send_only_server(how):
    """A server that only sends (never calls receive) still notices the client leaving."""
    server, sockets, loop = ws_server(echo=False)
    with loop:
        client = RawWS(loop.port)
        loop.call(lambda: sockets[0].send_message("tick"))
        assert client.read_frame() == (True, 1, b"tick")
        if how == "reset":
            client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        websocket = sockets[0]
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and not loop.call(lambda: websocket.closed):
            loop.call(lambda: websocket.send_message("tick" * 100, fail_silently=True))
            time.sleep(0.01)
        assert loop.call(lambda: websocket.closed)
        assert not loop.errors


def test_client_that_stops_reading_never_blocks_poll():
    server, sockets, loop = ws_server(echo=False)
    with loop:
        lazy = socket.create_connection((HOST, loop.port), timeout=WAIT)
        lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client = RawWS(loop.port, handshake=False)
        client.sock.close()
        client.sock = lazy
        client.handshake()
        websocket = sockets[0]
        big = b"\xab" * 65536
        slowest = 0.0
        sent = 0
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline and not loop.call(lambda: websocket.closed):
                started = time.monotonic()
                loop.call(lambda: websocket.send_message(big, fail_silently=True))
                slowest = max(slowest, time.monotonic() - started)
                sent += 1
                if sent % 20 == 0:
                    # Others are still served meanwhile.
                    with socket.create_connection((HOST, loop.port), timeout=WAIT) as other:
                        other.sendall(request_bytes("GET", "/"))
                        assert ResponseReader(other).read().body == b"plain"
            assert loop.call(lambda: websocket.closed), "the non-reading client was never dropped"
            assert slowest < 2.0, "send_message blocked the poll thread for %.1f s" % slowest
            with pytest.raises(RuntimeError):
                loop.call(lambda: websocket.send_message(big))
        finally:
            lazy.close()
        assert loop.until(lambda: not server._engine.clients)
        assert not loop.errors
        print("\nnon-reading client dropped after %d messages of 64 KiB" % sent)


# -- handshakes ---------------------------------------------------------------------------------------


def _raw_handshake(port, method="GET", path="/ws", **overrides):
    fields = {
        "Host": HOST,
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    for name, value in overrides.items():
        fields[name.replace("_", "-")] = value
    lines = ["%s %s HTTP/1.1" % (method, path)] + ["%s: %s" % (k, v) for k, v in fields.items() if v is not None]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection((HOST, port), timeout=WAIT) as sock:
        sock.sendall(data)
        return ResponseReader(sock).read()


def test_handshake_101_exact_headers():
    server, sockets, loop = ws_server()
    with loop:
        answer = _raw_handshake(loop.port, **{"Connection": "keep-alive, Upgrade", "Upgrade": "WebSocket"})
        assert answer.status == 101
        assert answer.reason == "Switching Protocols"
        assert answer.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        assert answer.header("Upgrade").lower() == "websocket"
        assert answer.header("Connection").lower() == "upgrade"
        assert answer.header("Content-Type") is None  # W57: no "content-type: None"
        assert all(value != "None" for _, value in answer.headers), answer.headers
        assert answer.header("Content-Length") is None
        assert not loop.errors


@pytest.mark.parametrize(
    "method, overrides, status, header",
    [
        ("GET", {"Sec-WebSocket-Key": None}, 400, None),
        ("GET", {"Sec-WebSocket-Key": ""}, 400, None),
        ("GET", {"Sec-WebSocket-Key": "c2hvcnQ="}, 400, None),  # 5 bytes, not 16
        ("GET", {"Sec-WebSocket-Version": "8"}, 426, ("Sec-WebSocket-Version", "13")),
        ("GET", {"Sec-WebSocket-Version": None}, 426, ("Sec-WebSocket-Version", "13")),
        ("GET", {"Upgrade": None}, 426, ("Upgrade", "websocket")),
        ("GET", {"Connection": "keep-alive"}, 426, ("Upgrade", "websocket")),
        ("POST", {"Content-Length": "0"}, 400, None),
    ],
)
def test_handshake_errors_are_answered(method, overrides, status, header):
    server, sockets, loop = ws_server()
    with loop:
        answer = _raw_handshake(loop.port, method=method, **overrides)
        assert answer.status == status, (answer.status, answer.body)
        if header is not None:
            assert answer.header(header[0]) == header[1], answer.headers
        assert answer.header("Sec-WebSocket-Accept") is None
        assert not loop.errors, loop.errors  # W56: nothing raised out of poll()
        assert loop.call(lambda: all(ws.closed for ws in sockets))
        # still serving
        with socket.create_connection((HOST, loop.port), timeout=WAIT) as sock:
            sock.sendall(request_bytes("GET", "/"))
            assert ResponseReader(sock).read().body == b"plain"


def test_subprotocol_selection():
    server, sockets, loop = ws_server({"subprotocols": ["chat.v2", "chat.v1"]})
    with loop:
        url = "ws://%s:%d/ws" % (HOST, loop.port)
        with ws_sync.connect(url, subprotocols=["chat.v1", "chat.v2"], open_timeout=WAIT) as ws:
            assert ws.subprotocol == "chat.v2"  # the server's preference wins
            ws.send("x")
            assert ws.recv(WAIT) == "x"
        with ws_sync.connect(url, subprotocols=["chat.v1"], open_timeout=WAIT) as ws:
            assert ws.subprotocol == "chat.v1"
        with ws_sync.connect(url, open_timeout=WAIT) as ws:
            assert ws.subprotocol is None
        answer = _raw_handshake(loop.port, **{"Sec-WebSocket-Protocol": "mqtt, other"})
        assert answer.status == 101
        assert answer.header("Sec-WebSocket-Protocol") is None
        assert [ws.subprotocol for ws in sockets] == ["chat.v2", "chat.v1", None, None]
        assert not loop.errors


# -- many clients -----------------------------------------------------------------------------------


def test_twenty_websockets_clients_and_plain_gets_meanwhile():
    server, sockets, loop = ws_server(server_options={"max_connections": 32})
    with loop:
        url = "ws://%s:%d/ws" % (HOST, loop.port)
        failures = []
        barrier = threading.Barrier(21, timeout=WAIT * 2)

        def client(number):
            try:
                with ws_sync.connect(url, open_timeout=WAIT * 2, close_timeout=WAIT) as ws:
                    barrier.wait()  # all 20 are connected at once
                    for turn in range(5):
                        text = "client %d message %d" % (number, turn)
                        ws.send(text)
                        assert ws.recv(WAIT * 2) == text
                    ws.send(bytes([number]) * 3000)
                    assert ws.recv(WAIT * 2) == bytes([number]) * 3000
                    barrier.wait()
            except Exception as error:  # pylint: disable=broad-except
                failures.append((number, repr(error)))
                barrier.abort()

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(20)]
        for thread in threads:
            thread.start()
        try:
            barrier.wait()
            connected = loop.call(lambda: len([c for c in server._engine.clients]))
            assert connected >= 20
            for _ in range(10):
                with socket.create_connection((HOST, loop.port), timeout=WAIT) as sock:
                    sock.sendall(request_bytes("GET", "/"))
                    assert ResponseReader(sock).read().body == b"plain"
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        for thread in threads:
            thread.join(WAIT * 3)
        assert not failures, failures
        assert len(sockets) == 20
        assert loop.until(lambda: all(ws.closed for ws in sockets))
        assert not loop.errors


# -- asyncio -----------------------------------------------------------------------------------------


def test_receive_async_wakes_on_a_message():
    server = Server(socket, max_connections=8)
    sockets = []

    @server.route("/ws")
    def upgrade(request):
        websocket = Websocket(request)
        sockets.append(websocket)
        return websocket

    async def serve(stop):
        while not stop.is_set():
            server.poll()
            await asyncio.sleep(0.005)

    def client_thread(port, results):
        with ws_sync.connect("ws://%s:%d/ws" % (HOST, port), open_timeout=WAIT) as ws:
            time.sleep(0.3)  # the server task is parked in receive_async by now
            ws.send("wake up")
            results.append(ws.recv(WAIT))
            ws.send(b"\x01\x02")
            ws.send("third")
            results.append(ws.recv(WAIT))
            time.sleep(0.3)
        results.append("client closed")

    async def main():
        stop = asyncio.Event()
        poller = asyncio.create_task(serve(stop))
        results = []
        thread = threading.Thread(target=client_thread, args=(server.port, results), daemon=True)
        thread.start()
        try:
            for _ in range(500):
                if sockets:
                    break
                await asyncio.sleep(0.01)
            websocket = sockets[0]
            # Nothing yet: a timeout returns None.
            assert await asyncio.wait_for(websocket.receive_async(timeout=0.05), WAIT) is None
            first = await asyncio.wait_for(websocket.receive_async(), WAIT)
            assert first == "wake up"
            websocket.send_message("got " + first)
            seen = []
            async for message in websocket:  # ends when the client closes
                seen.append(message)
                if message == "third":
                    websocket.send_message("done")
                if len(seen) > 10:
                    break
            assert seen == [b"\x01\x02", "third"]
            assert websocket.closed
            assert await asyncio.wait_for(websocket.receive_async(), WAIT) is None
        finally:
            stop.set()
            await asyncio.wait_for(poller, WAIT)
            thread.join(WAIT)
        return results

    server.start(HOST, 0)
    try:
        results = asyncio.run(asyncio.wait_for(main(), 20))
    finally:
        server.stop()
    assert results == ["got wake up", "done", "client closed"]


def test_receive_async_returns_when_the_server_stops():
    """A task parked in ``receive_async()`` must not hang forever when ``server.stop()``
    closes its connection (W55 for asyncio users)."""
    server = Server(socket, max_connections=8)
    sockets = []

    @server.route("/ws")
    def upgrade(request):
        websocket = Websocket(request)
        sockets.append(websocket)
        return websocket

    async def main(port):
        client = await asyncio.get_running_loop().run_in_executor(None, lambda: RawWS(port, handshake=False))
        shake = asyncio.get_running_loop().run_in_executor(None, client.handshake)
        try:
            for _ in range(500):
                server.poll()
                if sockets:
                    break
                await asyncio.sleep(0.01)
            await shake
            waiter = asyncio.create_task(sockets[0].receive_async())
            await asyncio.sleep(0.1)
            server.stop()
            return await asyncio.wait_for(waiter, 3)
        finally:
            client.close()

    server.start(HOST, 0)
    try:
        result = asyncio.run(main(server.port))
    except asyncio.TimeoutError:
        pytest.fail("receive_async() still waiting 3 s after server.stop() closed its connection")
    finally:
        server.stop()
    assert result is None
    assert sockets[0].closed


def test_receive_async_returns_when_the_connection_is_dropped():
    """A task parked in ``receive_async()`` must wake when another task's
    ``send_message`` makes the server drop a client that stopped reading."""
    server = Server(socket, max_connections=8)
    sockets = []

    @server.route("/ws")
    def upgrade(request):
        websocket = Websocket(request)
        sockets.append(websocket)
        return websocket

    async def main(port):
        running = asyncio.get_running_loop()
        lazy = await running.run_in_executor(None, lambda: RawWS(port, handshake=False))
        lazy.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        shake = running.run_in_executor(None, lazy.handshake)
        try:
            for _ in range(500):
                server.poll()
                if sockets:
                    break
                await asyncio.sleep(0.01)
            await shake
            websocket = sockets[0]
            waiter = asyncio.create_task(websocket.receive_async())
            big = b"\x00" * 65536
            for _ in range(2000):  # until the server gives up on the client
                websocket.send_message(big, fail_silently=True)
                server.poll()
                await asyncio.sleep(0)
                if websocket.closed:
                    break
            assert websocket.closed
            return await asyncio.wait_for(waiter, 3)
        finally:
            lazy.close()

    server.start(HOST, 0)
    try:
        result = asyncio.run(main(server.port))
    except asyncio.TimeoutError:
        pytest.fail("receive_async() still waiting 3 s after its connection was dropped")
    finally:
        server.stop()
    assert result is None


# -- Server-Sent Events --------------------------------------------------------------------------------


class SSEReader:
    """A raw-socket EventSource: reads the head, then yields events as dicts."""

    def __init__(self, port, path="/events"):
        self.sock = socket.create_connection((HOST, port), timeout=WAIT)
        self.sock.sendall(request_bytes("GET", path, {"Accept": "text/event-stream"}))
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def raw_until(self, marker):
        while marker not in self.buffer:
            self._more()
        data, _, self.buffer = self.buffer.partition(marker)
        return data + marker

    def event(self):
        """The next dispatched event, parsed the way EventSource does (comments skipped)."""
        while True:
            block = self.raw_until(b"\n\n")[:-2].decode("utf-8")
            fields = {"data": []}
            for line in block.split("\n"):
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data":
                    fields["data"].append(value)
                else:
                    fields[name] = value
            if block and not all(line.startswith(":") for line in block.split("\n")):
                fields["data"] = "\n".join(fields["data"])
                return fields

    def eof(self, timeout=WAIT):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def sse_server(server_options=None):
    server = Server(socket, **(server_options or {"max_connections": 32}))
    streams = []

    @server.route("/events")
    def events(request):
        stream = SSEResponse(request)
        streams.append(stream)
        return stream

    @server.route("/")
    def index(request):
        return Response(request, "plain")

    return server, streams, Loop(server)


def test_sse_handshake_and_wire_format():
    server, streams, loop = sse_server()
    with loop:
        reader = SSEReader(loop.port)
        try:
            assert reader.status == 200
            assert reader.headers["content-type"] == "text/event-stream"
            assert reader.headers["cache-control"] == "no-cache"
            assert "content-length" not in reader.headers
            assert "transfer-encoding" not in reader.headers
            stream = streams[0]
            assert loop.call(lambda: stream.send_event("line 1\nline 2\r\nline 3\rline 4", event="multi"))
            assert reader.raw_until(b"\n\n") == b"data: line 1\ndata: line 2\ndata: line 3\ndata: line 4\nevent: multi\n\n"
            assert loop.call(lambda: stream.send_event("zero", id=0, retry=0))
            assert reader.raw_until(b"\n\n") == b"data: zero\nid: 0\nretry: 0\n\n"
            assert loop.call(lambda: stream.send_event("x", custom_fields={"foo": "bar"}))
            assert reader.raw_until(b"\n\n") == b"data: x\nfoo: bar\n\n"
            assert loop.call(lambda: stream.send_comment("heartbeat"))
            assert reader.raw_until(b"\n\n") == b": heartbeat\n\n"
            assert loop.call(lambda: stream.send_comment())
            assert reader.raw_until(b"\n\n") == b": \n\n"
            assert loop.call(lambda: stream.send_event("", event="empty"))
            assert reader.event() == {"data": "", "event": "empty"}
            assert loop.call(lambda: stream.send_event("ünïcode ✓"))
            assert reader.event()["data"] == "ünïcode ✓"
            with pytest.raises(ValueError):
                loop.call(lambda: stream.send_event("x", event="two\nlines"))
            loop.call(stream.close)
            tail = reader.buffer + reader.raw_until(b"\n\n")
            assert tail.endswith(b"event: close\ndata:\n\n"), tail
            assert reader.eof()
            assert loop.call(lambda: stream.closed)
            assert loop.call(lambda: stream.send_event("after close")) is False
            loop.call(stream.close)  # again: nothing happens
        finally:
            reader.close()
        assert not loop.errors


def test_sse_close_event_is_dispatchable():
    """The close event parses as a complete EventSource event named "close"."""
    server, streams, loop = sse_server()
    with loop:
        reader = SSEReader(loop.port)
        try:
            loop.call(lambda: streams[0].send_event("last", id=9))
            loop.call(streams[0].close)
            assert reader.event() == {"data": "last", "id": "9"}
            assert reader.event() == {"data": "", "event": "close"}
            assert reader.eof()
        finally:
            reader.close()


@pytest.mark.parametrize("how", ["reset", "fin"])
def test_sse_disconnected_client_send_event_returns_false(how):
    server, streams, loop = sse_server()
    with loop:
        reader = SSEReader(loop.port)
        stream = streams[0]
        assert loop.call(lambda: stream.send_event("hello"))
        assert reader.event()["data"] == "hello"
        if how == "reset":
            reader.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reader.close()
        results = []
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            result = loop.call(lambda: stream.send_event("x" * 1000))  # W54: never raises
            results.append(result)
            if result is False:
                break
            time.sleep(0.01)
        assert results[-1] is False, results[-5:]
        assert loop.call(lambda: stream.closed)
        assert loop.call(lambda: stream.send_comment()) is False
        assert loop.until(lambda: not server._engine.clients)
        assert not loop.errors


def test_sse_many_clients_and_broadcast_prunes():
    server, streams, loop = sse_server()
    with loop:
        readers = [SSEReader(loop.port) for _ in range(6)]
        try:
            assert loop.until(lambda: len(streams) == 6)
            assert loop.call(lambda: broadcast(streams, "to all", event="tick", id=1)) == 6
            for reader in readers:
                assert reader.event() == {"data": "to all", "event": "tick", "id": "1"}
            # Meanwhile, plain requests are answered.
            with socket.create_connection((HOST, loop.port), timeout=WAIT) as sock:
                sock.sendall(request_bytes("GET", "/"))
                assert ResponseReader(sock).read().body == b"plain"
            # Two leave (one resets, one closes); one is closed by the server.
            readers[0].sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            readers[0].close()
            readers[1].close()
            loop.call(streams[5].close)
            deadline = time.monotonic() + WAIT
            count = None
            while time.monotonic() < deadline:
                count = loop.call(lambda: broadcast(streams, "multi\nline"))
                if count == 3 and len(streams) == 3:
                    break
                time.sleep(0.02)
            assert count == 3 and loop.call(lambda: len(streams)) == 3
            for reader in readers[2:5]:
                seen = reader.event()
                while seen["data"] != "multi\nline":
                    seen = reader.event()
            assert readers[5].event() == {"data": "", "event": "close"}
            assert readers[5].eof()
        finally:
            for reader in readers:
                reader.close()
        assert not loop.errors


def test_stop_closes_streams_and_websockets():
    server = Server(socket, max_connections=16)
    streams, sockets = [], []

    @server.route("/events")
    def events(request):
        stream = SSEResponse(request)
        streams.append(stream)
        return stream

    @server.route("/ws")
    def upgrade(request):
        websocket = Websocket(request)
        sockets.append(websocket)
        return websocket

    loop = Loop(server)
    with loop:
        readers = [SSEReader(loop.port) for _ in range(2)]
        clients = [RawWS(loop.port) for _ in range(2)]
        try:
            assert loop.until(lambda: len(streams) == 2 and len(sockets) == 2)
            loop.call(lambda: broadcast(streams, "before stop"))
            for reader in readers:
                assert reader.event()["data"] == "before stop"
            loop.call(server.stop)
            for reader in readers:
                assert reader.eof(), "SSE client still connected after stop()"
            for client in clients:
                data = b""
                client.sock.settimeout(WAIT)
                try:
                    while True:
                        chunk = client.sock.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except ConnectionResetError:
                    pass
                # Either a close frame (1001 going away) or just TCP EOF; never left open.
                if data:
                    assert data[0] == 0x88, data
            assert loop.call(lambda: all(s.closed for s in streams))
            assert loop.call(lambda: all(w.closed for w in sockets))
            assert loop.call(lambda: streams[0].send_event("after stop")) is False
            assert loop.call(lambda: sockets[0].send_message("after", fail_silently=True)) is None
            assert loop.call(lambda: sockets[0].receive(fail_silently=True)) is None
        finally:
            for reader in readers:
                reader.close()
            for client in clients:
                client.close()
        assert not loop.errors


def test_receive_async_with_the_in_memory_socket_pool():
    """``adafruit_httpserver.testing.SocketPool`` sockets are CircuitPython-like (no
    ``fileno``): ``receive_async`` must still work there on CPython (re-checking, as on
    CircuitPython), so users can test their asyncio websocket code without a network."""
    from adafruit_httpserver.testing import SocketPool, TestClient  # pylint: disable=import-outside-toplevel

    server = Server(SocketPool())
    sockets = []

    @server.route("/ws")
    def upgrade(request):
        websocket = Websocket(request)
        sockets.append(websocket)
        return websocket

    client = TestClient(server)
    connection = client.connect()
    connection.send(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert connection.read_response(head=True).status == 101

    async def main():
        assert await asyncio.wait_for(sockets[0].receive_async(timeout=0.05), WAIT) is None
        connection.send(client_frame(1, "in memory"))
        return await asyncio.wait_for(sockets[0].receive_async(timeout=2), WAIT)

    try:
        assert asyncio.run(main()) == "in memory"
    finally:
        server.stop()


def test_sse_event_sent_inside_the_handler_is_not_a_silent_dead_stream():
    """Calling ``send_event`` in the handler, before the response is returned (the headers
    are not sent yet), must not leave a stream that is ``closed`` on our side while its
    connection stays open with headers only: the event is either delivered after the
    headers, or the client is told (the connection closes)."""
    server = Server(socket, max_connections=8)
    early = []
    streams = []

    @server.route("/events")
    def events(request):
        stream = SSEResponse(request)
        early.append(stream.send_event("early"))
        streams.append(stream)
        return stream

    with Loop(server) as loop:
        reader = SSEReader(loop.port)
        try:
            assert reader.status == 200
            reader.sock.settimeout(2)
            try:
                outcome = reader.event()
            except (EOFError, ConnectionResetError):
                outcome = "closed"
            except socket.timeout:
                outcome = "nothing"
            stream_closed = loop.call(lambda: streams[0].closed)
            open_connections = loop.call(lambda: len(server._engine.clients))
        finally:
            reader.close()
    assert outcome == "closed" or outcome == {"data": "early"}, (
        "early send_event returned %r, stream.closed=%r, yet the client got %r with %d connection(s) "
        "still open on the server" % (early, stream_closed, outcome, open_connections)
    )


def test_websocket_message_sent_inside_the_handler_is_not_a_silent_dead_connection():
    """The same for ``send_message(..., fail_silently=True)`` in the handler (a "welcome"
    message): delivered after the 101, or the connection is closed; never a 101 followed
    by a connection that nobody serves while ``closed`` is True on our side."""
    server = Server(socket, max_connections=8)
    sockets = []

    @server.route("/ws")
    def upgrade(request):
        websocket = Websocket(request)
        websocket.send_message("welcome", fail_silently=True)
        sockets.append(websocket)
        return websocket

    with Loop(server) as loop:
        client = RawWS(loop.port)
        try:
            assert client.status == 101
            client.sock.settimeout(2)
            try:
                outcome = client.read_frame()
            except (EOFError, ConnectionResetError):
                outcome = "closed"
            except socket.timeout:
                outcome = "nothing"
            ws_closed = loop.call(lambda: sockets[0].closed)
            open_connections = loop.call(lambda: len(server._engine.clients))
        finally:
            client.close()
    closing = isinstance(outcome, tuple) and outcome[1] == 8
    assert outcome == "closed" or outcome == (True, 1, b"welcome") or closing, (
        "websocket.closed=%r, yet the client got %r with %d connection(s) still open on the server"
        % (ws_closed, outcome, open_connections)
    )
