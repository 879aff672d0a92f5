"""The plain lane (``_plain``, CPython only), sending: a ``Response`` of exactly that
class, without headers or cookies of its own, is sent in one piece without the ``_send``
hooks. On the wire it must be byte for byte what the general way (``_send``,
``_send_headers``, ``_send_bytes``) sends; a subclass that changes nothing takes the
general way, so each case is answered both ways on the same keep-alive connection and
compared. (Reading: ``tests/test_plain_reading.py``, CPython only.)"""

from unit import TestCase

from server_kit import make

from adafruit_httpserver import MIMETypes, Response
from adafruit_httpserver import _engine, _http


class _General(Response):
    """Changes nothing, but is not exactly ``Response``: never takes the plain lane."""


CASES = {
    "text": ("Hello", {}),
    "bytes": (b"\x00\x01binary", {}),
    "empty": ("", {}),
    "none": (None, {}),
    "utf8": ("Zo\u00eb \u2713", {}),
    "html": ("<p>hi</p>", {"content_type": "text/html; charset=utf-8"}),
    "created": ("made", {"status": (201, "Created")}),
    "odd": ("?", {"status": (599, "Odd Reason")}),
    "missing": ("no", {"status": (404, "Not Found")}),
    "no-content": ("ignored", {"status": (204, "No Content")}),
    "not-modified": ("", {"status": (304, "Not Modified")}),
    "bytearray": (bytearray(b"ba"), {}),
    "tab-in-type": ("t", {"content_type": "text/plain;\tq=1"}),
    "number-type": ("n", {"content_type": 42}),
    "utf8-reason": ("r", {"status": (200, "D\u00e9j\u00e0 vu")}),
}


def _server():
    server, client = make()
    calls = []

    @server.route("/<kind>/<name>")
    def answer(request, kind, name):
        body, options = CASES[name]
        cls = Response if kind == "plain" else _General
        calls.append(kind)
        return cls(request, body, **options)

    return server, client, calls


def _request(path, version="HTTP/1.1", extra=""):
    return ("GET %s %s\r\nHost: t\r\n%s\r\n" % (path, version, extra)).encode("utf-8")


class TestPlainLane(TestCase):
    def exchange(self, connection, path, version="HTTP/1.1", extra="", head=False):
        connection.send(_request(path, version, extra).replace(b"GET", b"HEAD") if head else _request(path, version, extra))
        return connection.read_response(head=head).raw

    def test_same_bytes_as_the_general_way(self):
        _, client, calls = _server()
        connection = client.connect()
        for name in CASES:
            plain = self.exchange(connection, "/plain/" + name)
            general = self.exchange(connection, "/general/" + name)
            self.assertEqual(plain, general, name)
        self.assertEqual(calls, ["plain", "general"] * len(CASES))
        self.assertFalse(connection.closed_by_server)

    def test_the_lane_is_taken_where_it_exists(self):
        _, client, _ = _server()
        calls = []
        original = Response._send

        def counting(response):
            calls.append(type(response).__name__)
            original(response)

        Response._send = counting
        try:
            self.assertEqual(client.get("/plain/text").body, b"Hello")
            self.assertEqual(client.get("/general/text").body, b"Hello")
        finally:
            Response._send = original
        self.assertEqual(calls, ["_General"] if _http._plain is not None else ["Response", "_General"])
        # and its reading side with it: a board's connections read the general way only
        self.assertIs(_engine._plain, _http._plain)
        client.connect()
        client.poll()
        self.assertEqual(client.server._engine.clients[-1].quick, _http._plain is not None)

    def test_same_persistence_decisions(self):
        _, client, _ = _server()
        for version, extra in (
            ("HTTP/1.0", ""),
            ("HTTP/1.0", "Connection: keep-alive\r\n"),
            ("HTTP/1.1", "Connection: close\r\n"),
            ("HTTP/1.1", ""),
        ):
            answers = []
            for kind in ("plain", "general"):
                connection = client.connect()
                answers.append((self.exchange(connection, "/%s/text" % kind, version, extra), connection.closed_by_server))
                connection.close()
            self.assertEqual(answers[0], answers[1], (version, extra))

    def test_no_body_reaches_the_wire_with_204_or_304(self):
        server, client = make()

        @server.route("/<kind>/<code>")
        def handler(request, kind, code):
            cls = Response if kind == "plain" else _General
            return cls(request, "stray body", status=(int(code), "X"))

        connection = client.connect()
        for kind in ("plain", "general"):
            for code in ("204", "304"):
                connection.send(_request("/%s/%s" % (kind, code)))
                response = connection.read_response()
                self.assertEqual(response.status, int(code))
                self.assertNotIn("content-length", response.headers)
                self.assertEqual(response.body, b"")
            # the stream is still in step: the next answer parses cleanly
            connection.send(_request("/%s/200" % kind))
            self.assertEqual(connection.read_response().body, b"stray body")

    def test_many_different_heads_and_an_unhashable_type(self):
        server, client = make(raise_errors=False)

        @server.route("/<kind>/<number>")
        def varied(request, kind, number):
            cls = Response if kind == "plain" else _General
            content_type = ["text/x-list"] if number == "list" else "text/x-%s" % number
            return cls(request, number, status=(200, "R" + number), content_type=content_type)

        connection = client.connect()
        for number in [str(n) for n in range(40)] + ["list", "0"]:  # past what the lane remembers
            plain = self.exchange(connection, "/plain/" + number)
            self.assertEqual(plain, self.exchange(connection, "/general/" + number), number)
        self.assertIn(b" 200 R39\r\n", self.exchange(connection, "/plain/39"))

    def test_head_requests_match(self):
        _, client, _ = _server()
        connection = client.connect()
        for name in ("text", "created", "empty"):
            self.assertEqual(
                self.exchange(connection, "/plain/" + name, head=True),
                self.exchange(connection, "/general/" + name, head=True),
                name,
            )

    def test_configured_default_content_type(self):
        _, client, _ = _server()
        connection = client.connect()
        MIMETypes.configure(default_to="application/x-test")
        try:
            plain = self.exchange(connection, "/plain/text")
            self.assertEqual(plain, self.exchange(connection, "/general/text"))
            self.assertIn(b"\r\nContent-Type: application/x-test\r\n", plain)
        finally:
            MIMETypes.configure(default_to="text/plain")

    def test_response_size_is_what_was_sent(self):
        server, client = make()
        seen = []

        @server.route("/")
        def index(request):
            response = Response(request, "Hello")
            seen.append(response)
            return response

        raw = client.get("/").raw
        self.assertEqual(seen[0]._size, len(raw))

    def test_injection_in_status_or_content_type_takes_the_general_way(self):
        server, client = make(raise_errors=False)

        @server.route("/status")
        def status(request):
            return Response(request, "x", status=(200, "OK\r\nX-Evil: 1"))

        @server.route("/type")
        def content_type(request):
            return Response(request, "x", content_type="text/plain\x00")

        for path in ("/status", "/type"):
            response = client.get(path)
            self.assertEqual(response.status, 500)
            self.assertNotIn(b"X-Evil", response.raw)
        self.assertEqual(len(client.errors), 2)
        self.assertIsInstance(client.errors[0], ValueError)

