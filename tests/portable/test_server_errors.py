"""Errors: 403/404 bodies in debug and normal mode (W21), handler exceptions (W6, §11.6),
client errors escaping a handler (W34, W36, W40), a handler returning None."""

from unit import TestCase

from server_kit import is_closed, make, portable_dir, preload, request_bytes

from adafruit_httpserver import ChunkedResponse, FileResponse, POST, Response

preload("_fields", "interfaces", "_debug", "_files", "_responses")


def _server(debug=False, root=True, raise_errors=True):
    server, client = make(portable_dir() if root else None, raise_errors=raise_errors)
    server.debug = debug
    return server, client


def _read(name):
    with open(portable_dir() + "/" + name, "rb") as f:
        return f.read()


class TestFileErrors(TestCase):
    def test_static_file_is_served_after_percent_decoding(self):
        _, client = _server()
        expected = _read("static_fixture.txt")
        self.assertEqual(client.get("/static_fixture.txt").body, expected)
        self.assertEqual(client.get("/static%5Ffixture%2Etxt").body, expected)
        self.assertEqual(client.head("/static_fixture.txt").headers.get("Content-Length"), str(len(expected)))

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


class TestClientErrorsEscapingHandlers(TestCase):
    def _server(self):
        server, client = _server(root=False, raise_errors=False)
        server.route("/json", POST)(lambda request: Response(request, str(request.json())))
        server.route("/form", POST)(lambda request: Response(request, str(request.form_data.get("a"))))
        return server, client

    def test_W40_invalid_json_is_400_and_not_reraised(self):
        _, client = self._server()
        self.assertEqual(client.post("/json", b'{"a": 1}').text, "{'a': 1}")
        response = client.post("/json", b"{not json", {"Content-Type": "application/json"})
        self.assertEqual(response.status, 400)
        self.assertEqual(client.errors, [])

    def test_W34_malformed_multipart_is_400_and_not_reraised(self):
        _, client = self._server()
        for content_type in ("multipart/form-data", "multipart/form-data; boundary=xyz"):
            response = client.post("/form", b"garbage without delimiters", {"Content-Type": content_type})
            self.assertEqual(response.status, 400, content_type)
        self.assertEqual(client.errors, [])

    def test_W36_form_data_for_put_and_patch(self):
        server, client = self._server()
        server.route("/form", ["PUT", "PATCH"])(lambda request: Response(request, request.form_data.get("a")))
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        self.assertEqual(client.put("/form", b"a=1", headers).text, "1")
        self.assertEqual(client.patch("/form", b"a=2", headers).text, "2")

    def test_W39_odd_cookies_do_not_break_the_request(self):
        server, client = self._server()
        server.route("/cookie")(lambda request: Response(request, request.cookies.get("a", "-")))
        self.assertEqual(client.get("/cookie", {"Cookie": "flag; a=1; "}).text, "1")
        self.assertEqual(client.errors, [])
