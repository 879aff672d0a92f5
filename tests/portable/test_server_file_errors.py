"""File errors through a server: 403/404 bodies in debug and normal mode (W21), traversal
checked after percent-decoding (a file served after decoding: ``test_files_server``)."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import FileResponse

preload("_debug", "_answers", "_files", "_static", "exceptions")


def portable_dir():
    """The absolute path of tests/portable (a directory that exists, for static files)."""
    import os  # pylint: disable=import-outside-toplevel

    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    if not here.startswith("/"):
        here = os.getcwd() + "/" + here
    return here


def _server(debug=False, root=True):
    server, client = make(portable_dir() if root else None)
    server.debug = debug
    return server, client


class TestFileErrors(TestCase):
    def test_ruling_traversal_is_checked_after_decoding(self):
        _, client = _server()
        for target in ("/%2e%2e/portable/static_fixture.txt", "/x/..%2f..%2fserver_kit.py", "/..%5c..%5cunit.py"):
            self.assertIn(client.get(target).status, (400, 403, 404), target)

    def test_403_body_normal_and_debug(self):
        _, client = _server()
        response = client.get("/a\\b.txt")
        self.assertEqual(response.status, 403)
        self.assertEqual(response.text, "Invalid path")
        _, client = _server(debug=True)
        response = client.get("/a\\b.txt")
        self.assertEqual(response.status, 403)
        self.assertIn("Backslash", response.text)
        self.assertNotIn(portable_dir(), response.text)

    def test_W21_404_body_normal_and_debug_without_filesystem_paths(self):
        _, client = _server()
        response = client.get("/missing.txt")
        self.assertEqual(response.status, 404)
        self.assertEqual(response.text, "File not found")
        _, client = _server(debug=True)
        response = client.get("/missing.txt")
        self.assertEqual(response.status, 404)
        self.assertIn("/missing.txt", response.text)
        self.assertNotIn(portable_dir(), response.text)

    def test_W21_file_errors_raised_in_a_handler(self):
        server, client = _server(debug=True, root=False)
        root = portable_dir()
        server.route("/missing")(lambda request: FileResponse(request, "nope.bin", root))
        server.route("/parent")(lambda request: FileResponse(request, "../etc/passwd", root))
        missing = client.get("/missing")
        self.assertEqual(missing.status, 404)
        self.assertNotIn(root, missing.text)
        parent = client.get("/parent")
        self.assertEqual(parent.status, 403)
        self.assertNotIn(root, parent.text)

    def test_W21_no_route_and_no_root_path(self):
        _, client = _server(root=False)
        self.assertEqual(client.get("/nothing").text, "File not found")
        _, client = _server(debug=True, root=False)
        response = client.get("/nothing")
        self.assertEqual(response.status, 404)
        self.assertNotEqual(response.body, b"")
