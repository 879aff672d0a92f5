"""FileResponse: Range -> 206, 416, If-Range, several ranges."""

from unit import TestCase

from test_files_support import fetch, make_tree, remove_tree

from adafruit_httpserver._conditional import parse_http_date
from adafruit_httpserver._static import clock_is_real, http_date

BODY = bytes(range(256)) * 4  # 1024 bytes, every offset recognisable modulo 256


class TestRange(TestCase):
    def setUp(self):
        self.base = make_tree({"www/d.bin": BODY})
        self.root = self.base + "/www"

    def tearDown(self):
        remove_tree(self.base)

    def get(self, headers, method="GET"):
        return fetch(self.root, "/d.bin", headers, method)

    def test_ranges(self):
        for spec, start, end in (
            ("bytes=0-99", 0, 99),
            ("bytes=1000-", 1000, 1023),
            ("bytes=-10", 1014, 1023),
            ("bytes=1020-5000", 1020, 1023),
            ("bytes=-5000", 0, 1023),
            ("bytes=7-7", 7, 7),
        ):
            response = self.get({"Range": spec})
            self.assertEqual(response.status, 206, spec)
            self.assertEqual(response.body, BODY[start : end + 1], spec)
            self.assertEqual(response.headers["content-range"], "bytes %d-%d/1024" % (start, end), spec)
            self.assertEqual(response.headers["content-length"], str(end - start + 1), spec)
            self.assertEqual(response.headers["accept-ranges"], "bytes")
            self.assertIn("etag", response.headers)

    def test_unsatisfiable(self):
        for spec in ("bytes=1024-", "bytes=5000-6000", "bytes=-0"):
            response = self.get({"Range": spec})
            self.assertEqual(response.status, 416, spec)
            self.assertEqual(response.headers["content-range"], "bytes */1024")
            self.assertEqual(response.body, b"")
            self.assertEqual(response.headers["content-length"], "0")

    def test_whole_file_instead(self):
        # Several ranges, other units and malformed values: 200 with the whole file.
        for spec in ("bytes=0-1,5-6", "items=0-1", "bytes=5-2", "bytes=x-", "bytes"):
            response = self.get({"Range": spec})
            self.assertEqual(response.status, 200, spec)
            self.assertEqual(response.body, BODY, spec)
            self.assertNotIn("content-range", response.headers)

    def test_if_range_etag(self):
        etag = self.get({}).headers["etag"]
        response = self.get({"Range": "bytes=0-3", "If-Range": etag})
        self.assertEqual(response.status, 206)
        self.assertEqual(response.body, BODY[:4])
        for stale in ('"0-0"', "W/" + etag):  # another tag; weak tags never match
            response = self.get({"Range": "bytes=0-3", "If-Range": stale})
            self.assertEqual(response.status, 200, stale)
            self.assertEqual(response.body, BODY)

    def test_if_range_date(self):
        stamp = self.get({}).headers.get("last-modified")
        if not clock_is_real():
            self.assertIsNone(stamp)
            response = self.get({"Range": "bytes=0-3", "If-Range": http_date(1700000000)})
            self.assertEqual(response.status, 200)
            return
        response = self.get({"Range": "bytes=0-3", "If-Range": stamp})
        self.assertEqual(response.status, 206)
        older = http_date(parse_http_date(stamp) - 60)
        self.assertEqual(self.get({"Range": "bytes=0-3", "If-Range": older}).status, 200)

    def test_conditional_before_range(self):
        etag = self.get({}).headers["etag"]
        response = self.get({"Range": "bytes=0-3", "If-None-Match": etag})
        self.assertEqual(response.status, 304)
        self.assertEqual(response.body, b"")
