"""Zero-copy file bodies on CPython (``os.sendfile``, ``adafruit_httpserver/_sendfile.py``)
over real sockets on 127.0.0.1, and the read-and-send fallback where sendfile cannot be
used: TLS, the in-memory sockets of ``adafruit_httpserver.testing``, or a sendfile that
refuses on its first call. A spy on ``os.sendfile`` shows which way the bytes went."""

import errno
import hashlib
import http.client
import os
import socket
import ssl

import pytest

from adafruit_httpserver import FileResponse, Request, Server
from adafruit_httpserver.testing import SocketPool, TestClient

from helpers import connect, recv_all, running_server, wait_until

SIZE = 6 * 1024 * 1024 + 12345  # several MB, not a multiple of any buffer size


@pytest.fixture(name="root", scope="module")
def root_fixture(tmp_path_factory):
    root = tmp_path_factory.mktemp("sendfile")
    data = os.urandom(SIZE)
    (root / "big.bin").write_bytes(data)
    (root / "packed.js").write_bytes(b"// not sent: a gzip-accepting client gets packed.js.gz\n")
    (root / "packed.js.gz").write_bytes(data[: SIZE // 2])  # any bytes do: nobody decodes them
    (root / "index.html").write_bytes(b"<h1>home</h1>")
    return root, data


@pytest.fixture(name="spy")
def spy_fixture(monkeypatch):
    """Records ``(offset, count, sent)`` for every ``os.sendfile`` call; ``sent`` is None
    when the socket was full."""
    calls = []
    real = os.sendfile

    def sendfile(out_fd, in_fd, offset, count):
        try:
            sent = real(out_fd, in_fd, offset, count)
        except BlockingIOError:
            calls.append((offset, count, None))
            raise
        calls.append((offset, count, sent))
        return sent

    monkeypatch.setattr(os, "sendfile", sendfile)
    return calls


def sha(data):
    return hashlib.sha256(data).hexdigest()


def fetch(server, path, headers=None, method="GET"):
    """``(status, headers, body)`` over a fresh connection, the body as sent (no decoding)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response, response.read()
    finally:
        conn.close()


def sent_total(calls):
    return sum(sent or 0 for _, _, sent in calls)


def recorded(calls, total):
    """Waits until the spy has recorded ``total`` bytes: the client may read the last bytes
    before the server thread, back from ``os.sendfile``, has noted the call."""
    return wait_until(lambda: sent_total(calls) >= total)


def assert_one_pass(calls, start, count):
    """The calls sent ``count`` bytes from ``start``, each resuming where the last stopped."""
    recorded(calls, count)
    position = start
    for offset, _, sent in calls:
        assert offset == position
        position += sent or 0
    assert position == start + count


def test_a_large_download_goes_through_sendfile_byte_exact(root, spy):
    folder, data = root
    server = Server(socket, str(folder))
    per_poll = []  # body bytes sent by each poll()
    poll = server.poll

    def counted_poll():
        first = len(spy)
        try:
            return poll()
        finally:
            per_poll.append(sent_total(spy[first:]))

    server.poll = counted_poll
    with running_server(server) as (server, errors):
        status, response, body = fetch(server, "/big.bin")
        assert status == 200
        assert response.getheader("Content-Length") == str(SIZE)
        assert sha(body) == sha(data)
        assert_one_pass(spy, 0, SIZE)  # every body byte went through os.sendfile
        assert max(per_poll) <= server._send_budget  # other connections get their turn
        assert errors == []


def test_a_range_is_sent_from_its_offset(root, spy):
    folder, data = root
    with running_server(Server(socket, str(folder))) as (server, errors):
        status, response, body = fetch(server, "/big.bin", {"Range": "bytes=1000001-5000000"})
        assert status == 206
        assert response.getheader("Content-Range") == "bytes 1000001-5000000/%d" % SIZE
        assert sha(body) == sha(data[1000001:5000001])
        assert_one_pass(spy, 1000001, 4000000)
        assert errors == []


def test_a_gzip_sibling_goes_through_sendfile(root, spy):
    folder, data = root
    with running_server(Server(socket, str(folder))) as (server, errors):
        status, response, body = fetch(server, "/packed.js", {"Accept-Encoding": "gzip"})
        assert status == 200
        assert response.getheader("Content-Encoding") == "gzip"
        assert sha(body) == sha(data[: SIZE // 2])
        assert_one_pass(spy, 0, SIZE // 2)
        assert errors == []


def test_head_sends_no_body(root, spy):
    folder, _ = root
    with running_server(Server(socket, str(folder))) as (server, errors):
        status, response, body = fetch(server, "/big.bin", method="HEAD")
        assert status == 200
        assert response.getheader("Content-Length") == str(SIZE)
        assert body == b""
        assert spy == []
        assert fetch(server, "/index.html")[2] == b"<h1>home</h1>"  # the connection state is sound
        assert errors == []


def test_file_response_from_a_route_with_keep_alive(root, spy):
    folder, data = root
    server = Server(socket)

    @server.route("/file/<name>")
    def file(request: Request, name: str):
        return FileResponse(request, name, str(folder))

    with running_server(server) as (server, errors):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            for path in ("/file/big.bin", "/file/index.html", "/file/big.bin"):
                conn.request("GET", path)
                body = conn.getresponse().read()
                assert body == (data if path.endswith(".bin") else b"<h1>home</h1>")
        finally:
            conn.close()
        recorded(spy, 2 * SIZE + len(b"<h1>home</h1>"))
        assert sent_total(spy) == 2 * SIZE + len(b"<h1>home</h1>")
        assert errors == []


def test_a_refusing_sendfile_falls_back_without_losing_bytes(root, monkeypatch):
    folder, data = root
    refused = []

    def sendfile(out_fd, in_fd, offset, count):
        refused.append(offset)
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(os, "sendfile", sendfile)
    with running_server(Server(socket, str(folder))) as (server, errors):
        status, _, body = fetch(server, "/big.bin", {"Range": "bytes=7-"})
        assert status == 206
        assert sha(body) == sha(data[7:])
        assert refused == [7]  # tried once, then read and sent
        assert errors == []


def test_a_client_that_stops_reading_does_not_freeze_the_server(root, spy):
    folder, data = root
    with running_server(Server(socket, str(folder), send_timeout=2)) as (server, errors):
        stuck = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.settimeout(5)
        try:
            stuck.connect(("127.0.0.1", server.port))
            stuck.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
            assert stuck.recv(100).startswith(b"HTTP/1.1 200")  # then it reads no more
            assert wait_until(lambda: any(sent is None for _, _, sent in spy))  # its window is full
            for _ in range(3):
                assert fetch(server, "/index.html")[2] == b"<h1>home</h1>"
            assert sha(fetch(server, "/big.bin")[2]) == sha(data)
            # No progress for send_timeout: the server gives up on it and closes.
            assert wait_until(lambda: len(server._engine.clients) == 0, timeout=15)
            received, closed = recv_all(stuck, timeout=10)
            assert closed and len(received) < SIZE
        finally:
            stuck.close()
        assert errors == []


def test_a_client_leaving_midway_is_not_an_error(root, spy):
    folder, _ = root
    with running_server(Server(socket, str(folder))) as (server, errors):
        for _ in range(3):
            with connect(server) as sock:
                sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
                assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert wait_until(lambda: len(server._engine.clients) == 0, timeout=10)
        assert fetch(server, "/index.html")[2] == b"<h1>home</h1>"
        assert errors == []


def test_a_file_that_shrinks_midway_closes_the_connection(tmp_path, spy):
    path = tmp_path / "shrinking.bin"
    path.write_bytes(os.urandom(SIZE))
    with running_server(Server(socket, str(tmp_path))) as (server, errors):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            sock.settimeout(5)
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(b"GET /shrinking.bin HTTP/1.1\r\nHost: t\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
            with open(path, "r+b") as handle:
                handle.truncate(1000)
            received, closed = recv_all(sock, timeout=10)
            assert closed and len(received) < SIZE
        finally:
            sock.close()
        assert spy  # the body was on its way through sendfile
        assert errors == []


def test_the_in_memory_pool_reads_and_sends(root, spy):
    folder, data = root
    server = Server(SocketPool(), str(folder))
    client = TestClient(server)
    response = client.get("/big.bin", headers={"Range": "bytes=5-100004"})
    assert response.status == 206
    assert response.body == data[5:100005]
    assert spy == []


def test_tls_reads_and_sends(root, spy, certificate):
    folder, data = root
    cert, key = certificate
    context = ssl.create_default_context(cafile=cert)
    with running_server(Server(socket, str(folder), https=True, certfile=cert, keyfile=key)) as (server, errors):
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=30, context=context)
        try:
            conn.request("GET", "/big.bin")
            response = conn.getresponse()
            assert response.status == 200
            assert sha(response.read()) == sha(data)
        finally:
            conn.close()
        assert spy == []
        assert errors == []
