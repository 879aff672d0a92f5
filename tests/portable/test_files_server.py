"""Static files and MJPEG through the whole server (``adafruit_httpserver.testing``).

Compiled from source on the 64-bit unix port, the server, the file code and the in-memory
pool need more heap than 128k, so under MicroPython these tests skip below ``NEEDED``
(they run in the 224k lane of tests/test_micropython.py); the other ``test_files_*``
modules send responses directly and cover the same code in 128k."""

import gc

NEEDED = 192 * 1024  # measured: 178k (MicroPython 1.29 unix port, 64-bit)


def _enough_heap():
    if not hasattr(gc, "mem_alloc"):
        return True  # CPython
    gc.collect()
    return gc.mem_free() + gc.mem_alloc() >= NEEDED


if _enough_heap():
    # Compile the server, the file code and the in-memory pool first, leaves first, while
    # the heap is in one piece (each compile needs large temporary blocks).
    for _name in ("_http", "headers", "route", "_connection", "request", "response", "_engine", "testing"):
        gc.collect()
        __import__("adafruit_httpserver." + _name)

from unit import TestCase  # noqa: E402  pylint: disable=wrong-import-position

from test_files_support import make_tree, remove_tree, write  # noqa: E402  pylint: disable=wrong-import-position

SECRET = b"outside the root"
BIG = None  # 2560 bytes, made when the tests run


def _needs_patch(testing):
    pool = testing.SocketPool()
    listener = pool.socket()
    listener.bind(("probe", 1))
    listener.listen(1)
    near = pool.socket()
    near.connect(("probe", 1))
    far = listener.accept()[0]
    near.send(b"ab")
    try:
        far.recv_into(bytearray(1))
    except TypeError:
        return True
    finally:
        for sock in (near, far, listener):
            sock.close()
    return False


def serve(root):
    """A started server for ``root`` with small buffers, and its ``TestClient``."""
    from adafruit_httpserver import Server, testing  # pylint: disable=import-outside-toplevel

    if _needs_patch(testing):
        # MicroPython's bytearray has no slice deletion, which testing.py used in
        # Socket.recv_into and TestConnection.read_response (``del buf[:n]``, a TypeError
        # there): the same code without it, only while testing.py still needs it.
        def recv_into(self, buffer, bufsize=0):
            self._check_open()
            if not self._incoming:
                if self._peer_closed or self._peer is None or self._peer._closed:
                    return 0
                raise OSError(testing.EAGAIN if self._timeout == 0 else testing.ETIMEDOUT)
            count = min(bufsize or len(buffer), len(self._incoming))
            buffer[:count] = self._incoming[:count]
            self._incoming = self._incoming[count:]
            return count

        def read_response(self, head=False):
            for _ in range(self.client.max_polls):
                parsed = testing._parse_response(self._buffer, head, self._eof)
                if parsed is not None:
                    self._buffer = self._buffer[parsed[1] :]
                    return parsed[0]
                if self._eof:
                    break
                self._pump()
            raise AssertionError("no complete response")

        testing.Socket.recv_into = recv_into
        testing.TestConnection.read_response = read_response
    server = Server(testing.SocketPool(), root, max_connections=3, max_header_size=1024)
    return server, testing.TestClient(server)


class TestServer(TestCase):
    def setUp(self):
        if not _enough_heap():
            self.skipTest("needs %dk of heap on the unix port (see the module docstring)" % (NEEDED // 1024))
        global BIG  # pylint: disable=global-statement
        BIG = bytes(range(256)) * 10
        self.base = make_tree(
            {
                "secret.txt": SECRET,
                "www/index.html": b"home",
                "www/sub/index.html": b"sub",
                "www/big.bin": BIG,
                "www/app.js": b"plain",
                "www/app.js.gz": b"packed",
            }
        )
        self.server, self.client = serve(self.base + "/www")
        self.streams = []

    def tearDown(self):
        if hasattr(self, "server"):
            self.server.stop()
            remove_tree(self.base)

    def test_files_over_the_wire(self):
        client = self.client
        first = client.get("/big.bin")
        self.assertEqual(first.body, BIG)
        etag = first.headers.get("ETag")
        self.assertEqual(client.get("/big.bin", {"If-None-Match": etag}).status, 304)
        partial = client.get("/big.bin", {"Range": "bytes=100-299"})
        self.assertEqual(partial.status, 206)
        self.assertEqual(partial.body, BIG[100:300])
        self.assertEqual(partial.headers.get("Content-Range"), "bytes 100-299/2560")
        self.assertEqual(client.get("/big.bin", {"Range": "bytes=20000-"}).status, 416)
        packed = client.get("/app.js", {"Accept-Encoding": "gzip"})
        self.assertEqual((packed.body, packed.headers.get("Content-Encoding")), (b"packed", "gzip"))
        self.assertEqual(client.get("/app.js", {"Accept-Encoding": "gzip;q=0"}).body, b"plain")
        head = client.head("/big.bin")
        self.assertEqual((head.status, head.body, head.headers.get("Content-Length")), (200, b"", "2560"))
        self.assertEqual(client.get("/").body, b"home")
        self.assertEqual(client.get("/sub/").body, b"sub")
        moved = client.get("/sub?page=2")
        self.assertEqual((moved.status, moved.headers.get("Location")), (301, "/sub/?page=2"))
        self.assertEqual(client.get("/missing.txt").status, 404)

    def test_traversal_over_the_wire(self):
        for path in (
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/sub/..%2f..%2fsecret.txt",
            "/..\\secret.txt",
            "/%5c..%5csecret.txt",
            "/secret.txt%00",
            "//secret.txt",
        ):
            response = self.client.get(path)
            self.assertIn(response.status, (400, 403, 404), path)
            self.assertNotEqual(response.body, SECRET, path)

    def test_keep_alive_and_slow_reader(self):
        connection = self.client.connect()
        connection.sock.send_window = 1000  # the client reads slowly: many polls per file
        etag = connection.request("GET", "/big.bin").headers.get("ETag")
        self.assertEqual(connection.request("GET", "/big.bin", {"If-None-Match": etag}).status, 304)
        self.assertEqual(connection.request("HEAD", "/big.bin").body, b"")
        self.assertEqual(connection.request("GET", "/big.bin", {"Range": "bytes=0-9"}).body, BIG[:10])
        self.assertEqual(connection.request("GET", "/big.bin").body, BIG)
        connection.close()

    def test_file_shrinking_while_sent_closes(self):
        # Larger than one read on every runtime (64 KB on CPython), sent across polls.
        with open(self.base + "/www/huge.bin", "wb") as handle:
            for _ in range(160):
                handle.write(BIG)
        connection = self.client.connect()
        connection.sock.send_window = 1000
        connection.send(b"GET /huge.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        for _ in range(3):
            connection._pump()
        write(self.base + "/www/huge.bin", b"tiny")
        connection.sock.send_window = None
        data = connection.read_all()
        self.assertIn(b"Content-Length: 409600\r\n", data)
        self.assertLess(len(data), 409600)
        self.assertTrue(connection.closed_by_server)

    def _open_stream(self):
        from adafruit_httpserver.response import MultipartMixedReplaceResponse  # pylint: disable=import-outside-toplevel

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
