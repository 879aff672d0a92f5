"""API_CONTRACT.md §13.1 (request intake and poll(), W1-W18) plus W48 and W53, on real
sockets (127.0.0.1; ::1 for W18): none of 4.8.2's weaknesses may reappear.

Timing bounds here are generous sanity checks (seconds), never performance assertions."""

import ast
import glob
import hashlib
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

import pytest
import requests

import adafruit_httpserver
from adafruit_httpserver import POST, Redirect, Response, Server

from helpers import (
    ResponseReader,
    connect,
    exchange,
    is_closed,
    popen,
    recv_all,
    read_line,
    request_bytes,
    running_server,
    stop_process,
    table_empty,
    url,
    wait_until,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "adafruit_httpserver")


def build_server(**options):
    server = Server(socket, **options)
    server.calls = calls = []

    @server.route("/")
    def index(request):
        calls.append("index")
        return Response(request, "index")

    @server.route("/port")
    def port(request):
        return Response(request, str(request.client_address[1]))

    @server.route("/echo", POST)
    def echo(request):
        calls.append("echo")
        return Response(request, request.body, content_type="application/octet-stream")

    @server.route("/digest", POST)
    def digest(request):
        calls.append("digest")
        body = request.body
        return Response(request, "%d %s" % (len(body), hashlib.sha256(body).hexdigest()))

    @server.route("/fail")
    def fail(request):
        calls.append("fail")
        raise ZeroDivisionError("handler bug")

    @server.route("/keep")
    def keep(request):
        return Response(request, "kept", headers={"Connection": "keep-alive"})

    @server.route("/big")
    def big(request):
        return Response(request, b"x" * (5 * 1024 * 1024))

    @server.route("/redirect")
    def redirect(request):
        return Redirect(request, "/port")

    return server


@pytest.fixture
def live():
    with running_server(build_server()) as (server, errors):
        yield server, errors


def normal_get(server, path="/", timeout=5):
    response = requests.get(url(server, path), timeout=timeout)
    assert response.status_code == 200
    return response


def send_and_read(server, data, timeout=5):
    """Sends raw bytes and returns everything the server answered before closing."""
    with connect(server, timeout) as sock:
        sock.sendall(data)
        answer, closed = recv_all(sock, timeout)
    return answer, closed


def status_of(answer):
    assert answer.startswith(b"HTTP/1.1 "), answer[:80]
    return int(answer[9:12])


# -- W1: EOF is detected ---------------------------------------------------------------------


def test_W1_eof_in_every_phase_never_stalls_the_server(live):
    server, errors = live
    for _ in range(3):
        # 1. connect, then close without sending anything
        connect(server).close()
        normal_get(server, timeout=2)
        # 2. a partial head, then close
        with connect(server) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Partial")
        normal_get(server, timeout=2)
        # 3. a short body, then half-close: the server notices EOF and closes too
        with connect(server) as sock:
            sock.sendall(request_bytes("POST", "/echo", {"Content-Length": "10"}, b"abc"))
            sock.shutdown(socket.SHUT_WR)
            answer, closed = recv_all(sock, timeout=5)
            assert closed, "the server did not close a half-closed client with a short body"
            assert answer == b"" or status_of(answer) in (400, 408)
        normal_get(server, timeout=2)
    assert "echo" not in server.calls, "a truncated body reached the handler"
    assert table_empty(server)
    assert errors == []


# -- W2: a slow or silent client does not hold up the others ------------------------------------


def test_W2_silent_and_slow_loris_clients_do_not_delay_others(live):
    server, errors = live
    stop = threading.Event()
    loris_sent = []

    def slow_loris():
        data = b"GET /port HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
        with connect(server) as sock:
            for byte in data:
                if stop.is_set():
                    return
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    return
                loris_sent.append(byte)
                stop.wait(0.2)

    silent = connect(server)
    loris = threading.Thread(target=slow_loris, daemon=True)
    loris.start()
    try:
        assert wait_until(lambda: len(loris_sent) >= 3)
        started = time.monotonic()
        for _ in range(20):
            normal_get(server, "/port", timeout=5)
        elapsed = time.monotonic() - started
        assert elapsed < 2.0, "20 requests took %.2f s next to a silent and a slow client" % elapsed
        assert loris.is_alive(), "the slow-loris client should still be dribbling its head"
    finally:
        stop.set()
        loris.join(5)
        silent.close()
    assert errors == []


