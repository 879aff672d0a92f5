"""MultipartMixedReplaceResponse (MJPEG), sent without a server: frames, close, gone clients."""

from unit import TestCase

from test_files_support import Answer, make_request

from adafruit_httpserver.response import MultipartMixedReplaceResponse


def parts(body, boundary):
    """The frames of a multipart/x-mixed-replace body: [(content type, bytes)], and
    whether the closing boundary was seen."""
    found = []
    position = 0
    marker = b"--" + boundary.encode("utf-8")
    while True:
        assert body[position : position + len(marker)] == marker, body[position : position + 40]
        position += len(marker)
        if body[position : position + 4] == b"--\r\n":
            return found, True
        head_end = body.find(b"\r\n\r\n", position)
        if head_end < 0:
            return found, False
        fields = {}
        for line in body[position + 2 : head_end].decode("utf-8").split("\r\n"):
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        start = head_end + 4
        end = start + int(fields["content-length"])
        found.append((fields["content-type"], body[start:end]))
        assert body[end : end + 2] == b"\r\n"
        position = end + 2
        if position >= len(body):
            return found, False


class TestMjpeg(TestCase):
    def stream(self, **options):
        request = make_request("/tmp", "GET", "/stream")
        return request.connection, MultipartMixedReplaceResponse(request, **options)

    def test_frames(self):
        sink, response = self.stream()
        self.assertTrue(response.send_frame(b"early"))  # kept until the headers are out
        response._send()
        self.assertFalse(sink.closed)  # stays open after the handler
        self.assertTrue(response.send_frame(b"\xff\xd8one\xff\xd9"))
        self.assertTrue(response.send_frame(bytearray(b"two")))
        self.assertTrue(response.send_frame(memoryview(b"three"), content_type="image/png"))
        answer = Answer(sink)
        self.assertEqual(answer.status, 200)
        kind, _, parameter = answer.headers["content-type"].partition(";")
        self.assertEqual(kind, "multipart/x-mixed-replace")
        boundary = parameter.strip()[len("boundary=") :]
        self.assertEqual(boundary, response.boundary)
        self.assertNotIn("content-length", answer.headers)
        self.assertIn("no-cache", answer.headers["cache-control"])
        frames, ended = parts(answer.body, boundary)
        self.assertFalse(ended)
        self.assertEqual(
            frames,
            [
                ("image/jpeg", b"early"),
                ("image/jpeg", b"\xff\xd8one\xff\xd9"),
                ("image/jpeg", b"two"),
                ("image/png", b"three"),
            ],
        )
        self.assertFalse(response.closed)
        response.close()
        self.assertTrue(response.closed)
        self.assertTrue(sink.closed)
        frames, ended = parts(bytes(sink.data[sink.data.find(b"\r\n\r\n") + 4 :]), boundary)
        self.assertTrue(ended)
        self.assertEqual(len(frames), 4)
        self.assertFalse(response.send_frame(b"late"))

    def test_options(self):
        sink, response = self.stream(boundary="cam", frame_content_type="image/bmp", headers={"X-Cam": "1"})
        response._send()
        response.send_frame(b"BM..")
        answer = Answer(sink)
        self.assertEqual(answer.headers["content-type"], "multipart/x-mixed-replace; boundary=cam")
        self.assertEqual(answer.headers["x-cam"], "1")
        self.assertEqual(parts(answer.body, "cam")[0], [("image/bmp", b"BM..")])
        _, other = self.stream()
        self.assertNotEqual(other.boundary, response.boundary)

    def test_send_frame_after_the_client_left(self):
        sink, response = self.stream()
        response._send()
        self.assertTrue(response.send_frame(b"a"))
        sink.gone = True
        self.assertFalse(response.send_frame(b"b"))  # never raises
        self.assertTrue(response.closed)
        self.assertFalse(response.send_frame(b"c"))
        response.close()  # harmless
        self.assertTrue(response.closed)
