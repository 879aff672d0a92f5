"""Static files through the whole server (``adafruit_httpserver.testing``): files, HEAD,
index pages, 404, names looked up once percent-decoded, traversal, a file that shrinks
while it is sent. Conditional requests, ranges, gzip and redirects are in
``test_server_files_conditional``."""

from unit import TestCase

from server_kit import preload
from tree_kit import make_tree, remove_tree, write

preload("_files", "_static", "_stream", "_answers")

SECRET = b"outside the root"
BIG = None  # 1024 bytes, made when the tests run


def serve(root):
    """A started server for ``root`` with small buffers, and its ``TestClient``."""
    from adafruit_httpserver import Server, testing  # pylint: disable=import-outside-toplevel

    server = Server(testing.SocketPool(), root, max_connections=1, max_header_size=1024)
    return server, testing.TestClient(server)


class TestServer(TestCase):
    def setUp(self):
        global BIG  # pylint: disable=global-statement
        BIG = bytes(range(256)) * 4
        self.base = make_tree(
            {
                "secret.txt": SECRET,
                "www/index.html": b"home",
                "www/sub/index.html": b"sub",
                "www/big.bin": BIG,
                "www/app.js": b"plain",
                "www/app.js.gz": b"packed",
                "www/a_b.txt": b"decoded",
            }
        )
        self.server, self.client = serve(self.base + "/www")

    def tearDown(self):
        if hasattr(self, "server"):
            self.server.stop()
            remove_tree(self.base)

    def test_files_over_the_wire(self):
        client = self.client
        self.assertEqual(client.get("/big.bin").body, BIG)
        head = client.head("/big.bin")
        self.assertEqual((head.status, head.body, head.headers.get("Content-Length")), (200, b"", "1024"))
        self.assertEqual(client.get("/").body, b"home")
        self.assertEqual(client.get("/sub/").body, b"sub")
        self.assertEqual(client.get("/missing.txt").status, 404)
        self.assertEqual(client.get("/a%5Fb%2Etxt").body, b"decoded")  # looked up once decoded
        self.assertEqual(client.head("/a%5fb.txt").headers.get("Content-Length"), "7")

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
        # The head is kept; the first pieces of the body are counted, not copied (at 128k a
        # few KB in one piece may not be free on a fragmented heap).
        end = connection._buffer.find(b"\r\n\r\n") + 4
        head = bytes(connection._buffer[:end])
        received = len(connection._buffer) - end
        connection._buffer = bytearray()
        write(self.base + "/www/huge.bin", b"tiny")
        connection.sock.send_window = 4000  # (the in-memory pipe would take it all at once)
        for _ in range(self.client.max_polls):  # counted, not kept: the heap is small
            open_still = connection._pump()
            received += len(connection._buffer)
            connection._buffer = bytearray()
            if not open_still:
                break
        self.assertIn(b"Content-Length: %d\r\n" % (160 * len(BIG)), head)
        self.assertLess(received, 160 * len(BIG))
        self.assertTrue(connection.closed_by_server)
