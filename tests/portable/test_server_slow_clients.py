"""A client that stops reading never freezes ``poll()``, is dropped after ``send_timeout``
(W48) and gets everything once it reads again, even in tiny pieces."""

from unit import TestCase

from server_kit import is_closed, make, preload, request_bytes, until

from adafruit_httpserver import ChunkedResponse, Response

preload("_chunked", "_stream")

_BIG = 1024  # four send windows (memory is tight in the MicroPython lane)
_WINDOW = 256
_BODY = b"x" * _BIG


def _pieces():
    piece = b"z" * _WINDOW
    for _ in range(_BIG // _WINDOW):
        yield piece


def _server(**limits):
    server, client = make(**limits)
    server.route("/big")(lambda request: Response(request, _BODY))
    server.route("/stream")(lambda request: ChunkedResponse(request, _pieces))
    server.route("/small")(lambda request: Response(request, "small"))
    return server, client


def _count_sends(conn, limit):
    """Wraps the server end's ``send`` so a busy-looping server fails instead of hanging."""
    server_end = conn.sock._peer  # pylint: disable=protected-access
    original = server_end.send
    calls = [0]

    def send(data):
        calls[0] += 1
        if calls[0] > limit:
            raise AssertionError("the server keeps calling send() on a full socket")
        return original(data)

    server_end.send = send
    return calls


class TestClientThatStopsReading(TestCase):
    def _stalled(self, path, **limits):
        server, client = _server(**limits)
        conn = client.connect()
        conn.sock.send_window = _WINDOW  # the client reads nothing more once a window is waiting
        conn.send(request_bytes("GET", path))
        client.poll()
        calls = _count_sends(conn, 2000)
        return server, client, conn, calls

    def test_W48_poll_returns_while_the_client_is_not_reading(self):
        for path in ("/big", "/stream"):
            _, client, conn, calls = self._stalled(path)
            for _ in range(50):
                client.poll()
            self.assertLessEqual(conn.sock.unread, _WINDOW)
            self.assertLess(calls[0], 2000)
            # another client is served meanwhile
            self.assertEqual(client.get("/small").text, "small")

    def test_stalled_response_resumes_when_the_client_reads(self):
        _, client, conn, _ = self._stalled("/big")
        for _ in range(5):
            client.poll()
        conn.sock.send_window = None
        response = conn.read_response()
        self.assertEqual(len(response.body), _BIG)
        self.assertEqual(conn.request("GET", "/small").text, "small")

    def test_stalled_client_is_dropped_after_send_timeout(self):
        for path in ("/big", "/stream"):
            _, client, conn, _ = self._stalled(path, send_timeout=0.05)
            self.assertTrue(until(client, lambda: is_closed(conn), max_ms=3000), path)
            conn.sock.send_window = None
            self.assertLess(len(conn.read_all()), _BIG)

    def test_partial_sends_deliver_everything(self):
        _, client = _server()
        conn = client.connect()
        conn.sock._peer.max_send = 100  # pylint: disable=protected-access
        self.assertEqual(conn.request("GET", "/big").body, b"x" * _BIG)
        self.assertEqual(conn.request("GET", "/stream").body, b"z" * _BIG)
