"""The server on real sockets (127.0.0.1) with real clients: requests, httpx, curl and raw
sockets. Keep-alive, pipelining, HTTP/1.0, Connection: close, HEAD/OPTIONS/405, redirects,
cookies, JSON and chunked responses (including one whose body fails midway)."""

import hashlib
import os
import shutil
import socket
import subprocess
import time

import httpx
import pytest
import requests

from adafruit_httpserver import (
    ChunkedResponse,
    GET,
    Headers,
    JSONResponse,
    POST,
    Redirect,
    Response,
    Server,
)

from helpers import (
    ResponseReader,
    connect,
    exchange,
    is_closed,
    recv_all,
    request_bytes,
    running_server,
    url,
    wait_until,
)

JSON_DATA = {"name": "pico", "values": [1, 2, 3], "nested": {"ok": True, "none": None}}
CHUNKS = ["Ada", b"fruit", "", " Indus", b"tries"]


class Boom(RuntimeError):
    pass


def build_server(**options):
    server = Server(socket, **options)
    calls = []
    server.calls = calls

    @server.route("/port")
    def port(request):
        return Response(request, str(request.client_address[1]))

    @server.route("/hello", GET)
    def hello(request):
        return Response(request, "Hello world", content_type="text/plain")

    @server.route("/query")
    def query(request):
        return Response(request, request.query_params.get("n", ""))

    @server.route("/echo", POST)
    def echo(request):
        calls.append(("echo", len(request.body)))
        return Response(request, request.body, content_type="application/octet-stream")

    @server.route("/digest", POST)
    def digest(request):
        body = request.body
        return Response(request, "%d %s" % (len(body), hashlib.sha256(body).hexdigest()))

    @server.route("/json")
    def json_route(request):
        return JSONResponse(request, JSON_DATA)

    @server.route("/redirect")
    def redirect(request):
        return Redirect(request, "/hello")

    @server.route("/cookies")
    def cookies(request):
        headers = Headers()
        headers.add("Set-Cookie", "h1=v1")
        headers.add("Set-Cookie", "h2=v2; Path=/")
        return Response(request, "cookies", headers=headers, cookies={"a": "b", "c": "d"})

    @server.route("/chunked-function")
    def chunked_function(request):
        def body():
            yield from CHUNKS

        return ChunkedResponse(request, body)

    @server.route("/chunked-generator")
    def chunked_generator(request):
        return ChunkedResponse(request, (chunk for chunk in CHUNKS))

    @server.route("/chunked-list")
    def chunked_list(request):
        return ChunkedResponse(request, list(CHUNKS))

    @server.route("/chunked-fails")
    def chunked_fails(request):
        def body():
            yield "first part;"
            yield "second part;"
            raise Boom("generator failed midway")

        return ChunkedResponse(request, body)

    @server.route("/handler-closes")
    def handler_closes(request):
        return Response(request, "bye", headers={"Connection": "close"})

    @server.route("/get-only", GET)
    def get_only(request):
        return Response(request, "get only body")

    @server.route("/post-put", [POST, "PUT"])
    def post_put(request):
        return Response(request, request.method)

    return server


@pytest.fixture
def live():
    server = build_server(max_body_size=4 * 1024 * 1024)
    with running_server(server) as (srv, errors):
        yield srv, errors


# -- keep-alive with real clients -----------------------------------------------------------


def test_requests_session_reuses_one_connection(live):
    server, errors = live
    with requests.Session() as session:
        ports = set()
        for _ in range(10):
            response = session.get(url(server, "/port"), timeout=5)
            assert response.status_code == 200
            assert response.headers.get("Connection", "").lower() != "close"
            ports.add(response.text)
        # a POST with a body and a GET with a query on the same connection
        response = session.post(url(server, "/echo"), data=b"x" * 5000, timeout=5)
        assert response.content == b"x" * 5000
        ports.add(session.get(url(server, "/port"), timeout=5).text)
    assert len(ports) == 1, ports
    assert errors == []


