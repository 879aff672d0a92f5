"""The response wire format (contract §10.1 adapted to DESIGN §5), default headers, W28
header injection, and the four ``poll()`` results (§2.3, §8.4)."""

from unit import TestCase

from server_kit import make, request_bytes, since_ms, now_ms, sleep_ms

from adafruit_httpserver import (
    CONNECTION_TIMED_OUT,
    NO_REQUEST,
    REQUEST_HANDLED_NO_RESPONSE,
    REQUEST_HANDLED_RESPONSE_SENT,
    Headers,
    Redirect,
    Response,
)


def head_of(raw):
    """The status line and header lines of a raw response, as a list of str."""
    end = raw.find(b"\r\n\r\n")
    return raw[: end if end >= 0 else len(raw)].decode("utf-8").split("\r\n")


def names_of(raw):
    """Header names as they are on the wire, in order."""
    return [line.split(":", 1)[0] for line in head_of(raw)[1:]]


class _Sub(Response):
    """A subclass that adds a header of its own in ``__init__``."""

    def __init__(self, request, body, **kwargs):
        super().__init__(request, body, **kwargs)
        self._headers.setdefault("X-Sub", "s")


def _transcript_server():
    server, client = make()
    server.headers = {"X-Server": "S"}

    @server.route("/")
    def index(request):
        headers = Headers()
        headers.add("X-Empty-Mid", "")
        headers.add("X-A", "1")
        return _Sub(request, "Hello", cookies={"a": "b", "c": "d"}, headers=headers)

    return server, client


class TestWireFormat(TestCase):
    def test_transcript_of_contract_10_1_with_our_rulings(self):
        _, client = _transcript_server()
        raw = client.get("/").raw
        head = raw[: raw.find(b"\r\n\r\n") + 4]
        lines = head_of(raw)
        self.assertEqual(lines[0], "HTTP/1.1 200 OK")
        self.assertEqual(
            lines[1:8],
            [
                "X-Empty-Mid: ",
                "X-A: 1",
                "X-Sub: s",
                "X-Server: S",
                "Content-Type: text/plain",
                "Content-Length: 5",
                "Connection: close",
            ],
        )
        # cookies come last; their order follows a dict, which MicroPython does not keep
        self.assertEqual(sorted(lines[8:]), ["Set-Cookie: a=b", "Set-Cookie: c=d"])
        self.assertTrue(head.endswith(b"\r\n\r\n"))
        self.assertEqual(raw[len(head) :], b"Hello")

    def test_ruling_header_names_sent_as_the_user_wrote_them(self):
        server, client = make()

        @server.route("/")
        def index(request):
            headers = Headers()
            headers.add("x-lower", "1")
            headers.add("X-UPPER", "2")
            headers.add("x-MiXeD-Case", "3")
            return Response(request, "ok", headers=headers, content_type="text/html")

        raw = client.get("/").raw
        self.assertEqual(
            names_of(raw),
            ["x-lower", "X-UPPER", "x-MiXeD-Case", "Content-Type", "Content-Length", "Connection"],
        )
        self.assertIn("Content-Type: text/html", head_of(raw))

    def test_ruling_server_default_header_names_as_written(self):
        server, client = make()
        server.headers["X-Powered-By"] = "test"

        @server.route("/")
        def index(request):
            return Response(request, "ok")

        self.assertIn("X-Powered-By: test", head_of(client.get("/").raw))

    def test_ruling_headers_storage_stays_lower_case(self):
        server, client = make()
        seen = []

        @server.route("/")
        def index(request):
            seen.append((list(request.headers), request.headers.get("X-CUSTOM")))
            return Response(request, "ok")

        client.get("/", {"X-Custom": "v"})
        names, value = seen[0]
        self.assertIn("x-custom", names)
        self.assertEqual(value, "v")

    def test_default_headers_are_setdefault_so_handler_headers_win(self):
        server, client = make()
        server.headers = {"X-Who": "server", "Content-Type": "text/html", "X-Only": "s"}

        @server.route("/")
        def index(request):
            return Response(request, "ok", headers={"x-who": "handler"})

        response = client.get("/")
        self.assertEqual(response.headers.get_list("X-Who"), ["handler"])
        self.assertEqual(response.headers.get("X-Only"), "s")
        self.assertEqual(response.headers.get_list("Content-Type"), ["text/html"])

    def test_user_content_type_and_length_override_the_automatic_ones(self):
        server, client = make()

        @server.route("/")
        def index(request):
            return Response(request, "abc", headers={"Content-Type": "application/x-thing"})

        response = client.get("/")
        self.assertEqual(response.headers.get_list("content-type"), ["application/x-thing"])
        self.assertEqual(response.headers.get_list("content-length"), ["3"])
        self.assertEqual(response.body, b"abc")

    def test_W28_content_type_injection_never_reaches_the_wire(self):
        server, client = make(raise_errors=False)

        @server.route("/")
        def handler(request):
            return Response(request, "x", content_type="text/html\r\nX-Evil: 1")

        response = client.get("/")
        self.assertEqual(response.status, 500)
        self.assertNotIn(b"X-Evil", response.raw)
        self.assertIn("Content-Type", str(client.errors[0]))

    def test_W28_header_injection_never_reaches_the_wire(self):
        server, client = make(raise_errors=False)

        @server.route("/")
        def handler(request):
            return Response(request, "x", headers={"Location": "/x\r\nSet-Cookie: evil=1"})

        response = client.get("/")
        self.assertEqual(response.status, 500)
        self.assertNotIn(b"evil", response.raw)
        self.assertEqual(len(client.errors), 1)
        self.assertIsInstance(client.errors[0], ValueError)

    def test_W28_cookie_value_injection_never_reaches_the_wire(self):
        server, client = make(raise_errors=False)

        @server.route("/")
        def handler(request):
            return Response(request, "x", cookies={"a": "1\r\nX-Evil: 1"})

        response = client.get("/")
        self.assertEqual(response.status, 500)
        self.assertNotIn(b"X-Evil", response.raw)


