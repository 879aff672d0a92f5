"""Persistent connections (W10, W11): keep-alive, pipelining, ``Connection: close``,
HTTP/1.0, ``Expect: 100-continue`` and chunked request bodies, over one ``TestConnection``."""

from unit import TestCase

from server_kit import is_closed, make, preload, receive, request_bytes, until

from adafruit_httpserver import POST, Response

preload("_chunked")


def _server(**limits):
    server, client = make(**limits)
    server.route("/echo", [POST, "PUT"])(
        lambda request: Response(request, request.method + ":" + request.body.decode("utf-8"))
    )
    server.route("/n/<n>")(lambda request, n: Response(request, "n=" + n))
    return server, client


class TestKeepAlive(TestCase):
    def test_ruling_keep_alive_by_default(self):
        _, client = _server()
        conn = client.connect()
        first = conn.request("GET", "/n/1")
        self.assertEqual(first.body, b"n=1")
        self.assertIsNone(first.headers.get("Connection"))
        self.assertFalse(conn.closed_by_server)
        self.assertEqual(conn.request("GET", "/n/2").body, b"n=2")
        self.assertEqual(conn.request("POST", "/echo", body=b"abc").body, b"POST:abc")
        self.assertFalse(conn.closed_by_server)

    def test_error_responses_keep_the_connection_when_framed(self):
        _, client = _server()
        conn = client.connect()
        self.assertEqual(conn.request("GET", "/missing").status, 404)
        self.assertEqual(conn.request("DELETE", "/echo").status, 405)
        self.assertEqual(conn.request("GET", "/n/3").body, b"n=3")

    def test_W10_pipelined_requests_are_answered_in_order(self):
        _, client = _server()
        conn = client.connect()
        conn.send(
            request_bytes("GET", "/n/1")
            + request_bytes("POST", "/echo", [("Content-Length", "5")], b"hello")
            + request_bytes("PUT", "/echo", [("Content-Length", "2")], b"xy")
            + request_bytes("GET", "/n/2", [("Connection", "close")])
        )
        bodies = [conn.read_response().body for _ in range(4)]
        self.assertEqual(bodies, [b"n=1", b"POST:hello", b"PUT:xy", b"n=2"])
        self.assertTrue(conn.closed_by_server)

    def test_pipelined_request_split_at_odd_places(self):
        _, client = _server()
        conn = client.connect()
        data = request_bytes("POST", "/echo", [("Content-Length", "3")], b"abc") + request_bytes("GET", "/n/9")
        for index in range(0, len(data), 7):
            conn.send(data[index : index + 7])
            client.poll()
        self.assertEqual(conn.read_response().body, b"POST:abc")
        self.assertEqual(conn.read_response().body, b"n=9")

    def test_ruling_connection_close_is_honoured(self):
        _, client = _server()
        conn = client.connect()
        response = conn.request("GET", "/n/1", {"Connection": "close"})
        self.assertEqual(response.headers.get("Connection"), "close")
        self.assertTrue(conn.closed_by_server)

    def test_handler_connection_close_closes(self):
        server, client = _server()
        server.route("/bye")(lambda request: Response(request, "bye", headers={"Connection": "close"}))
        conn = client.connect()
        self.assertEqual(conn.request("GET", "/bye").body, b"bye")
        self.assertTrue(conn.closed_by_server)

    def test_ruling_unframed_response_says_close_and_closes(self):
        server, client = _server()

        class Unframed(Response):
            def _send(self):
                self._send_headers()
                self._send_bytes(self._request.connection, b"until close")
                self._close_connection()

        server.route("/raw")(Unframed)
        conn = client.connect()
        conn.send(request_bytes("GET", "/raw"))
        raw = conn.read_all()
        self.assertIn(b"\r\nConnection: close\r\n", raw)
        self.assertNotIn(b"Content-Length", raw)
        self.assertTrue(raw.endswith(b"\r\n\r\nuntil close"))
        self.assertTrue(is_closed(conn))

    def test_http10_closes_unless_it_asks_for_keep_alive(self):
        _, client = _server()
        conn = client.connect()
        conn.send(request_bytes("GET", "/n/1", version="HTTP/1.0"))
        raw = conn.read_all()
        self.assertTrue(raw.startswith(b"HTTP/1.1 200 OK\r\n"))
        self.assertIn(b"\r\nConnection: close\r\n", raw)
        self.assertTrue(raw.endswith(b"n=1"))
        self.assertTrue(is_closed(conn))

    def test_http10_keep_alive(self):
        _, client = _server()
        conn = client.connect()
        conn.send(request_bytes("GET", "/n/1", [("Connection", "keep-alive")], version="HTTP/1.0"))
        response = conn.read_response()
        self.assertEqual(response.headers.get("Connection"), "keep-alive")
        self.assertFalse(conn.closed_by_server)
        conn.send(request_bytes("GET", "/n/2", version="HTTP/1.0"))
        self.assertEqual(conn.read_response().body, b"n=2")
        self.assertTrue(conn.closed_by_server)

    def test_idle_connection_closed_after_keep_alive_timeout(self):
        _, client = _server(keep_alive_timeout=0.05)
        conn = client.connect()
        self.assertEqual(conn.request("GET", "/n/1").status, 200)
        self.assertTrue(until(client, lambda: is_closed(conn), max_ms=2000))
        self.assertEqual(conn.read_all(), b"")


class TestExpectContinue(TestCase):
    def test_100_continue_before_the_body(self):
        _, client = _server()
        conn = client.connect()
        conn.send(request_bytes("POST", "/echo", [("Content-Length", "4"), ("Expect", "100-continue")]))
        self.assertEqual(receive(conn), b"HTTP/1.1 100 Continue\r\n\r\n")
        conn.send(b"data")
        response = conn.read_response()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, b"POST:data")

    def test_no_100_when_the_body_is_refused(self):
        _, client = _server(max_body_size=10)
        conn = client.connect()
        conn.send(request_bytes("POST", "/echo", [("Content-Length", "400"), ("Expect", "100-continue")]))
        raw = receive(conn)
        self.assertTrue(raw.startswith(b"HTTP/1.1 413 "), raw)
        self.assertNotIn(b"100 Continue", raw)

    def test_unknown_expectation_is_417(self):
        _, client = _server()
        raw = client.raw(request_bytes("POST", "/echo", [("Content-Length", "1"), ("Expect", "teapot")], b"x"))
        self.assertTrue(raw.startswith(b"HTTP/1.1 417 "), raw)


class TestChunkedRequestBodies(TestCase):
    def test_W11_chunked_body_with_extensions_and_trailers(self):
        _, client = _server()
        conn = client.connect()
        conn.send(
            b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;name=value\r\nhello\r\n6 ; x=\"q;r\"\r\n world\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"
        )
        self.assertEqual(conn.read_response().body, b"POST:hello world")
        # the connection is still in step for the next request
        self.assertEqual(conn.request("GET", "/n/5").body, b"n=5")

    def test_chunked_body_arriving_byte_by_byte(self):
        _, client = _server()
        conn = client.connect()
        data = b"PUT /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n"
        for index in range(len(data)):
            conn.send(data[index : index + 1])
            client.poll()
        self.assertEqual(conn.read_response().body, b"PUT:abc0123456789")

    def test_empty_chunked_body(self):
        _, client = _server()
        raw = client.raw(b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n")
        self.assertTrue(raw.endswith(b"\r\n\r\nPOST:"), raw)

    def test_W11_body_without_content_length_is_not_read(self):
        _, client = _server()
        conn = client.connect()
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(conn.read_response().body, b"POST:")
