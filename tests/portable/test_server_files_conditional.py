"""Static files through the whole server: ETag and If-None-Match (304), Range (206, 416),
gzip siblings, and all of it on one keep-alive connection to a slow reader."""

from unit import TestCase

from server_kit import preload
from tree_kit import make_tree, remove_tree

preload("_files", "_static", "_stream", "_conditional", "_answers")

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

    def test_conditional_and_ranges_over_the_wire(self):
        client = self.client
        etag = client.get("/big.bin").headers.get("ETag")
        self.assertEqual(client.get("/big.bin", {"If-None-Match": etag}).status, 304)
        partial = client.get("/big.bin", {"Range": "bytes=100-299"})
        self.assertEqual(partial.status, 206)
        self.assertEqual(partial.body, BIG[100:300])
        self.assertEqual(partial.headers.get("Content-Range"), "bytes 100-299/1024")
        self.assertEqual(client.get("/big.bin", {"Range": "bytes=20000-"}).status, 416)

    def test_gzip_siblings_over_the_wire(self):
        client = self.client
        packed = client.get("/app.js", {"Accept-Encoding": "gzip"})
        self.assertEqual((packed.body, packed.headers.get("Content-Encoding")), (b"packed", "gzip"))
        self.assertEqual(client.get("/app.js", {"Accept-Encoding": "gzip;q=0"}).body, b"plain")

    def test_keep_alive_and_slow_reader(self):
        connection = self.client.connect()
        connection.sock.send_window = 1000  # the client reads slowly: many polls per file
        etag = connection.request("GET", "/big.bin").headers.get("ETag")
        self.assertEqual(connection.request("GET", "/big.bin", {"If-None-Match": etag}).status, 304)
        self.assertEqual(connection.request("HEAD", "/big.bin").body, b"")
        self.assertEqual(connection.request("GET", "/big.bin", {"Range": "bytes=0-9"}).body, BIG[:10])
        self.assertEqual(connection.request("GET", "/big.bin").body, BIG)
        connection.close()
