"""DESIGN §5 rulings on fields, end to end through a server: query and urlencoded values
are decoded, ``get`` returns defaults as given and bytes as bytes, ``get_parameter`` is
exact, a text/plain form keeps an unterminated last line."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import POST, Response

preload("_fields", "interfaces", "_text")


def _server():
    server, client = make()
    results = []

    @server.route("/probe", ["GET", POST])
    def probe(request):
        results.append(request)
        return Response(request, "ok")

    return server, client, results


def _multipart(boundary, parts):
    body = b""
    for disposition, content_type, content in parts:
        body += b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n"
        if content_type:
            body += b"Content-Type: " + content_type + b"\r\n"
        body += b"\r\n" + content + b"\r\n"
    return body + b"--" + boundary + b"--\r\n"


class TestFieldRulings(TestCase):
    def test_ruling_query_and_urlencoded_values_are_decoded(self):
        _, client, results = _server()
        client.get("/probe?x=%3Cb%3E+c&y=a%26b&caf%C3%A9=1")
        query = results[0].query_params
        self.assertEqual(query.get("x", safe=False), "<b> c")
        self.assertEqual(query.get("x"), "&lt;b&gt; c")
        self.assertEqual(query.get("y", safe=False), "a&b")
        self.assertEqual(query.get("caf\u00e9"), "1")
        client.post(
            "/probe",
            b"a=Hello+World%21+%5E-%24%25&b%20c=%E2%82%AC",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        form = results[1].form_data
        self.assertEqual(form.get("a"), "Hello World! ^-$%")
        self.assertEqual(form.get("b c"), "\u20ac")

    def test_ruling_defaults_returned_as_given_and_bytes_as_bytes(self):
        _, client, results = _server()
        body = _multipart(b"bnd", [(b'form-data; name="bin"', b"application/octet-stream", b"\x00\xff<")])
        client.post("/probe?a=1", body, {"Content-Type": "multipart/form-data; boundary=bnd"})
        request = results[0]
        marker = object()
        self.assertIs(request.query_params.get("missing", marker), marker)
        self.assertEqual(request.query_params.get("missing", 0), 0)
        self.assertEqual(request.form_data.get("missing", b"raw"), b"raw")
        self.assertEqual(request.form_data.get("bin"), b"\x00\xff<")
        self.assertEqual(request.form_data.get_list("bin"), [b"\x00\xff<"])

    def test_ruling_get_parameter_is_exact_and_keeps_quoted_values(self):
        _, client, results = _server()
        boundary = b"abc=def"
        body = _multipart(
            boundary,
            [(b'form-data; names="wrong"; name="right"', None, b"1"), (b'form-data; name="q=r;s"', None, b"2")],
        )
        client.post(
            "/probe",
            body,
            {"Content-Type": "multipart/form-data; boundary=abc=def", "X-P": 'a; names=1; name="q=r;s"'},
        )
        request = results[0]
        self.assertEqual(request.headers.get_parameter("X-P", "name"), "q=r;s")
        self.assertEqual(request.headers.get_parameter("Content-Type", "boundary"), "abc=def")
        self.assertEqual(request.form_data.get("right"), "1")
        self.assertIsNone(request.form_data.get("wrong"))
        self.assertEqual(request.form_data["q=r;s"], "2")

    def test_ruling_text_plain_form_keeps_an_unterminated_last_line(self):
        _, client, results = _server()
        client.post("/probe", b"a=1\r\nb=2", {"Content-Type": "text/plain"})
        form = results[0].form_data
        self.assertEqual(form.get("a"), "1")
        self.assertEqual(form.get("b"), "2")
