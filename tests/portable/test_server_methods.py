"""405 with ``Allow``, automatic OPTIONS and ``OPTIONS *`` (DESIGN §4-§5, W8). HEAD is in
``test_server_head`` (each module loads only what its tests need, to fit a 128k heap)."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import GET, OPTIONS, POST, Response

preload("_answers")


def _allow(response):
    return sorted(m.strip() for m in response.headers.get("Allow", "").split(","))


def _server(root_path=None):
    server, client = make(root_path)
    server.route("/thing", [GET, POST])(lambda request: Response(request, "thing body"))
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
