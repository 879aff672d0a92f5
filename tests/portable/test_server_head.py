"""Automatic HEAD: no body on the wire, whatever answers (DESIGN §5, W9)."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import ChunkedResponse, GET, HEAD, JSONResponse, POST, Response

preload("_chunked")


def _server():
    server, client = make()
    server.route("/thing", [GET, POST])(lambda request: Response(request, "thing body"))
    server.route("/json")(lambda request: JSONResponse(request, {"a": [1, 2, 3]}))
    server.route("/chunked")(lambda request: ChunkedResponse(request, iter(["ab", "cd"])))
    return server, client


class TestHead(TestCase):
    def test_ruling_head_is_automatic_for_get_routes(self):
        _, client = _server()
        full = client.get("/thing")
        head = client.head("/thing")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")
        self.assertEqual(head.headers.get("Content-Length"), full.headers.get("Content-Length"))
        self.assertEqual(head.headers.get("Content-Length"), str(len(b"thing body")))

    def test_W9_head_sends_no_body_on_the_wire(self):
        _, client = _server()
        conn = client.connect()
        response = conn.request("HEAD", "/json")
        self.assertEqual(response.headers.get("Content-Type"), "application/json")
        self.assertEqual(response.headers.get("Content-Length"), str(len(b'{"a": [1, 2, 3]}')))
        # the connection carries on straight after the head: no stray body bytes
        self.assertEqual(conn.request("GET", "/thing").body, b"thing body")

    def test_head_of_a_chunked_response_has_no_body(self):
        _, client = _server()
        conn = client.connect()
        response = conn.request("HEAD", "/chunked")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, b"")
        self.assertEqual(conn.request("GET", "/chunked").body, b"abcd")

    def test_route_naming_head_wins(self):
        server, client = make()
        server.route("/h", GET)(lambda request: Response(request, "from get"))
        server.route("/h", HEAD)(lambda request: Response(request, "", headers={"X-Head": "own"}))
        response = client.head("/h")
        self.assertEqual(response.headers.get("X-Head"), "own")
        self.assertEqual(response.body, b"")

    def test_W9_head_route_body_never_reaches_the_wire(self):
        server, client = make()
        server.route("/h", HEAD)(lambda request: Response(request, "body!"))
        raw = _then_get(client, "HEAD /h")
        self.assertTrue(raw.startswith(b"HTTP/1.1 200 OK\r\n"), raw)
        self.assertNotIn(b"body!", raw)
        self.assertIn(b"\r\n\r\nHTTP/1.1 200 OK\r\n", raw)

    def test_head_error_responses_have_no_body(self):
        server, client = make()
        server.route("/p", POST)(lambda request: Response(request, "p"))
        for target, status in (("/p", b"405"), ("/nothing", b"404")):
            raw = _then_get(client, "HEAD " + target)
            self.assertTrue(raw.startswith(b"HTTP/1.1 " + status), raw)
            # the next response follows the blank line at once
            self.assertIn(b"\r\n\r\nHTTP/1.1 200 OK\r\n", raw)


def _then_get(client, request_line):
    """Pipelines ``request_line`` and a GET of /g; everything received until close."""
    client.server.route("/g")(lambda request: Response(request, "g"))
    conn = client.connect()
    conn.send(request_line + " HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nConnection: close\r\n\r\n")
    return conn.read_all()
