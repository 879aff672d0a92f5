"""MJPEG (``MultipartMixedReplaceResponse``) through the whole server: frames reach the
client while others are served, a client that leaves or stops reading is dropped."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import Response
from adafruit_httpserver.response import MultipartMixedReplaceResponse

preload("_stream")


class TestServer(TestCase):
    def setUp(self):
        self.server, self.client = make(max_connections=3, max_header_size=1024)
        self.server.route("/")(lambda request: Response(request, "home"))
        self.streams = []

    def tearDown(self):
        self.server.stop()

    def _open_stream(self):
        @self.server.route("/stream")
        def stream(request):
            response = MultipartMixedReplaceResponse(request, boundary="frame")
            self.streams.append(response)
            return response

        connection = self.client.connect()
        connection.send(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        for _ in range(3):
            connection._pump()
        self.assertEqual(len(self.streams), 1)
        return connection, self.streams[0]

    def test_mjpeg_stream(self):
        connection, stream = self._open_stream()
        for index in range(3):
            self.assertTrue(stream.send_frame(("jpeg-%d" % index).encode()))
            connection._pump()
        self.assertEqual(self.client.get("/").body, b"home")  # others are served meanwhile
        data = bytes(connection._buffer)
        self.assertIn(b"Content-Type: multipart/x-mixed-replace; boundary=frame\r\n", data)
        body = data[data.find(b"\r\n\r\n") + 4 :]
        part = "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 6\r\n\r\njpeg-%d\r\n"
        expected = "".join([part % i for i in range(3)]).encode()
        self.assertEqual(body, expected)
        stream.close()
        self.assertTrue(connection.read_all().endswith(b"--frame--\r\n"))
        self.assertFalse(stream.send_frame(b"late"))

    def test_mjpeg_client_gone(self):
        connection, stream = self._open_stream()
        self.assertTrue(stream.send_frame(b"one"))
        connection.close()  # the client leaves; the server notices on its next poll
        for _ in range(3):
            self.server.poll()
        self.assertFalse(stream.send_frame(b"two"))
        self.assertTrue(stream.closed)

    def test_mjpeg_client_too_slow(self):
        connection, stream = self._open_stream()
        connection.sock.send_window = 100  # reads almost nothing
        frame = b"x" * 8192
        results = [stream.send_frame(frame) for _ in range(12)]
        self.assertIn(False, results)  # more than 64 KB behind: dropped
        self.assertTrue(results[0])
        self.assertTrue(stream.closed)
