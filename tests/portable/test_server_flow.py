"""Several clients at once (DESIGN §4): eviction when the connection table is full and a
newcomer is waiting (idle keep-alive first, then slow heads, W2); a newcomer waits while
every slot is busy with a request, and gets 503 when every slot holds a stream (W55)."""

from unit import TestCase

from server_kit import is_closed, make, receive, request_bytes, sleep_ms

from adafruit_httpserver import Response, SSEResponse


def _server(**limits):
    server, client = make(**limits)
    server.route("/small")(lambda request: Response(request, "small"))
    server.route("/upload", "POST")(lambda request: Response(request, request.body))
    server.route("/events")(SSEResponse)
    return server, client


class TestConnectionTable(TestCase):
    def test_several_clients_at_once(self):
        _, client = _server(max_connections=3)
        conns = [client.connect() for _ in range(3)]
        for conn in conns:
            conn.send(b"GET /sm")
        client.poll()
        for conn in reversed(conns):
            conn.send(b"all HTTP/1.1\r\nHost: x\r\n\r\n")
        for conn in conns:
            self.assertEqual(conn.read_response().text, "small")

    def test_idle_keep_alive_connection_is_evicted_first(self):
        _, client = _server(max_connections=2, socket_timeout=5)
        busy = client.connect()
        busy.send(b"GET /small HTTP/1.1\r\n")  # an unfinished head
        client.poll()
        idle = client.connect()
        self.assertEqual(idle.request("GET", "/small").text, "small")
        # a keep-alive connection used within the last second may be about to be reused
        sleep_ms(1100)
        newcomer = client.connect()
        self.assertEqual(newcomer.request("GET", "/small").text, "small")
        self.assertTrue(is_closed(idle))
        self.assertFalse(is_closed(busy))
        busy.send(b"Host: x\r\n\r\n")
        self.assertEqual(busy.read_response().text, "small")

    def test_oldest_unfinished_head_is_evicted_with_503(self):
        _, client = _server(max_connections=1)
        slow = client.connect()
        slow.send(b"GET /small HTTP/1.1\r\n")
        client.poll()
        fresh = client.connect()
        self.assertEqual(fresh.request("GET", "/small").text, "small")
        self.assertTrue(receive(slow).startswith(b"HTTP/1.1 503 "))
        self.assertTrue(is_closed(slow))

    def test_full_table_is_left_alone_while_nobody_is_waiting(self):
        _, client = _server(max_connections=2)
        first, second = client.connect(), client.connect()
        first.send(b"GET /small HTTP/1.1\r\n")
        second.send(b"GET /small HTTP/1.1\r\n")
        self.assertEqual(receive(first, polls=5) + receive(second, polls=5), b"")
        for conn in (first, second):
            conn.send(b"Host: x\r\n\r\n")
            self.assertEqual(conn.read_response().text, "small")

    def test_idle_keep_alive_survives_a_full_table_while_nobody_is_waiting(self):
        _, client = _server(max_connections=1)
        conn = client.connect()
        self.assertEqual(conn.request("GET", "/small").text, "small")
        sleep_ms(400)
        for _ in range(5):
            client.poll()
        self.assertFalse(is_closed(conn))
        self.assertEqual(conn.request("GET", "/small").text, "small")

    def test_full_table_of_streams_answers_503(self):
        _, client = _server(max_connections=1)
        stream = client.connect()
        stream.send(request_bytes("GET", "/events"))
        self.assertIn(b"text/event-stream", receive(stream))
        turned_away = client.connect()
        self.assertTrue(receive(turned_away).startswith(b"HTTP/1.1 503 Service Unavailable\r\n"))
        self.assertTrue(is_closed(turned_away))
        self.assertFalse(is_closed(stream))

    def test_full_table_of_busy_connections_makes_newcomers_wait_not_fail(self):
        # A slot busy with a request frees soon: the newcomer waits in the listen backlog
        # (no reset, no 503) and is served as soon as the upload is done.
        _, client = _server(max_connections=1)
        upload = client.connect()
        upload.send(b"POST /upload HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")  # body under way
        client.poll()
        waiting = client.connect()
        waiting.send(b"GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        for _ in range(5):
            client.poll()
        self.assertFalse(is_closed(upload))
        upload.send(b"defghij")
        self.assertEqual(upload.read_response().body, b"abcdefghij")
        upload.close()
        self.assertEqual(waiting.read_response().text, "small")
