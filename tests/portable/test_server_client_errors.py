"""Client errors escaping a handler become 400, not a re-raised exception: invalid JSON
(W40), malformed multipart (W34), forms for PUT and PATCH (W36), odd cookies (W39)."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import POST, Response

preload("_fields", "interfaces", "_text", "_answers")


class TestClientErrorsEscapingHandlers(TestCase):
    def _server(self):
        server, client = make(raise_errors=False)
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
