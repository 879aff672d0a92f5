"""The Server-Sent Events and WebSocket examples, run as subprocesses and checked with real
clients: raw-socket EventSource readers and the ``websockets`` sync client.

The examples are CircuitPython programs; ``tests/example_stubs`` stands in for the board
modules (``PYTHONPATH`` = repo root + stubs, see ``test_examples.run_example``). Every
process is stopped by its PID in ``finally``; every wait is bounded."""

import contextlib
import json
import os
import socket
import time

import pytest

from helpers import ResponseReader, request_bytes
from test_examples import EXAMPLES, run_example
from test_websocket_real import SSEReader

ws_sync = pytest.importorskip("websockets.sync.client")
requests = pytest.importorskip("requests")

WAIT = 10.0


def _get(port, path="/"):
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(request_bytes("GET", path))
        return ResponseReader(sock, WAIT).read()


def _readings(reader, count):
    """The next ``count`` "reading" events of ``reader`` (comments skipped)."""
    found = []
    for _ in range(count * 10):
        event = reader.event()
        if event.get("event") == "reading":
            found.append((int(event["id"]), json.loads(event["data"])))
            if len(found) == count:
                break
    return found


def test_examples_exist_and_are_listed():
    with open(os.path.join(os.path.dirname(EXAMPLES), "docs", "examples.md"), encoding="utf-8") as file:
        docs = file.read()
    for name in ("httpserver_sse.py", "httpserver_websocket.py", "httpserver_websocket_echo.py"):
        assert os.path.isfile(os.path.join(EXAMPLES, name)), name
        assert "`%s`" % name in docs, name


# -- httpserver_sse.py ----------------------------------------------------------------------------


def test_sse_dashboard_many_clients():
    env = {"HEARTBEAT_INTERVAL": "0.4", "MAX_CONNECTIONS": "16"}
    with run_example("httpserver_sse.py", env=env) as example:
        port = example.ports[0]
        page = _get(port, "/")
        assert page.status == 200
        assert page.header("Content-Type").startswith("text/html")
        assert b'new EventSource("/events")' in page.body

        readers = [SSEReader(port) for _ in range(12)]
        try:
            for reader in readers:
                assert reader.status == 200
                assert reader.headers["content-type"] == "text/event-stream"
            # Every client gets consecutive readings, the same ones, once a second.
            first = [_readings(reader, 2) for reader in readers]
            for readings in first:
                (id1, data1), (id2, data2) = readings
                assert id2 == id1 + 1
                assert data1 == {"temperature": 42.5, "counter": id1}
                assert data2["counter"] == id2
            assert len({readings[1][0] for readings in first}) <= 2  # all in step (±1 s)

            # Heartbeats: comment lines between events.
            raw = readers[0].raw_until(b": heartbeat\n\n")
            assert raw.endswith(b": heartbeat\n\n")

            # Plain requests are answered while 12 streams are open.
            assert _get(port, "/").status == 200

            # Half of the clients leave (some abruptly); the rest keep receiving.
            for index, reader in enumerate(readers[:6]):
                if index % 2:
                    reader.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                reader.close()
            time.sleep(1.5)
            for reader in readers[6:]:
                readings = _readings(reader, 2)
                assert readings[1][0] == readings[0][0] + 1
            # ... and newcomers are admitted in the freed slots.
            late = SSEReader(port)
            readers.append(late)
            assert _readings(late, 1)[0][1]["temperature"] == 42.5
            assert example.process.poll() is None
        finally:
            for reader in readers:
                reader.close()
    assert "Traceback" not in example.output(), example.output()


def test_sse_dashboard_in_a_browser_like_session_with_requests():
    """``requests`` with ``stream=True`` reads the stream the way a client library would."""
    with run_example("httpserver_sse.py") as example:
        with requests.get(example.url("/events"), stream=True, timeout=WAIT) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-cache"
            lines = []
            deadline = time.monotonic() + WAIT
            for line in response.iter_lines(decode_unicode=True):
                lines.append(line)
                if sum(1 for item in lines if item.startswith("data: ")) >= 2 or time.monotonic() > deadline:
                    break
        data = [json.loads(item[6:]) for item in lines if item.startswith("data: ")]
        assert len(data) == 2 and data[1]["counter"] == data[0]["counter"] + 1
        assert "event: reading" in lines
    assert "Traceback" not in example.output()


# -- httpserver_websocket.py ----------------------------------------------------------------------