def test_W2_more_silent_clients_than_max_connections(live):
    server, errors = live
    silent = [connect(server) for _ in range(3 * server.max_connections)]
    try:
        started = time.monotonic()
        for _ in range(20):
            normal_get(server, "/port", timeout=5)
        elapsed = time.monotonic() - started
        assert elapsed < 2.0, "20 requests took %.2f s next to %d silent clients" % (elapsed, len(silent))
        assert len(server._engine.clients) <= server.max_connections
    finally:
        for sock in silent:
            sock.close()
    assert table_empty(server)
    assert errors == []


def test_W2_burst_of_more_clients_than_max_connections_all_get_an_answer(live):
    """A browser opens up to 6 connections at once. With max_connections=4, a new client may
    be refused (503) or wait in the backlog, but a client that has just connected and sent
    a valid request must not have its connection reset or closed without any answer."""
    server, errors = live
    outcomes = []
    lock = threading.Lock()

    def client():
        for _ in range(10):
            try:
                response = requests.get(
                    url(server, "/port"), headers={"Connection": "close"}, timeout=5
                )
                outcome = response.status_code
            except requests.RequestException as error:
                outcome = type(error).__name__ + ": " + str(error)[-80:]
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(2 + server.max_connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    failed = [outcome for outcome in outcomes if outcome not in (200, 503)]
    assert failed == [], "%d of %d requests got no HTTP answer, e.g. %r" % (len(failed), len(outcomes), failed[:3])
    assert errors == []


def test_W2_slow_loris_is_cut_off_by_header_timeout():
    with running_server(build_server(header_timeout=1)) as (server, errors):
        with connect(server) as sock:
            started = time.monotonic()
            try:
                for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                    sock.sendall(bytes([byte]))
                    time.sleep(0.2)
                    if time.monotonic() - started > 6:
                        break
            except OSError:
                pass  # the server closed it: that is the point
            answer, closed = recv_all(sock, timeout=3)
            elapsed = time.monotonic() - started
        assert closed
        assert answer == b"" or status_of(answer) == 408, answer
        assert elapsed < 6, "a slow-loris head was accepted for %.1f s with header_timeout=1" % elapsed
        assert server.calls == []
        assert errors == []


# -- W3: size limits with standard answers ------------------------------------------------------


def test_W3_oversized_head_is_431(live):
    server, errors = live
    response = requests.get(url(server, "/"), headers={"X-Big": "a" * 6000}, timeout=5)
    assert response.status_code == 431
    many = {"X-H%d" % i: "v" * 40 for i in range(120)}
    assert requests.get(url(server, "/"), headers=many, timeout=5).status_code == 431
    assert "index" not in server.calls
    normal_get(server)
    assert errors == []


def test_W3_long_request_line_is_414(live):
    server, errors = live
    response = requests.get(url(server, "/" + "a" * 3000), timeout=5)
    assert response.status_code == 414
    answer, closed = send_and_read(server, b"GET /?q=" + b"b" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(answer) == 414 and closed
    normal_get(server)
    assert errors == []


def test_W3_huge_content_length_is_413_without_reading_the_body(live):
    server, errors = live
    with connect(server) as sock:
        # only the head is sent: the 413 must come without waiting for 1 GB
        sock.sendall(request_bytes("POST", "/echo", {"Content-Length": str(10**9)}))
        answer, closed = recv_all(sock, timeout=5)
    assert status_of(answer) == 413
    assert closed
    # a chunked body beyond max_body_size is refused too
    chunk = b"a" * 8192
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4)) + b"0\r\n\r\n"
    answer, _ = send_and_read(
        server, request_bytes("POST", "/echo", {"Transfer-Encoding": "chunked"}, body)
    )
    assert status_of(answer) == 413
    assert "echo" not in server.calls
    normal_get(server)
    assert errors == []


def test_W3_client_sending_a_too_large_body_still_reads_413(live):
    server, errors = live
    for size in (100 * 1024, 3 * 1024 * 1024):
        response = requests.post(url(server, "/echo"), data=b"x" * size, timeout=10)
        assert response.status_code == 413
    assert "echo" not in server.calls
    normal_get(server)
    assert errors == []


