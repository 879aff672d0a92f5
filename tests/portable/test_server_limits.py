"""Limits and bad input: 400, 408, 413, 414, 431, 501, 505; peers that vanish (W1-W5,
W12, W13). Every answer must come back, and ``poll()`` must never raise or hang."""

from unit import TestCase

from server_kit import is_closed, make, preload, until

from adafruit_httpserver import POST, Response

preload("_chunked")


def _server(**limits):
    server, client = make(**limits)
    calls = []

    def echo(request):
        calls.append(request.body)
        return Response(request, request.body)

    server.route("/", [POST, "GET"])(echo)
    return server, client, calls


def _status(raw):
    return int(raw[9:12]) if raw.startswith(b"HTTP/1.") else None


class TestMalformed(TestCase):
    def test_ruling_malformed_request_is_answered_400(self):
        _, client, calls = _server()
        for data in (
            b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
            b"GET /\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost:x\r\nNo colon here\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
            b"GET / HTTP/1.1\r\n folded: x\r\n\r\n",
            b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET nope HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/x.y\r\nHost: x\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ):
            raw = client.raw(data)
            self.assertEqual(_status(raw), 400, data)
            self.assertIn(b"Connection: close", raw)
        self.assertEqual(calls, [])

    def test_W5_request_without_header_lines_is_fine(self):
        _, client, calls = _server()
        raw = client.raw(b"GET / HTTP/1.0\r\n\r\n")
        self.assertEqual(_status(raw), 200)
        self.assertEqual(len(calls), 1)

    def test_bare_lf_line_endings_are_accepted(self):
        _, client, _ = _server()
        self.assertEqual(_status(client.raw(b"GET / HTTP/1.1\nHost: x\nConnection: close\n\n")), 200)

    def test_505_for_other_http_versions(self):
        _, client, _ = _server()
        self.assertEqual(_status(client.raw(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n")), 505)
        self.assertEqual(_status(client.raw(b"GET / HTTP/0.9\r\nHost: x\r\n\r\n")), 505)

    def test_501_for_unsupported_transfer_encoding(self):
        _, client, calls = _server()
        raw = client.raw(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
        self.assertEqual(_status(raw), 501)
        self.assertEqual(calls, [])


class TestSizeLimits(TestCase):
    def test_414_request_line_too_long(self):
        _, client, calls = _server(max_request_line_size=64)
        raw = client.raw(b"GET /" + b"a" * 100 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(_status(raw), 414)
        self.assertEqual(calls, [])

    def test_414_before_the_line_ends(self):
        _, client, _ = _server(max_request_line_size=64)
        conn = client.connect()
        conn.send(b"GET /" + b"a" * 200)
        self.assertEqual(_status(conn.read_all()), 414)

    def test_431_header_fields_too_large(self):
        _, client, calls = _server(max_header_size=512)
        raw = client.raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 600 + b"\r\n\r\n")
        self.assertEqual(_status(raw), 431)
        raw = client.raw(b"GET / HTTP/1.1\r\n" + b"X-Many: 1234567890\r\n" * 40 + b"\r\n")
        self.assertEqual(_status(raw), 431)
        self.assertEqual(calls, [])

    def test_W3_413_body_too_large_is_refused_before_reading(self):
        _, client, calls = _server(max_body_size=100)
        conn = client.connect()
        conn.send(b"POST / HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n")
        response = conn.read_response()
        self.assertEqual(response.status, 413)
        self.assertEqual(calls, [])

    def test_body_at_the_limit_is_accepted(self):
        _, client, calls = _server(max_body_size=100)
        self.assertEqual(client.post("/", b"x" * 100).status, 200)
        self.assertEqual(calls, [b"x" * 100])

    def test_413_for_a_chunked_body_that_grows_too_large(self):
        _, client, calls = _server(max_body_size=100)
        chunk = b"40\r\n" + b"y" * 64 + b"\r\n"
        raw = client.raw(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 3 + b"0\r\n\r\n")
        self.assertEqual(_status(raw), 413)
        self.assertEqual(calls, [])

    def test_400_for_a_malformed_chunk_size(self):
        _, client, calls = _server()
        raw = client.raw(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
        self.assertEqual(_status(raw), 400)
        self.assertEqual(calls, [])


class TestTimeoutsAndVanishingPeers(TestCase):
    def test_408_when_the_head_stalls(self):
        _, client, calls = _server(socket_timeout=0.03)
        conn = client.connect()
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        self.assertTrue(until(client, lambda: conn.sock.unread > 0))
        self.assertEqual(_status(conn.read_all()), 408)
        self.assertEqual(calls, [])

    def test_W2_slowloris_head_gets_408_from_header_timeout(self):
        server, client, calls = _server(header_timeout=0.15, socket_timeout=5)
        conn = client.connect()
        request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Drip: " + b"d" * 2000
        sent = [0]

        def drip():
            if sent[0] < len(request) and not conn.sock.unread:
                conn.send(request[sent[0] : sent[0] + 1])
                sent[0] += 1
            return conn.sock.unread > 0

        self.assertTrue(until(client, drip, max_ms=3000))
        self.assertEqual(_status(conn.read_all()), 408)
        self.assertLess(sent[0], len(request))
        self.assertEqual(calls, [])

    def test_W12_short_body_is_408_not_a_truncated_request(self):
        _, client, calls = _server(socket_timeout=0.03)
        conn = client.connect()
        conn.send(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        self.assertTrue(until(client, lambda: conn.sock.unread > 0))
        self.assertEqual(_status(conn.read_all()), 408)
        self.assertEqual(calls, [])

    def test_W1_peer_that_connects_and_closes(self):
        server, client, calls = _server()
        conn = client.connect()
        client.poll()
        conn.close()
        self.assertTrue(until(client, lambda: is_closed(conn), max_ms=1000))
        self.assertEqual(client.post("/", b"ok").body, b"ok")

    def test_W1_W13_partial_head_then_close_is_never_parsed(self):
        server, client, calls = _server()
        conn = client.connect()
        conn.send(b"GET / HTTP/1.1\r\nHost: x")
        client.poll()
        conn.close()
        self.assertTrue(until(client, lambda: is_closed(conn), max_ms=1000))
        self.assertEqual(calls, [])

    def test_W1_short_body_then_close_is_never_handled(self):
        server, client, calls = _server()
        conn = client.connect()
        conn.send(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        client.poll()
        conn.close()
        self.assertTrue(until(client, lambda: is_closed(conn), max_ms=1000))
        self.assertEqual(calls, [])
        self.assertEqual(client.get("/").status, 200)

    def test_failed_body_allocation_is_answered_not_raised(self):
        # On a board a fragmented heap fails far smaller allocations; a limit set above what
        # the heap holds makes the same failure certain on every runtime.
        _, client, calls = _server(max_body_size=10**15)
        conn = client.connect()
        conn.send(b"POST / HTTP/1.1\r\nContent-Length: 100000000000000\r\n\r\nabc")
        for _ in range(5):
            client.poll()  # must not raise MemoryError
        raw = conn.read_all()
        self.assertIn(_status(raw), (413, 500, 503), raw)
        self.assertEqual(calls, [])

    def test_rejected_connection_is_closed(self):
        _, client, _ = _server(max_request_line_size=64)
        conn = client.connect()
        conn.send(b"GET /" + b"a" * 100 + b" HTTP/1.1\r\n\r\n")
        self.assertTrue(until(client, lambda: is_closed(conn)))