def _state(ws):
    return json.loads(ws.recv(WAIT))


def _state_until(ws, predicate, limit=20):
    for _ in range(limit):
        state = _state(ws)
        if predicate(state):
            return state
    raise AssertionError("no matching state")


def test_websocket_remote_keeps_clients_in_sync():
    with run_example("httpserver_websocket.py") as example:
        port = example.ports[0]
        page = _get(port, "/")
        assert page.status == 200
        assert b'new WebSocket("ws://" + location.host + "/ws")' in page.body
        url = "ws://127.0.0.1:%d/ws" % port
        with ws_sync.connect(url, open_timeout=WAIT) as first:
            assert _state(first) == {"color": "#000000", "clients": 1}
            with ws_sync.connect(url, open_timeout=WAIT) as second:
                assert _state(second) == {"color": "#000000", "clients": 2}
                assert _state(first)["clients"] == 2

                first.send(json.dumps({"color": "#FF8000"}))
                assert _state(second) == {"color": "#ff8000", "clients": 2}
                assert _state(first) == {"color": "#ff8000", "clients": 2}
                assert example.get("/state").json() == {"color": "#ff8000", "clients": 2, "pixel": [255, 128, 0]}

                second.send(json.dumps({"color": "#102030"}))
                assert _state(first)["color"] == "#102030"
                assert _state(second)["color"] == "#102030"

                # A bad message is answered to its sender only.
                second.send("not json")
                assert "error" in _state(second)
                second.send(json.dumps({"color": "red"}))
                assert "error" in _state(second)
                assert example.get("/state").json()["pixel"] == [16, 32, 48]

                # Meanwhile: a handshake that is not one is refused, not a crash.
                refused = example.get("/ws")
                assert refused.status_code == 426
            # The second page left: the first one hears about it.
            assert _state_until(first, lambda s: s["clients"] == 1)["color"] == "#102030"
            # An abrupt disconnect is noticed too.
            raw = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
            try:
                raw.sendall(
                    b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                )
                assert _state_until(first, lambda s: s["clients"] == 2)
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            finally:
                raw.close()
            assert _state_until(first, lambda s: s["clients"] == 1)
            assert example.get("/state").json()["clients"] == 1
        assert example.process.poll() is None
    assert "Traceback" not in example.output(), example.output()


def test_websocket_remote_many_clients():
    with run_example("httpserver_websocket.py", env={"MAX_CONNECTIONS": "16"}) as example:
        url = "ws://127.0.0.1:%d/ws" % example.ports[0]
        sockets = []
        with contextlib.ExitStack() as stack:
            for _ in range(10):
                sockets.append(stack.enter_context(ws_sync.connect(url, open_timeout=WAIT)))
            for ws in sockets:
                _state_until(ws, lambda s: s["clients"] == 10)
            sockets[3].send(json.dumps({"color": "#00ff00"}))
            for ws in sockets:
                assert _state_until(ws, lambda s: s["color"] == "#00ff00")["clients"] == 10
            assert example.get("/state").json()["pixel"] == [0, 255, 0]
        assert example.process.poll() is None
    assert "Traceback" not in example.output()


def test_websocket_echo_example():
    with run_example("httpserver_websocket_echo.py", args=["{port}", "100000"], port_env=False) as example:
        url = "ws://127.0.0.1:%d/echo" % example.ports[0]
        assert "ws://" in example.get("/").text
        with ws_sync.connect(url, open_timeout=WAIT, max_size=None) as ws:
            for message in ("hi", b"\x00\x01", "é" * 1000, bytes(range(256)) * 300):
                ws.send(message)
                assert ws.recv(WAIT) == message
        # Clients that send their close frame and disconnect at once (FIN or reset).
        for linger in (False, True, False):
            raw = socket.create_connection(("127.0.0.1", example.ports[0]), timeout=WAIT)
            try:
                raw.sendall(
                    b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                )
                head = b""
                while b"\r\n\r\n" not in head:
                    head += raw.recv(4096)
                assert head.startswith(b"HTTP/1.1 101")
                raw.sendall(b"\x88\x82\x00\x00\x00\x00\x03\xe8")  # close 1000, mask 0
                if linger:
                    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            finally:
                raw.close()
            time.sleep(0.1)
        assert example.process.poll() is None, example.output()
        with ws_sync.connect(url, open_timeout=WAIT) as ws:
            ws.send("still there")
            assert ws.recv(WAIT) == "still there"
    assert "Traceback" not in example.output(), example.output()