# -- W4: large bodies arrive intact ------------------------------------------------------------


def test_W4_one_megabyte_body_arrives_intact():
    data = os.urandom(1024 * 1024)
    with running_server(build_server(max_body_size=2 * 1024 * 1024)) as (server, errors):
        response = requests.post(url(server, "/digest"), data=data, timeout=10)
        assert response.status_code == 200
        assert response.text == "%d %s" % (len(data), hashlib.sha256(data).hexdigest())
        echoed = requests.post(url(server, "/echo"), data=data, timeout=10)
        assert echoed.content == data
        assert errors == []


# -- W5: malformed requests get 400, poll() keeps running ------------------------------------------

MALFORMED = [
    pytest.param(b"GET / HTTP/1.1\r\nX-Bin: \xff\xfe\xfd\r\n\r\n", id="non-utf8-header-value"),
    pytest.param(b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n", id="non-utf8-request-line"),
    pytest.param(b"GET /\r\nHost: x\r\n\r\n", id="start-line-two-tokens"),
    pytest.param(b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", id="start-line-four-tokens"),
    pytest.param(b"GARBAGE\r\n\r\n", id="start-line-one-token"),
    pytest.param(b"GET / HTTP/1.1\r\nHost x\r\n\r\n", id="header-without-colon"),
    pytest.param(b"GET / HTTP/1.1\r\n: no-name\r\n\r\n", id="header-empty-name"),
    pytest.param(b"POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n", id="content-length-not-numeric"),
    pytest.param(b"POST /echo HTTP/1.1\r\nContent-Length: -5\r\n\r\n", id="content-length-negative"),
    pytest.param(b"POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", id="content-length-conflict"),
    pytest.param(b"GET / HTTP/x.y\r\nHost: x\r\n\r\n", id="bad-version"),
    pytest.param(b"GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n", id="obsolete-line-folding"),
    pytest.param(b"GET relative HTTP/1.1\r\nHost: x\r\n\r\n", id="target-not-absolute-path"),
    pytest.param(b"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", id="nul-in-decoded-path"),
    pytest.param(b"GET / HTTP/1.1\r\nX-Ctl: a\x01b\r\n\r\n", id="control-char-in-header"),
]


@pytest.mark.parametrize("raw", MALFORMED)
def test_W5_malformed_request_is_400_and_poll_keeps_running(live, raw):
    server, errors = live
    answer, closed = send_and_read(server, raw)
    assert status_of(answer) == 400, answer[:200]
    assert closed
    assert server.calls == []
    normal_get(server)
    assert errors == []


# These three made 4.8.2 raise too, but they are valid HTTP/1.x (RFC 9112 allows bare LF
# line ends and no space after the colon; HTTP/1.0 needs no header at all): they must be
# served, not refused, and certainly not raise out of poll().
VALID_BUT_REJECTED_BY_482 = [
    pytest.param(b"GET / HTTP/1.0\r\n\r\n", id="no-header-lines"),
    pytest.param(b"GET / HTTP/1.1\r\nHost:a\r\n\r\n", id="header-without-space"),
    pytest.param(b"GET / HTTP/1.1\nHost: a\nConnection: close\n\n", id="lf-only-line-ends"),
]


@pytest.mark.parametrize("raw", VALID_BUT_REJECTED_BY_482)
def test_W5_requests_4_8_2_choked_on_are_served(live, raw):
    server, errors = live
    with connect(server) as sock:
        sock.sendall(raw)
        response = ResponseReader(sock).read()
    assert response.status == 200
    assert response.body == b"index"
    assert errors == []


# -- W6: handler exceptions give a 500 and are re-raised ---------------------------------------------


def test_W6_handler_exception_sends_500_and_poll_reraises(live):
    server, errors = live
    response = requests.get(url(server, "/fail"), timeout=5)
    assert response.status_code == 500
    assert wait_until(lambda: errors)
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)
    assert str(errors[0]) == "handler bug"
    normal_get(server)
    assert len(errors) == 1


# -- W7: no socket leak after aborted connections -----------------------------------------------------


def test_W7_connection_table_empties_after_aborted_connections(live):
    server, errors = live
    linger_rst = struct.pack("ii", 1, 0)
    for _ in range(6):
        # connect and close at once
        connect(server).close()
        # partial head, then close
        with connect(server) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHo")
        # partial body, then reset (SO_LINGER 0 makes close() send RST)
        sock = connect(server)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_rst)
        sock.sendall(request_bytes("POST", "/echo", {"Content-Length": "100"}, b"abc"))
        time.sleep(0.01)
        sock.close()
        # a request for a 5 MB body, then a reset before reading it
        sock = connect(server)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_rst)
        sock.sendall(request_bytes("GET", "/big"))
        sock.recv(1024)
        sock.close()
        # an idle keep-alive connection, closed after one response
        with connect(server) as sock:
            sock.sendall(request_bytes("GET", "/port"))
            ResponseReader(sock).read()
    assert table_empty(server), [
        (c.state, c.address) for c in server._engine.clients
    ]
    normal_get(server)
    assert "echo" not in server.calls
    assert errors == []


