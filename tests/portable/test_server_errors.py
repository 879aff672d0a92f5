"""Handler errors through a server: an exception sends 500 and is re-raised (W6, §11.6), a
body failing midway (W52), a handler returning None."""

from unit import TestCase

from server_kit import is_closed, make, preload, request_bytes

from adafruit_httpserver import ChunkedResponse, Response

preload("_answers", "_stream", "_chunked")


def _server(root=False, raise_errors=True):
    return make(None, raise_errors=raise_errors)


class TestHandlerErrors(TestCase):
    def test_ruling_handler_exception_sends_500_then_reraises(self):
        server, client = _server(root=False)

        @server.route("/boom")
        def boom(request):
            raise RuntimeError("boom")

        with self.assertRaises(RuntimeError):
            client.get("/boom")
        server, client = _server(root=False, raise_errors=False)
        server.route("/boom")(boom)
        server.route("/ok")(lambda request: Response(request, "ok"))
        response = client.get("/boom")
        self.assertEqual(response.status, 500)
        self.assertEqual(response.headers.get("Connection"), "close")
        self.assertEqual(len(client.errors), 1)
        self.assertEqual(str(client.errors[0]), "boom")
        self.assertEqual(client.get("/ok").text, "ok")

    def test_W6_500_closes_the_connection(self):
        server, client = _server(root=False, raise_errors=False)
        server.route("/boom")(lambda request: 1 / 0)
        conn = client.connect()
        self.assertEqual(conn.request("GET", "/boom").status, 500)
        self.assertTrue(conn.closed_by_server)

    def test_own_value_error_is_still_a_500(self):
        server, client = _server(root=False, raise_errors=False)

        @server.route("/v")
        def value_error(request):
            raise ValueError("a bug in the handler")

        self.assertEqual(client.get("/v").status, 500)
        self.assertEqual(len(client.errors), 1)

    def test_returning_something_else_than_a_response_is_500(self):
        server, client = _server(root=False, raise_errors=False)
        server.route("/s")(lambda request: "just a string")
        self.assertEqual(client.get("/s").status, 500)
        self.assertEqual(len(client.errors), 1)

    def test_W52_body_failing_midway_closes_without_a_terminator(self):
        server, client = _server(root=False, raise_errors=False)

        def pieces():
            yield "first"
            raise RuntimeError("midway")

        server.route("/c")(lambda request: ChunkedResponse(request, pieces))
        conn = client.connect()
        conn.send(request_bytes("GET", "/c"))
        raw = conn.read_all()
        self.assertTrue(raw.startswith(b"HTTP/1.1 200 OK\r\n"), raw)
        self.assertNotIn(b"\r\n0\r\n\r\n", raw)
        self.assertTrue(is_closed(conn))
        self.assertEqual([str(e) for e in client.errors], ["midway"])

    def test_handler_returning_none_closes_without_bytes(self):
        server, client = _server(root=False)
        server.route("/none")(lambda request: None)
        conn = client.connect()
        conn.send(request_bytes("GET", "/none"))
        self.assertEqual(conn.read_all(), b"")
        self.assertTrue(is_closed(conn))
