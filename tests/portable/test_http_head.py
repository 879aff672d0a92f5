"""_http.py, sans-IO: parsing a request head, and the body framing and keep-alive decisions
made from it. On CPython a clean head without a body leaves its header lines unparsed until
first used (``HeadLines``); every test here holds for that and for the eager parse alike."""

from unit import TestCase

from adafruit_httpserver import _http
from adafruit_httpserver.headers import Headers

AB = b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: 127.0.0.1:8936\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n"


def parse(head):
    return _http.parse_head(memoryview(bytearray(head)))


def expected(pairs):
    headers = Headers()
    for name, value in pairs:
        headers.add(name, value)
    return headers


class TestHeadParsing(TestCase):
    def check(self, head, pairs):
        headers = parse(head)[3]
        want = expected(pairs)
        self.assertTrue(isinstance(headers, Headers))
        self.assertEqual(headers.original_items(), want.original_items())
        self.assertEqual(headers.fields, want.fields)
        self.assertEqual(repr(headers), repr(want))
        for name in want.fields:
            self.assertEqual(headers.get_list(name.upper()), want.get_list(name))

    def test_request_line(self):
        self.assertEqual(parse(AB)[:3], ("GET", "/", "HTTP/1.0"))
        for line, parts in (
            (b"OPTIONS * HTTP/1.1", ("OPTIONS", "*", "HTTP/1.1")),
            (b"GET http://h:8/a?b=c HTTP/1.1", ("GET", "http://h:8/a?b=c", "HTTP/1.1")),
            (b"GET /a%20b?x=1&y HTTP/1.1", ("GET", "/a%20b?x=1&y", "HTTP/1.1")),
            (b"M-SEARCH /x HTTP/1.1", ("M-SEARCH", "/x", "HTTP/1.1")),
            (b"GET / HTTP/1.2", ("GET", "/", "HTTP/1.2")),
        ):
            self.assertEqual(parse(line + b"\r\nHost: h\r\n\r\n")[:3], parts, line)

    def test_malformed_request_lines_are_refused(self):
        cases = (
            (b"GET  / HTTP/1.1", 400, "Malformed request line"),
            (b"GET /", 400, "Malformed request line"),
            (b"G@T / HTTP/1.1", 400, "Malformed method"),
            (b"GET x HTTP/1.1", 400, "Malformed request target"),
            (b"GET / HTTP/1.1.1", 400, "Malformed HTTP version"),
            (b"GET / HTTP/x.1", 400, "Malformed HTTP version"),
            (b"GET / HTTP/2.0", 505, "Only HTTP/1.0 and HTTP/1.1 are supported"),
        )
        for line, status, message in cases:
            with self.assertRaises(_http.HTTPError) as caught:
                parse(line + b"\r\nHost: h\r\n\r\n")
            self.assertEqual((caught.exception.status, caught.exception.message), (status, message), line)

    def test_typical_client_head(self):
        self.check(AB, [("Connection", "Keep-Alive"), ("Host", "127.0.0.1:8936"), ("User-Agent", "ApacheBench/2.3"), ("Accept", "*/*")])

    def test_no_header_lines(self):
        headers = parse(b"GET /x HTTP/1.1\r\n\r\n")[3]
        self.assertEqual(len(headers), 0)
        self.assertEqual(headers.get("Host"), None)

    def test_values_trimmed_and_names_keep_their_case(self):
        self.check(b"GET / HTTP/1.1\r\nx-LOWER:a\r\nSpaced:   b c  \r\nEmpty:\r\n\r\n", [("x-LOWER", "a"), ("Spaced", "b c"), ("Empty", "")])

    def test_repeated_names_keep_every_value_in_order(self):
        self.check(b"GET / HTTP/1.1\r\nX-A: 1\r\nHost: h\r\nx-a: 2\r\n\r\n", [("X-A", "1"), ("Host", "h"), ("X-A", "2")])

    def test_head_with_a_body(self):
        self.check(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n", [("Host", "h"), ("Content-Length", "3")])

    def test_tab_and_utf8_in_values(self):
        self.check(
            "GET / HTTP/1.1\r\nX-Tab: a\tb\r\nX-Name: Zo\u00eb\r\n\r\n".encode("utf-8"),
            [("X-Tab", "a\tb"), ("X-Name", "Zo\u00eb")],
        )

    def test_bare_lf_line_endings(self):
        self.check(b"GET / HTTP/1.1\nHost: h\nX-B: 2\n\n", [("Host", "h"), ("X-B", "2")])

    def test_unparsed_headers_behave_as_headers_when_changed(self):
        headers = parse(AB)[3]
        headers["Host"] = "other"
        headers.add("X-New", "1")
        del headers["accept"]
        self.assertEqual(headers.get("host"), "other")
        self.assertEqual(headers.fields, ["connection", "host", "user-agent", "x-new"])
        copy = parse(AB)[3].copy()
        self.assertEqual(copy.get("User-Agent"), "ApacheBench/2.3")
        self.assertEqual(len(parse(AB)[3]), 4)
        self.assertTrue("ACCEPT" in parse(AB)[3])
        self.assertEqual(list(parse(AB)[3]), ["connection", "host", "user-agent", "accept"])

    def test_which_heads_stay_unparsed(self):
        lazy = _http._plain is not None  # CPython
        self.assertEqual(type(parse(AB)[3]) is _http.HeadLines, lazy)
        self.assertEqual(type(parse(b"GET / HTTP/1.1\r\n\r\n")[3]) is _http.HeadLines, lazy)
        for head in (
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n",
            b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n",
            b"GET / HTTP/1.1\r\nConnection: a\r\nConnection: b\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: \xc3\xa9\r\n\r\n",
            b"GET / HTTP/1.1\nHost: h\n\n",
        ):
            self.assertTrue(type(parse(head)[3]) is Headers, head)

    def test_unparsed_headers_can_be_copied(self):
        try:
            import copy  # pylint: disable=import-outside-toplevel
        except ImportError:  # (MicroPython without it: there the headers are parsed at once)
            copy = None
        headers = parse(AB)[3]
        if copy is not None:
            duplicate = copy.copy(headers)
            self.assertEqual(duplicate.get("Host"), "127.0.0.1:8936")
            self.assertEqual(copy.deepcopy(parse(AB)[3]).fields, ["connection", "host", "user-agent", "accept"])
        self.assertEqual(headers.copy().original_items(), parse(AB)[3].original_items())

    def test_malformed_lines_are_refused_with_their_reason(self):
        cases = (
            (b"GET / HTTP/1.1\r\nHost h\r\n\r\n", "Malformed header line"),
            (b"GET / HTTP/1.1\r\n: empty name\r\n\r\n", "Malformed header line"),
            (b"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", "Malformed header line"),
            (b"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", "Obsolete header line folding is not accepted"),
            (b"GET / HTTP/1.1\r\nHost: a\x01b\r\n\r\n", "Control character in header value"),
            (b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", "Control character in header value"),
            (b"GET / HTTP/1.1\r\nHost: a\x7fb\r\n\r\n", "Control character in header value"),
            (b"GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n", "Malformed request line"),
        )
        for head, message in cases:
            with self.assertRaises(_http.HTTPError) as caught:
                parse(head)
            self.assertEqual((caught.exception.status, caught.exception.message), (400, message), head)


class TestDecisionsFromTheHead(TestCase):
    def keep_alive(self, head):
        method, target, version, headers = parse(head)
        return _http.wants_keep_alive(version, headers)

    def test_keep_alive(self):
        cases = (
            (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", True),
            (b"GET / HTTP/1.1\r\n\r\n", True),
            (b"GET / HTTP/1.0\r\nHost: h\r\n\r\n", False),
            (b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", True),
            (b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", False),
            (b"GET / HTTP/1.1\r\nConnection:   CLOSE  \r\n\r\n", False),
            (b"GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n", False),
            (b"GET / HTTP/1.0\r\nConnection: TE, keep-alive\r\n\r\n", True),
            (b"GET / HTTP/1.1\r\nConnection: keep-alive\r\nHost: h\r\nconnection: close\r\n\r\n", False),
            (b"GET / HTTP/1.1\r\nX-Connection: close\r\n\r\n", True),
            (b"GET / HTTP/1.1\r\nConnection: close\tnow\r\n\r\n", True),
            (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", True),
        )
        for head, keep in cases:
            self.assertEqual(self.keep_alive(head), keep, head)

    def test_body_framing(self):
        cases = (
            (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", (_http.NO_BODY, 0)),
            (b"POST / HTTP/1.1\r\nX-Content-Length: 5\r\nX: Transfer-Encoding: chunked\r\n\r\n", (_http.NO_BODY, 0)),
            (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", (_http.LENGTH, 5)),
            (b"POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n", (_http.NO_BODY, 0)),
            (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", (_http.CHUNKED, None)),
        )
        for head, framing in cases:
            self.assertEqual(_http.body_framing(parse(head)[3]), framing, head)

    def test_decisions_after_the_headers_were_read(self):
        headers = parse(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")[3]
        self.assertEqual(headers.get("connection"), "close")
        self.assertFalse(_http.wants_keep_alive("HTTP/1.1", headers))
        self.assertEqual(_http.body_framing(headers), (_http.NO_BODY, 0))