# -- W10: keep-alive and pipelining --------------------------------------------------------------------


def test_W10_keep_alive_pipelining_and_handler_keep_alive(live):
    server, errors = live
    with requests.Session() as session:
        ports = {session.get(url(server, "/port"), timeout=5).text for _ in range(5)}
    assert len(ports) == 1

    with connect(server) as sock:
        sock.sendall(
            request_bytes("GET", "/port")
            + request_bytes("POST", "/echo", body=b"pipelined body")
            + request_bytes("GET", "/keep")
        )
        reader = ResponseReader(sock)
        first = reader.read()
        assert first.body == str(sock.getsockname()[1]).encode()
        assert reader.read().body == b"pipelined body"
        kept = reader.read()
        assert kept.body == b"kept"
        assert kept.header("Connection") == "keep-alive"
        # a handler-set "Connection: keep-alive" is honoured: the socket is still open
        sock.sendall(request_bytes("GET", "/keep"))
        assert reader.read().body == b"kept"
    assert errors == []


def test_W10_idle_keep_alive_connection_is_closed_after_keep_alive_timeout():
    with running_server(build_server(keep_alive_timeout=0.5)) as (server, errors):
        with connect(server) as sock:
            sock.sendall(request_bytes("GET", "/port"))
            reader = ResponseReader(sock)
            assert reader.read().status == 200
            sock.sendall(request_bytes("GET", "/port"))  # still open right after a response
            assert reader.read().status == 200
            started = time.monotonic()
            assert is_closed(sock, timeout=5)
            assert time.monotonic() - started < 4
        assert table_empty(server)
        assert errors == []


# -- W11: chunked request bodies and Expect: 100-continue ------------------------------------------


def test_W11_chunked_request_body(live):
    server, errors = live
    pieces = [b"hello ", b"chunked ", b"world" * 100]
    response = requests.post(url(server, "/echo"), data=iter(pieces), timeout=5)
    assert response.status_code == 200
    assert response.content == b"".join(pieces)

    raw = (
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: x\r\n\r\n"
    )
    assert exchange(server, raw).body == b"hello world"
    assert errors == []


def test_W11_expect_100_continue_is_answered_before_the_body(live):
    server, errors = live
    body = os.urandom(4000)
    with connect(server) as sock:
        sock.sendall(request_bytes("POST", "/echo", {"Content-Length": str(len(body)), "Expect": "100-continue"}))
        reader = ResponseReader(sock, timeout=3)
        interim = reader.read()  # a server that does not answer makes this time out
        assert interim.status == 100
        sock.sendall(body)
        final = reader.read()
        assert final.status == 200 and final.body == body
        # the connection stays usable
        sock.sendall(request_bytes("GET", "/port"))
        assert reader.read().status == 200
    assert errors == []


def test_W11_expect_with_body_sent_at_once_and_unsupported_expectations(live):
    server, errors = live
    with connect(server) as sock:
        # a client that does not wait for 100 Continue: interim 100 (optional), then the answer
        sock.sendall(request_bytes("POST", "/echo", {"Expect": "100-continue"}, b"eager body"))
        reader = ResponseReader(sock)
        response = reader.read()
        if response.status == 100:
            response = reader.read()
        assert response.status == 200 and response.body == b"eager body"
    answer, _ = send_and_read(server, request_bytes("POST", "/echo", {"Expect": "teapot"}, b"x"))
    assert status_of(answer) == 417
    answer, _ = send_and_read(server, request_bytes("POST", "/echo", {"Transfer-Encoding": "gzip"}, b"x"))
    assert status_of(answer) == 501
    assert server.calls == ["echo"]
    assert errors == []


