"""405 with ``Allow``, automatic HEAD and OPTIONS, ``OPTIONS *`` (DESIGN §4-§5, W8, W9)."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import ChunkedResponse, GET, HEAD, JSONResponse, OPTIONS, POST, Response

preload("_chunked", "_answers")


def _allow(response):
    return sorted(m.strip() for m in response.headers.get("Allow", "").split(","))


def _server(root_path=None):
    server, client = make(root_path)
    server.route("/thing", [GET, POST])(lambda request: Response(request, "thing body"))
    server.route("/json")(lambda request: JSONResponse(request, {"a": [1, 2, 3]}))
    server.route("/chunked")(lambda request: ChunkedResponse(request, iter(["ab", "cd"])))
    return server, client


class TestMethodNotAllowed(TestCase):
    def test_ruling_405_with_allow(self):
        _, client = _server()
        response = client.delete("/thing")
        self.assertEqual(response.status, 405)
        self.assertEqual(response.reason, "Method Not Allowed")
        self.assertEqual(_allow(response), ["GET", "HEAD", "OPTIONS", "POST"])

    def test_allow_lists_every_route_on_the_path(self):
        server, client = make()
        server.route("/multi", "PUT")(lambda request: Response(request, "put"))
        server.route("/multi", "PATCH")(lambda request: Response(request, "patch"))
        response = client.get("/multi")
        self.assertEqual(response.status, 405)
        self.assertEqual(_allow(response), ["OPTIONS", "PATCH", "PUT"])

    def test_W8_405_even_with_a_root_path(self):
        _, client = _server(root_path="/nonexistent-root")
        response = client.delete("/thing")
        self.assertEqual(response.status, 405)
        self.assertIn("GET", _allow(response))

    def test_unknown_path_is_404_not_405(self):
        _, client = _server()
        self.assertEqual(client.delete("/nothing").status, 404)

    def test_methods_are_case_sensitive(self):
        _, client = _server()
        self.assertEqual(client.request("get", "/thing").status, 405)


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


class TestOptions(TestCase):
    def test_ruling_options_is_automatic(self):
        _, client = _server()
        response = client.options("/thing")
        self.assertIn(response.status, (200, 204))
        self.assertEqual(_allow(response), ["GET", "HEAD", "OPTIONS", "POST"])
        self.assertEqual(response.body, b"")

    def test_route_naming_options_wins(self):
        server, client = make()
        server.route("/cors", GET)(lambda request: Response(request, "get"))
        server.route("/cors", OPTIONS)(
            lambda request: Response(request, "", headers={"Access-Control-Allow-Origin": "*"})
        )
        response = client.options("/cors")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.headers.get("Access-Control-Allow-Origin"), "*")

    def test_options_star_lists_every_method_the_server_serves(self):
        _, client = _server()
        response = client.options("*")
        self.assertIn(response.status, (200, 204))
        self.assertEqual(_allow(response), ["GET", "HEAD", "OPTIONS", "POST"])

    def test_options_keeps_the_connection(self):
        _, client = _server()
        conn = client.connect()
        self.assertIn(conn.request("OPTIONS", "/thing").status, (200, 204))
        self.assertEqual(conn.request("GET", "/thing").body, b"thing body")
