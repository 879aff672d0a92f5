"""FileResponse: precompressed ``.gz`` siblings, Accept-Encoding q-values, Vary."""

from unit import TestCase

from test_files_support import fetch, make_tree, remove_tree

PLAIN = b"function f() { return 1; }\n" * 4
GZ = b"\x1f\x8b\x08\x00fake-gzip-bytes"


class TestGzip(TestCase):
    def setUp(self):
        self.base = make_tree(
            {"www/app.js": PLAIN, "www/app.js.gz": GZ, "www/only.css.gz": GZ, "www/plain.txt": b"p"}
        )
        self.root = self.base + "/www"

    def tearDown(self):
        remove_tree(self.base)

    def get(self, path, encoding=None, method="GET"):
        return fetch(self.root, path, None if encoding is None else {"Accept-Encoding": encoding}, method)

    def test_sibling_sent_to_gzip_clients(self):
        for accept in ("gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "x-gzip", "*", "GZIP"):
            response = self.get("/app.js", accept)
            self.assertEqual(response.body, GZ, accept)
            self.assertEqual(response.headers["content-encoding"], "gzip")
            self.assertEqual(response.headers["content-type"], "text/javascript")
            self.assertEqual(response.headers["vary"], "Accept-Encoding")
            self.assertEqual(response.headers["content-length"], str(len(GZ)))

    def test_plain_file_otherwise(self):
        for accept in (None, "", "gzip;q=0", "deflate, br", "identity", "*;q=0", "gzip;q=0, *", "gzip;q=zz"):
            response = self.get("/app.js", accept)
            self.assertEqual(response.body, PLAIN, accept)
            self.assertNotIn("content-encoding", response.headers)
            self.assertEqual(response.headers["vary"], "Accept-Encoding", accept)

    def test_representations_have_their_own_etags(self):
        plain = self.get("/app.js").headers["etag"]
        packed = self.get("/app.js", "gzip").headers["etag"]
        self.assertNotEqual(plain, packed)
        self.assertEqual(fetch(self.root, "/app.js", {"If-None-Match": plain}).status, 304)
        headers = {"If-None-Match": plain, "Accept-Encoding": "gzip"}
        self.assertEqual(fetch(self.root, "/app.js", headers).status, 200)

    def test_range_applies_to_the_compressed_bytes(self):
        response = fetch(self.root, "/app.js", {"Accept-Encoding": "gzip", "Range": "bytes=0-1"})
        self.assertEqual(response.status, 206)
        self.assertEqual(response.body, GZ[:2])
        self.assertEqual(response.headers["content-range"], "bytes 0-1/%d" % len(GZ))

    def test_only_the_gz_exists(self):
        # Sent to clients that accept gzip or that sent no Accept-Encoding (any coding is
        # then acceptable); 404 for a client that refuses gzip.
        from adafruit_httpserver.exceptions import FileNotExistsError  # pylint: disable=import-outside-toplevel

        for accept in ("gzip", None):
            response = self.get("/only.css", accept)
            self.assertEqual(response.body, GZ, accept)
            self.assertEqual(response.headers["content-encoding"], "gzip")
            self.assertEqual(response.headers["content-type"], "text/css")
        for accept in ("gzip;q=0", "br"):
            with self.assertRaises(FileNotExistsError):
                self.get("/only.css", accept)

    def test_no_vary_without_sibling_and_gz_requested_directly(self):
        response = self.get("/plain.txt", "gzip")
        self.assertNotIn("vary", response.headers)
        self.assertNotIn("content-encoding", response.headers)
        response = self.get("/app.js.gz", "gzip")
        self.assertEqual(response.body, GZ)
        self.assertEqual(response.headers["content-type"], "application/gzip")
        self.assertNotIn("content-encoding", response.headers)

    def test_head(self):
        response = self.get("/app.js", "gzip", "HEAD")
        self.assertEqual(response.body, b"")
        self.assertEqual(response.headers["content-length"], str(len(GZ)))
        self.assertEqual(response.headers["content-encoding"], "gzip")
