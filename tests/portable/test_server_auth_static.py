"""Server-wide authentication covers static files and unknown paths too (contract §7)."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import Response, Token

preload("authentication", "_answers", "_files", "_static")


class TestStaticFilesBehindAuthentication(TestCase):
    def test_unknown_paths_and_static_files_are_protected_too(self):
        server, client = make("/nonexistent-root")
        server.require_authentication([Token("t")])
        server.route("/secret")(lambda request: Response(request, "secret"))
        self.assertEqual(client.get("/missing").status, 401)
        self.assertEqual(client.get("/missing", {"Authorization": "Token t"}).status, 404)