# -- W12 / W13: timeouts while receiving a request ------------------------------------------------


def test_W12_short_body_then_silence_is_408_and_handler_not_called():
    with running_server(build_server(socket_timeout=0.5)) as (server, errors):
        with connect(server) as sock:
            sock.sendall(request_bytes("POST", "/echo", {"Content-Length": "10"}, b"abc"))
            started = time.monotonic()
            answer, closed = recv_all(sock, timeout=5)
            elapsed = time.monotonic() - started
        assert status_of(answer) == 408
        assert closed
        assert 0.25 <= elapsed < 4, elapsed
        assert server.calls == []
        normal_get(server)
        assert errors == []


def test_W12_partial_chunked_body_then_silence_is_408_and_handler_not_called():
    with running_server(build_server(socket_timeout=0.5)) as (server, errors):
        with connect(server) as sock:
            sock.sendall(request_bytes("POST", "/echo", {"Transfer-Encoding": "chunked"}) + b"a\r\nabc")
            answer, closed = recv_all(sock, timeout=5)
        assert status_of(answer) == 408
        assert closed
        assert server.calls == []
        assert errors == []


def test_W13_partial_head_then_silence_is_408_and_handler_not_called():
    with running_server(build_server(socket_timeout=0.5)) as (server, errors):
        with connect(server) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            answer, closed = recv_all(sock, timeout=5)
        assert status_of(answer) == 408
        assert closed
        assert server.calls == []
        normal_get(server)
        assert errors == []


# -- W14: HTTPS never blocks in the handshake ---------------------------------------------------------


def https_get(server, cert, path="/port"):
    """``(status, text)`` of a verified HTTPS GET; the response object is not kept, so its
    socket closes once collected."""
    response = requests.get("https://127.0.0.1:%d%s" % (server.port, path), verify=cert, timeout=5)
    return response.status_code, response.text