def test_busy_keep_alive_clients_do_not_starve_a_client_waiting_for_a_slot():
    """Two clients keep a full table (max_connections=2) busy on keep-alive connections;
    a third one waits in the backlog. Connections that have served a few responses then
    close, so the third gets its answer while the other two keep going."""
    server = build_server(max_connections=2)
    with running_server(server) as (srv, errors):
        busy = [requests.Session() for _ in range(2)]
        try:
            for session in busy:
                assert session.get(url(srv, "/hello"), timeout=5).status_code == 200
            with connect(srv) as waiting:
                waiting.sendall(request_bytes("GET", "/hello"))
                waiting.setblocking(False)
                answered = False
                for _ in range(200):  # each busy client sends up to 200 requests
                    for session in busy:
                        assert session.get(url(srv, "/hello"), timeout=5).status_code == 200
                    try:
                        answered = waiting.recv(4096).startswith(b"HTTP/1.1 200 OK")
                        break
                    except BlockingIOError:
                        continue
                assert answered, "the waiting client got no slot while others kept the table busy"
        finally:
            for session in busy:
                session.close()
    assert errors == []


def test_a_full_table_with_nobody_waiting_keeps_its_connections_alive():
    """Filling every slot is not crowding: with no newcomer in the backlog, busy
    keep-alive clients keep their connections however many requests they send."""
    server = build_server(max_connections=2)
    with running_server(server) as (srv, errors):
        sessions = [requests.Session() for _ in range(2)]
        try:
            ports = [set(), set()]
            for _ in range(20):
                for session, seen in zip(sessions, ports):
                    response = session.get(url(srv, "/port"), timeout=5)
                    assert response.headers.get("Connection", "").lower() != "close"
                    seen.add(response.text)
            assert [len(seen) for seen in ports] == [1, 1], ports
        finally:
            for session in sessions:
                session.close()
    assert errors == []


def test_httpx_client_reuses_one_connection(live):
    server, errors = live
    with httpx.Client(timeout=5) as client:
        ports = {client.get(url(server, "/port")).text for _ in range(10)}
        response = client.post(url(server, "/echo"), content=b"abc" * 1000)
        assert response.content == b"abc" * 1000
        ports.add(client.get(url(server, "/port")).text)
    assert len(ports) == 1, ports
    assert errors == []


# -- curl -----------------------------------------------------------------------------------

CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def curl(*args, timeout=30):
    return subprocess.run(
        [CURL, "-sS", "--max-time", "20", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=timeout,
        check=False,
    )


@needs_curl
def test_curl_two_urls_in_one_invocation_reuse_the_connection(live):
    server, errors = live
    proc = curl("-v", "-w", "\n", url(server, "/port"), url(server, "/port"))
    assert proc.returncode == 0, proc.stderr.decode()
    ports = proc.stdout.decode().split()
    assert len(ports) == 2 and ports[0] == ports[1], ports
    assert b"Re-using existing connection" in proc.stderr or b"Reusing existing connection" in proc.stderr
    assert errors == []


@needs_curl
def test_curl_http10_closes_each_connection(live):
    server, errors = live
    proc = curl("-0", "-v", "-w", "\n", url(server, "/port"), url(server, "/port"))
    assert proc.returncode == 0, proc.stderr.decode()
    ports = proc.stdout.decode().split()
    assert len(ports) == 2 and ports[0] != ports[1], ports
    assert b"< HTTP/1.1 200" in proc.stderr
    assert b"Connection: close" in proc.stderr
    assert errors == []


@pytest.fixture
def payload(tmp_path):
    data = os.urandom(1536 * 1024)  # 1.5 MB: curl sends "Expect: 100-continue" by itself
    path = tmp_path / "payload.bin"
    path.write_bytes(data)
    return data, str(path)


def _expected_digest(data):
    return "%d %s" % (len(data), hashlib.sha256(data).hexdigest())


@needs_curl
def test_curl_large_upload_with_automatic_expect_100_continue(live, payload):
    server, errors = live
    data, path = payload
    # A server that never answers 100 would make curl wait --expect100-timeout (15 s) first.
    started = time.monotonic()
    proc = curl("-v", "--expect100-timeout", "15", "--data-binary", "@" + path, url(server, "/digest"))
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"> Expect: 100-continue" in proc.stderr
    assert b"< HTTP/1.1 100 Continue" in proc.stderr
    assert proc.stdout.decode() == _expected_digest(data)
    assert elapsed < 10, "curl waited for the 100-continue timeout"
    assert errors == []


@needs_curl
def test_curl_upload_without_expect(live, payload):
    server, errors = live
    data, path = payload
    proc = curl("-v", "-H", "Expect:", "--data-binary", "@" + path, url(server, "/digest"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"> Expect:" not in proc.stderr
    assert b"100 Continue" not in proc.stderr
    assert proc.stdout.decode() == _expected_digest(data)
    assert errors == []


@needs_curl
def test_curl_small_upload_with_explicit_expect_header(live):
    server, errors = live
    proc = curl(
        "-v", "--expect100-timeout", "15", "-H", "Expect: 100-continue",
        "--data-binary", "small body", url(server, "/echo"),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"< HTTP/1.1 100 Continue" in proc.stderr
    assert proc.stdout == b"small body"
    assert errors == []


@needs_curl
def test_curl_chunked_upload(live, payload):
    server, errors = live
    data, path = payload
    proc = curl(
        "-v", "--expect100-timeout", "15", "-H", "Transfer-Encoding: chunked",
        "--data-binary", "@" + path, url(server, "/digest"),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"> Transfer-Encoding: chunked" in proc.stderr
    assert proc.stdout.decode() == _expected_digest(data)
    assert errors == []


# -- raw sockets: pipelining, HTTP/1.0, Connection: close ------------------------------------


def test_pipelined_requests_answered_in_order(live):
    server, errors = live
    data = (
        request_bytes("GET", "/query?n=1")
        + request_bytes("POST", "/echo", body=b"second")
        + request_bytes("GET", "/query?n=3")
    )
    with connect(server) as sock:
        sock.sendall(data)
        reader = ResponseReader(sock)
        bodies = [reader.read().body for _ in range(3)]
        assert bodies == [b"1", b"second", b"3"]
        # the connection is still usable afterwards
        sock.sendall(request_bytes("GET", "/query?n=4"))
        assert reader.read().body == b"4"
    assert errors == []


def test_http10_closes_by_default(live):
    server, errors = live
    with connect(server) as sock:
        sock.sendall(b"GET /hello HTTP/1.0\r\n\r\n")
        data, closed = recv_all(sock)
    assert closed
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"\r\nConnection: close" in head
    assert body == b"Hello world"
    assert errors == []


def test_http10_keep_alive_when_asked(live):
    server, errors = live
    with connect(server) as sock:
        reader = ResponseReader(sock)
        for n in range(3):
            sock.sendall(b"GET /query?n=%d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" % n)
            response = reader.read()
            assert response.status == 200
            assert response.body == str(n).encode()
            assert (response.header("Connection") or "").lower() == "keep-alive"
    assert errors == []


def test_client_connection_close_is_honoured(live):
    server, errors = live
    with connect(server) as sock:
        sock.sendall(request_bytes("GET", "/hello", {"Connection": "close"}))
        data, closed = recv_all(sock)
    assert closed, "the server kept the connection open after Connection: close"
    assert b"\r\nConnection: close\r\n" in data
    assert data.endswith(b"Hello world")
    assert errors == []


def test_handler_connection_close_is_honoured(live):
    server, errors = live
    with connect(server) as sock:
        sock.sendall(request_bytes("GET", "/handler-closes"))
        response = ResponseReader(sock).read()
        assert response.body == b"bye"
        assert response.header("Connection") == "close"
        assert is_closed(sock), "the server kept the connection open after its own Connection: close"
    assert errors == []


# -- HEAD, OPTIONS, 405 ----------------------------------------------------------------------


def test_head_for_get_route_over_real_socket(live):
    server, errors = live
    with requests.Session() as session:
        full = session.get(url(server, "/get-only"), timeout=5)
        head = session.head(url(server, "/get-only"), timeout=5)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["Content-Length"] == str(len(full.content))
        # no body bytes were sent: the next response on the same connection parses cleanly
        after = session.get(url(server, "/port"), timeout=5)
        assert after.text == session.get(url(server, "/port"), timeout=5).text
    with connect(server) as sock:
        sock.sendall(request_bytes("HEAD", "/get-only") + request_bytes("GET", "/query?n=9"))
        reader = ResponseReader(sock)
        assert reader.read(head_only=True).status == 200
        assert reader.read().body == b"9"
    assert errors == []


def test_options_and_405_with_allow(live):
    server, errors = live
    options = requests.options(url(server, "/get-only"), timeout=5)
    assert options.status_code in (200, 204)
    assert set(m.strip() for m in options.headers["Allow"].split(",")) >= {"GET", "HEAD", "OPTIONS"}
    assert "POST" not in options.headers["Allow"]

    denied = requests.delete(url(server, "/get-only"), timeout=5)
    assert denied.status_code == 405
    assert set(m.strip() for m in denied.headers["Allow"].split(",")) >= {"GET", "HEAD"}

    denied = requests.get(url(server, "/post-put"), timeout=5)
    assert denied.status_code == 405
    allow = set(m.strip() for m in denied.headers["Allow"].split(","))
    assert {"POST", "PUT"} <= allow and "GET" not in allow

    assert requests.put(url(server, "/post-put"), timeout=5).text == "PUT"
    assert errors == []


# -- redirects, cookies, JSON ------------------------------------------------------------------


def test_redirect_followed_by_requests(live):
    server, errors = live
    with requests.Session() as session:
        response = session.get(url(server, "/redirect"), timeout=5)
        assert response.status_code == 200
        assert response.text == "Hello world"
        assert [r.status_code for r in response.history] == [302]
        assert response.history[0].headers["Location"] == "/hello"
        raw = session.get(url(server, "/redirect"), allow_redirects=False, timeout=5)
        assert raw.status_code == 302 and raw.content == b""
    assert errors == []


def test_cookies_are_separate_set_cookie_lines(live):
    server, errors = live
    response = requests.get(url(server, "/cookies"), timeout=5)
    assert response.status_code == 200
    assert response.cookies.get("a") == "b"
    assert response.cookies.get("c") == "d"
    assert response.cookies.get("h1") == "v1"
    lines = response.raw.headers.getlist("Set-Cookie")
    assert sorted(lines) == sorted(["h1=v1", "h2=v2; Path=/", "a=b", "c=d"])
    assert errors == []


def test_json_response(live):
    server, errors = live
    response = httpx.get(url(server, "/json"), timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == JSON_DATA
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert errors == []


# -- chunked responses ------------------------------------------------------------------------


EXPECTED_CHUNKED = b"Adafruit Industries"


@pytest.mark.parametrize("path", ["/chunked-function", "/chunked-generator", "/chunked-list"])
def test_chunked_response_bodies(live, path):
    server, errors = live
    with requests.Session() as session:
        response = session.get(url(server, path), timeout=5)
        assert response.status_code == 200
        assert response.headers["Transfer-Encoding"].lower() == "chunked"
        assert "Content-Length" not in response.headers
        assert response.content == EXPECTED_CHUNKED
        # the chunked response is framed, so the connection is kept
        first = session.get(url(server, "/port"), timeout=5).text
        session.get(url(server, path), timeout=5)
        assert session.get(url(server, "/port"), timeout=5).text == first
    raw = exchange(server, request_bytes("GET", path))
    assert raw.body == EXPECTED_CHUNKED
    assert errors == []


def test_chunked_response_failing_midway_truncates_and_closes(live):
    server, errors = live
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        requests.get(url(server, "/chunked-fails"), timeout=5).content  # pylint: disable=expression-not-assigned

    with connect(server) as sock:
        sock.sendall(request_bytes("GET", "/chunked-fails"))
        data, closed = recv_all(sock)
    assert closed, "the connection stayed open after a failed chunked body"
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"first part;" in body
    assert not body.endswith(b"0\r\n\r\n"), "a failed body must not be terminated as complete"

    assert wait_until(lambda: len(errors) >= 2)
    assert all(isinstance(error, Boom) for error in errors), errors
    # and the server goes on serving
    assert requests.get(url(server, "/hello"), timeout=5).text == "Hello world"


def test_chunked_response_to_an_http10_client_is_not_chunk_encoded(live):
    """RFC 9112 §6.1: a server MUST NOT send Transfer-Encoding to an HTTP/1.0 request; an
    HTTP/1.0 client reads a body of unknown length until the connection closes. Sending
    chunk framing and keeping the connection (it asked for keep-alive) leaves such a client
    with garbled data, waiting until keep_alive_timeout."""
    server, errors = live
    with connect(server) as sock:
        sock.sendall(b"GET /chunked-list HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        started = time.monotonic()
        data, closed = recv_all(sock, timeout=4)
        elapsed = time.monotonic() - started
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"transfer-encoding" not in head.lower(), head
    assert body == EXPECTED_CHUNKED
    assert closed and elapsed < 2, "the HTTP/1.0 client was left waiting for the end of the body"
    assert errors == []
