"""DESIGN §5 compatibility rulings, end to end through a server. One ``test_ruling_*``
test per ruling; the rulings tested where their subject lives are:

* header names as written: ``test_server_wire``;
* 405 + Allow, HEAD, OPTIONS: ``test_server_methods``;
* keep-alive and ``Connection: close``: ``test_server_keepalive``;
* path decoding and literal route paths: ``test_server_routing``; file lookup after
  decoding: ``test_server_file_errors``;
* query, form and header-parameter values: ``test_server_field_rulings``;
* malformed request -> 400: ``test_server_limits``; handler exception -> 500:
  ``test_server_errors``."""

from unit import TestCase

from server_kit import make, preload, request_bytes

from adafruit_httpserver import ChunkedResponse

preload("_responses", "_stream", "_chunked", "sse")


class TestChunkedRuling(TestCase):
    def test_ruling_chunked_response_takes_a_callable_or_an_iterable(self):
        server, client = make()

        def generator_function():
            yield "Adaf"
            yield ""
            yield b"ruit" * 10

        bodies = {
            "/function": generator_function,
            "/generator": generator_function(),
            "/list": ["Adaf", b"", b"ruit" * 10],
            "/lambda": lambda: iter(["Adaf", "ruit" * 10]),
        }
        for path in bodies:
            server.route(path)(lambda request, body=bodies[path]: ChunkedResponse(request, body))
        for path in bodies:
            conn = client.connect()
            conn.send(request_bytes("GET", path, [("Connection", "close")]))
            raw = conn.read_all()
            self.assertIn(b"\r\nTransfer-Encoding: chunked\r\n", raw, path)
            self.assertNotIn(b"Content-Length", raw, path)
            body = raw[raw.find(b"\r\n\r\n") + 4 :]
            self.assertEqual(body, b"4\r\nAdaf\r\n28\r\n" + b"ruit" * 10 + b"\r\n0\r\n\r\n", path)


class TestSSERuling(TestCase):
    def test_ruling_sse_multi_line_data_and_close(self):
        from adafruit_httpserver import SSEResponse  # pylint: disable=import-outside-toplevel

        server, client = make()
        streams = []

        @server.route("/events")
        def events(request):
            streams.append(SSEResponse(request))
            return streams[-1]

        conn = client.connect()
        conn.send(request_bytes("GET", "/events"))
        for _ in range(3):
            client.poll()
        self.assertEqual(len(streams), 1)
        streams[0].send_event("line1\nline2", event="multi")
        streams[0].close()
        raw = conn.read_all()
        head_end = raw.find(b"\r\n\r\n")
        self.assertIn(b"Content-Type: text/event-stream", raw[:head_end])
        body = raw[head_end + 4 :]
        self.assertIn(b"data: line1\ndata: line2\nevent: multi\n\n", body)
        self.assertTrue(body.endswith(b"\n\n"), body)