def test_W14_https_silent_tcp_client_and_failed_handshakes_do_not_stall(certificate):
    cert, key = certificate
    server = build_server(https=True, certfile=cert, keyfile=key)
    with running_server(server) as (server, errors):
        assert https_get(server, cert)[0] == 200

        silent = connect(server)  # TCP only: never speaks TLS
        try:
            started = time.monotonic()
            for _ in range(5):
                assert https_get(server, cert, "/") == (200, "index")
            assert time.monotonic() - started < 3
            with requests.Session() as session:  # keep-alive over TLS
                ports = {session.get("https://127.0.0.1:%d/port" % server.port, verify=cert, timeout=5).text
                         for _ in range(3)}
            assert len(ports) == 1

            # handshake failures of several kinds
            assert is_closed_or_refused(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP
            assert is_closed_or_refused(server, b"\x16\x03\x01\x00\x05abc")  # truncated ClientHello
            with pytest.raises(ssl.SSLError):  # the client rejects our self-signed certificate
                strict = ssl.create_default_context()
                with strict.wrap_socket(connect(server), server_hostname="127.0.0.1"):
                    pass
            with connect(server) as sock:  # ClientHello, then the client vanishes
                lenient = ssl.create_default_context()
                lenient.check_hostname = False
                lenient.verify_mode = ssl.CERT_NONE
                incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
                tls = lenient.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
                with pytest.raises(ssl.SSLWantReadError):
                    tls.do_handshake()
                hello = outgoing.read()
                assert hello[:1] == b"\x16"
                sock.sendall(hello)
            assert https_get(server, cert, "/") == (200, "index")
        finally:
            silent.close()
        assert table_empty(server)
        assert errors == [], errors


def is_closed_or_refused(server, data):
    with connect(server) as sock:
        sock.sendall(data)
        answer, closed = recv_all(sock, timeout=5)
    return closed and not answer.startswith(b"HTTP/1.1 200")


# -- W15: lifecycle -------------------------------------------------------------------------------------


def test_W15_stop_before_start_is_harmless():
    server = Server(socket)
    server.stop()
    server.stop()
    assert server.stopped is True
    assert server.host is None and server.port is None


def test_W15_failed_bind_leaves_the_server_stopped():
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        taken = blocker.getsockname()[1]
        server = Server(socket)
        with pytest.raises(OSError):
            server.start("127.0.0.1", taken)
        assert server.stopped is True
        assert server.host is None
        assert server.port is None
        server.stop()
        # and it can still be started elsewhere
        with running_server(server) as (srv, errors):
            assert srv.port != taken
            assert requests.get(url(srv, "/nothing"), timeout=5).status_code == 404
            assert errors == []
    finally:
        blocker.close()


def test_W15_start_twice_raises_and_restart_after_stop_works():
    server = build_server()
    server.start("127.0.0.1", 0)
    try:
        first_port = server.port
        with pytest.raises(RuntimeError) as info:
            server.start("127.0.0.1", 0)
        assert "already running" in str(info.value).lower()
        assert server.port == first_port and not server.stopped
    finally:
        server.stop()
    assert server.stopped
    with running_server(server) as (srv, errors):
        assert normal_get(srv).text == "index"
        assert errors == []


# -- W16: serve_forever reports handler errors ------------------------------------------------------

SERVE_FOREVER_SCRIPT = r"""
import socket, sys
sys.path.insert(0, sys.argv[1])
from adafruit_httpserver import Response, Server

server = Server(socket)

@server.route("/boom")
def boom(request):
    raise KeyError("W16-visible-marker")

@server.route("/ok")
def ok(request):
    return Response(request, "still serving")

server.start("127.0.0.1", 0)
print("PORT", server.port, flush=True)
server.serve_forever()
print("serve_forever returned", flush=True)
"""


def test_W16_serve_forever_prints_handler_errors_and_keeps_serving(tmp_path):
    script = tmp_path / "serve.py"
    script.write_text(SERVE_FOREVER_SCRIPT)
    proc = popen([sys.executable, "-u", str(script), ROOT])
    out = ""
    try:
        port = int(read_line(proc).split()[1])
        base = "http://127.0.0.1:%d" % port
        assert requests.get(base + "/boom", timeout=5).status_code == 500
        assert requests.get(base + "/ok", timeout=5).text == "still serving"
        assert requests.get(base + "/boom", timeout=5).status_code == 500
        assert requests.get(base + "/ok", timeout=5).text == "still serving"
    finally:
        out = stop_process(proc)
    assert out.count("KeyError: 'W16-visible-marker'") == 2, out
    assert "Traceback" in out, out
    assert "serve_forever returned" in out, out
    assert proc.returncode == 0, out


# -- W17: CPython 3.9+ -------------------------------------------------------------------------------


def test_W17_imports_and_serves_on_this_cpython(live):
    server, errors = live
    assert sys.version_info >= (3, 9)
    assert adafruit_httpserver.__version__ == "4.8.2"
    assert normal_get(server).text == "index"
    assert errors == []


def test_W17_package_source_is_python_3_9_syntax():
    for path in sorted(glob.glob(os.path.join(PACKAGE, "*.py"))):
        with open(path, encoding="utf-8") as f:
            ast.parse(f.read(), filename=path, feature_version=(3, 9))


W17_SCRIPT = r"""
import socket, sys, time
sys.path.insert(0, sys.argv[1])
from adafruit_httpserver import Response, Server

server = Server(socket, socket_timeout=0.5)

@server.route("/v")
def version(request):
    return Response(request, "%d.%d" % sys.version_info[:2])

server.start("127.0.0.1", 0)
client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
client.sendall(b"GET /v HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
client.setblocking(False)
data = b""
deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    server.poll()
    try:
        chunk = client.recv(4096)
    except BlockingIOError:
        time.sleep(0.005)
        continue
    if not chunk:
        break
    data += chunk
# a silent client: the receive deadline fires without raising out of poll()
silent = socket.create_connection(("127.0.0.1", server.port), timeout=5)
deadline = time.monotonic() + 1.5
while time.monotonic() < deadline:
    server.poll()
    time.sleep(0.005)
silent.close()
client.close()
server.stop()
sys.stdout.write(data.decode())
"""


def _python39():
    """A Python 3.9 interpreter that really runs (pyenv shims may exist but refuse)."""
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(os.path.join(pyenv_root, "versions", "3.9*", "bin", "python3.9")))
    candidates.append(shutil.which("python3.9"))
    for candidate in candidates:
        if not candidate:
            continue
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 9)"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                timeout=30, check=False,
            )
        except OSError:
            continue
        if probe.returncode == 0:
            return candidate
    return None


