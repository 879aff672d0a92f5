"""The plain lane's reading side (``_plain.read_head``; CPython only, like the lane): an
idle connection reads its next head with it, and anything but one complete clean head is
handed to the general way. Every kind of input is sent twice, once on a connection
accepted without the lane (as a board reads) and once with it, and must get the same
answers and give the handler the same requests. (The sending side, and that boards never
take the lane: ``portable/test_server_plain_lane.py``.)"""

from unittest import TestCase

from server_kit import make

from adafruit_httpserver import Response
from adafruit_httpserver import _engine, _http


# Inputs for the reading side: pieces sent one after the other (the server polled between
# them), then a last request that closes, so that everything answered can be compared.
READS = {
    "plain": [b"GET /r/a?x=1&y=%20z HTTP/1.1\r\nHost: t\r\nAccept: */*\r\n\r\n"],
    "http10": [b"GET /r/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"],
    "pipelined": [b"GET /r/a HTTP/1.1\r\nHost: t\r\n\r\nGET /r/b HTTP/1.1\r\nHost: t\r\n\r\n"],
    "split": [b"GET /r/a HTTP/1.1\r\nHo", b"st: t\r\n", b"\r\n"],
    "with-body": [b"POST /r/a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"],
    "body-later": [b"POST /r/a HTTP/1.1\r\nContent-Length: 3\r\n\r\n", b"abc"],
    "chunked": [b"POST /r/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"],
    "utf8-value": ["GET /r/a HTTP/1.1\r\nX-Name: Zo\u00eb\r\n\r\n".encode("utf-8")],
    "tab-value": [b"GET /r/a HTTP/1.1\r\nX-Tab: a\tb\r\n\r\n"],
    "bare-lf": [b"GET /r/a HTTP/1.1\nHost: t\n\n"],
    "leading-crlf": [b"\r\nGET /r/a HTTP/1.1\r\nHost: t\r\n\r\n"],
    "two-connection-lines": [b"GET /r/a HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"],
    "absolute-target": [b"GET http://t/r/a?q=1 HTTP/1.1\r\nHost: t\r\n\r\n"],
    "asterisk": [b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n"],
    "head": [b"HEAD /r/a HTTP/1.1\r\nHost: t\r\n\r\n"],
    "unknown-method": [b"BREW /r/a HTTP/1.1\r\n\r\n"],
    "long-line": [b"GET /r/" + b"a" * 300 + b" HTTP/1.1\r\nHost: t\r\n\r\n"],
    "http2": [b"GET /r/a HTTP/2.0\r\n\r\n"],
    "bad-version": [b"GET /r/a HTTP/1.x\r\n\r\n"],
    "no-target": [b"GET  HTTP/1.1\r\n\r\n"],
    "folded": [b"GET /r/a HTTP/1.1\r\nX-A: 1\r\n  2\r\n\r\n"],
    "no-colon": [b"GET /r/a HTTP/1.1\r\nHost t\r\n\r\n"],
    "control-char": [b"GET /r/a HTTP/1.1\r\nX-A: 1\x01\r\n\r\n"],
    "nul-in-target": [b"GET /r/a\x00 HTTP/1.1\r\n\r\n"],
    "empty-line-only": [b"\r\n\r\n"],
}
_LAST_REQUEST = b"GET /r/end HTTP/1.1\r\nConnection: close\r\n\r\n"


def _reading_server():
    """A server whose route records what each request looked like to the handler (in
    ``server.seen``) and answers with that record."""
    server, client = make(max_request_line_size=200, max_header_size=512, max_connections=2)
    server.seen = []

    @server.route("/r/<name>", methods=("GET", "POST", "HEAD", "OPTIONS"))
    def record(request, name):
        headers = sorted((key, ", ".join(request.headers.get_list(key))) for key in request.headers.keys())
        server.seen.append(
            (name, request.method, request.path, str(request.query_params), request.http_version, headers, request.body)
        )
        return Response(request, repr(server.seen[-1]))

    return server, client


class TestPlainLaneReading(TestCase):
    def answers(self, server, client, pieces, with_lane):
        """Everything the server answers to ``pieces`` on a new connection, and what the
        handler saw. Without the lane, the connection is accepted as a board would."""
        saved = _engine._plain
        if not with_lane:
            _engine._plain = None  # connections accepted now read the general way only
        try:
            server.seen = []
            connection = client.connect()
            client.poll()
            self.assertEqual(server._engine.clients[-1].quick, with_lane and saved is not None)
        finally:
            _engine._plain = saved
        for piece in pieces + [_LAST_REQUEST]:
            try:
                connection.send(piece)
            except OSError:
                break  # the server has answered an error and closed
            for _ in range(3):
                client.poll()
        answers = connection.read_all()
        connection.close()
        return answers, server.seen

    def test_same_answers_and_requests_either_way(self):
        server, client = _reading_server()
        for name, pieces in READS.items():
            general = self.answers(server, client, pieces, False)
            self.assertTrue(general[0].startswith(b"HTTP/1.1 "), name)
            self.assertEqual(self.answers(server, client, pieces, True), general, name)

    def test_the_reading_lane_is_taken(self):
        taken = []
        original = _http._plain.read_head

        def counting(client, now):
            head = original(client, now)
            if head is not None:
                taken.append(head[1])
            return head

        _http._plain.read_head = counting
        try:
            answers, seen = self.answers(*_reading_server(), READS["plain"] + READS["split"], True)
        finally:
            _http._plain.read_head = original
        self.assertEqual(answers.count(b"HTTP/1.1 200 OK"), 3)
        self.assertEqual([entry[0] for entry in seen], ["a", "a", "end"])
        # the plain head and the last one are read at once; the split one is handed over
        self.assertEqual(taken, ["/r/a?x=1&y=%20z", "/r/end"])

    def test_a_spurious_wake_up_reads_nothing_and_keeps_the_connection(self):
        server, client = _reading_server()
        connection = client.connect()
        for _ in range(5):
            client.poll()  # readable-or-not, nothing has arrived: would block, no close
        self.assertEqual(len(server._engine.clients), 1)
        self.assertEqual(connection.request("GET", "/r/a").status, 200)