class TestLifecycle(TestCase):
    def test_W53_redirect_is_framed_and_keeps_the_connection(self):
        server, client = make()
        server.route("/old")(lambda request: Redirect(request, "/new", permanent=True))
        server.route("/new")(lambda request: Response(request, "new"))
        conn = client.connect()
        response = conn.request("GET", "/old")
        self.assertEqual((response.status, response.headers.get("Location")), (301, "/new"))
        self.assertEqual(response.headers.get("Content-Length"), "0")
        self.assertEqual(conn.request("GET", "/new").text, "new")

    def test_W15_stop_before_start_and_start_twice(self):
        server, client = make()
        with self.assertRaises(RuntimeError):
            server.start("127.0.0.1", 81)
        server.stop()
        self.assertTrue(server.stopped)
        self.assertIsNone(server.port)
        server.stop()  # stopping twice, or before any start, is harmless
        from adafruit_httpserver import Server  # pylint: disable=import-outside-toplevel
        from adafruit_httpserver.testing import SocketPool  # pylint: disable=import-outside-toplevel

        Server(SocketPool()).stop()


class TestPollResults(TestCase):
    def test_constants(self):
        self.assertEqual(NO_REQUEST, "no_request")
        self.assertEqual(CONNECTION_TIMED_OUT, "connection_timed_out")
        self.assertEqual(REQUEST_HANDLED_NO_RESPONSE, "request_handled_no_response")
        self.assertEqual(REQUEST_HANDLED_RESPONSE_SENT, "request_handled_response_sent")

    def _results(self, server, conn, data, stop, max_ms=2000):
        conn.send(data)
        results = []
        start = now_ms()
        while stop not in results and since_ms(start) < max_ms and len(results) < 5000:
            results.append(server.poll())
            sleep_ms(1)
        return results

    def test_idle_server_returns_no_request(self):
        server, _ = make()
        for _ in range(3):
            self.assertEqual(server.poll(), NO_REQUEST)

    def test_response_sent(self):
        server, client = make()
        server.route("/")(lambda request: Response(request, "ok"))
        results = self._results(server, client.connect(), request_bytes("GET", "/"), REQUEST_HANDLED_RESPONSE_SENT)
        self.assertEqual(results[-1], REQUEST_HANDLED_RESPONSE_SENT)
        self.assertEqual(server.poll(), NO_REQUEST)

    def test_handler_returning_none(self):
        server, client = make()
        calls = []
        server.route("/")(lambda request: calls.append(request.path))
        conn = client.connect()
        results = self._results(server, conn, request_bytes("GET", "/"), REQUEST_HANDLED_NO_RESPONSE)
        self.assertEqual(results[-1], REQUEST_HANDLED_NO_RESPONSE)
        self.assertEqual(calls, ["/"])
        self.assertEqual(conn.read_all(), b"")
        self.assertTrue(conn.closed_by_server)

    def test_connection_timed_out(self):
        server, client = make(socket_timeout=0.02)
        conn = client.connect()
        results = self._results(server, conn, b"GET / HTTP/1.1\r\n", CONNECTION_TIMED_OUT)
        self.assertEqual(results[-1], CONNECTION_TIMED_OUT)
        self.assertNotIn(REQUEST_HANDLED_RESPONSE_SENT, results)