def test_W17_serves_under_python_3_9_when_available(tmp_path):
    interpreter = _python39() or sys.executable  # the running CPython otherwise
    script = tmp_path / "serve39.py"
    script.write_text(W17_SCRIPT)
    proc = subprocess.run(
        [interpreter, str(script), ROOT],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert out.startswith("HTTP/1.1 200 OK\r\n"), out
    version = subprocess.run(
        [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        stdout=subprocess.PIPE, check=True, timeout=30,
    ).stdout.decode().strip()
    assert out.endswith("\r\n\r\n" + version), out


# -- W18: IPv6 -----------------------------------------------------------------------------------------


def _ipv6_loopback():
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="this host has no IPv6 loopback")
def test_W18_ipv6_loopback():
    with running_server(build_server(), host="::1") as (server, errors):
        assert server.port
        response = requests.get(url(server, "/port"), timeout=5)
        assert response.status_code == 200
        with connect(server) as sock:
            sock.sendall(request_bytes("GET", "/port"))
            assert ResponseReader(sock).read().body == str(sock.getsockname()[1]).encode()
        assert errors == []


# -- W48: a client that stops reading is dropped, others are served --------------------------------------


def test_W48_client_not_reading_a_big_response_is_dropped():
    with running_server(build_server(send_timeout=0.5)) as (server, errors):
        stuck = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stuck.settimeout(5)
            stuck.connect(("127.0.0.1", server.port))
            stuck.sendall(request_bytes("GET", "/big"))
            assert wait_until(lambda: any(c.pending() for c in server._engine.clients), timeout=5)
            for _ in range(10):  # others are served while the 5 MB response is stuck
                assert normal_get(server, "/port", timeout=2).status_code == 200
            assert table_empty(server), [
                (c.state, c.pending()) for c in server._engine.clients
            ]
            received, closed = recv_all(stuck, timeout=5)
            assert closed
            assert len(received) < 5 * 1024 * 1024, "the whole body arrived: the test did not stall"
        finally:
            stuck.close()
        normal_get(server)
        assert errors == []


def test_W48_slow_but_steady_reader_is_not_dropped():
    """send_timeout is about no progress at all, not about how long a response takes."""
    with running_server(build_server(send_timeout=0.5)) as (server, errors):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            sock.settimeout(5)
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(request_bytes("GET", "/big", {"Connection": "close"}))
            received = 0
            pauses = 0
            started = time.monotonic()
            while time.monotonic() - started < 20:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += len(chunk)
                if received > (pauses + 1) * 1024 * 1024 and pauses < 4:
                    pauses += 1
                    time.sleep(0.3)  # each pause is shorter than send_timeout
        finally:
            sock.close()
        head = len(b"HTTP/1.1 200 OK\r\n")
        assert received > 5 * 1024 * 1024 + head, "the response was cut after %d bytes" % received
        assert pauses == 4
        assert errors == []


# -- W53: Redirect is framed and keeps the connection -----------------------------------------------------


def test_W53_redirect_has_content_length_zero_and_keeps_alive(live):
    server, errors = live
    with connect(server) as sock:
        reader = ResponseReader(sock)
        sock.sendall(request_bytes("GET", "/redirect"))
        redirect = reader.read()
        assert redirect.status == 302
        assert redirect.header("Location") == "/port"
        assert redirect.header("Content-Length") == "0"
        assert (redirect.header("Connection") or "").lower() != "close"
        sock.sendall(request_bytes("GET", "/port"))
        assert reader.read().body == str(sock.getsockname()[1]).encode()
    with requests.Session() as session:
        final = session.get(url(server, "/redirect"), timeout=5)
        assert final.history[0].status_code == 302
        assert final.text == session.get(url(server, "/port"), timeout=5).text
    assert errors == []
