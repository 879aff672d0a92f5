"""FileResponse: ETag / If-None-Match, Last-Modified / If-Modified-Since, Cache-Control,
HEAD, and the size taken from the file actually opened."""

from unit import TestCase

from test_files_support import answer, fetch, make_request, make_tree, remove_tree, write

from adafruit_httpserver._conditional import parse_http_date
from adafruit_httpserver._static import clock_is_real, http_date
from adafruit_httpserver.response import FileResponse

BODY = b"0123456789abcdefghij" * 5


class TestConditional(TestCase):
    def setUp(self):
        self.base = make_tree({"www/a.txt": BODY, "www/b.css": b"p{}"})
        self.root = self.base + "/www"

    def tearDown(self):
        remove_tree(self.base)

    def get(self, path, headers=None, method="GET"):
        return fetch(self.root, path, headers, method)

    def test_etag_and_304(self):
        first = self.get("/a.txt")
        self.assertEqual(first.status, 200)
        self.assertEqual(first.body, BODY)
        self.assertEqual(first.headers.get("content-length"), str(len(BODY)))
        self.assertEqual(first.headers.get("content-type"), "text/plain")
        etag = first.headers.get("etag")
        self.assertTrue(etag.startswith('"') and etag.endswith('"'), etag)
        self.assertEqual(first.headers.get("accept-ranges"), "bytes")
        again = self.get("/a.txt", {"If-None-Match": etag})
        self.assertEqual(again.status, 304)
        self.assertEqual(again.body, b"")
        self.assertEqual(again.headers.get("etag"), etag)
        self.assertIsNone(again.headers.get("content-length"))
        for value in ("W/" + etag, '"other", ' + etag, "*"):
            self.assertEqual(self.get("/a.txt", {"If-None-Match": value}).status, 304, value)
        self.assertEqual(self.get("/a.txt", {"If-None-Match": '"other"'}).status, 200)
        self.assertEqual(self.get("/a.txt", {"If-None-Match": etag}, "HEAD").status, 304)

    def test_etag_changes_with_the_file(self):
        etag = self.get("/a.txt").headers.get("etag")
        write(self.root + "/a.txt", BODY + b"more")
        response = self.get("/a.txt", {"If-None-Match": etag})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, BODY + b"more")
        self.assertNotEqual(response.headers.get("etag"), etag)
        self.assertNotEqual(self.get("/b.css").headers.get("etag"), etag)

    def test_if_modified_since_follows_the_clock(self):
        stamp = self.get("/a.txt").headers.get("last-modified")
        if not clock_is_real():
            # No trustworthy clock: no dates are announced and none are believed.
            self.assertIsNone(stamp)
            response = self.get("/a.txt", {"If-Modified-Since": http_date(4102444800)})
            self.assertEqual(response.status, 200)
            return
        modified = parse_http_date(stamp)
        self.assertIsNotNone(modified)
        self.assertEqual(self.get("/a.txt", {"If-Modified-Since": stamp}).status, 304)
        later = http_date(modified + 3600)
        self.assertEqual(self.get("/a.txt", {"If-Modified-Since": later}).status, 304)
        response = self.get("/a.txt", {"If-Modified-Since": http_date(modified - 1)})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, BODY)
        self.assertEqual(self.get("/a.txt", {"If-Modified-Since": "yesterday"}).status, 200)
        # If-None-Match wins over If-Modified-Since.
        both = {"If-Modified-Since": stamp, "If-None-Match": '"other"'}
        self.assertEqual(self.get("/a.txt", both).status, 200)

    def test_cache_control(self):
        self.assertEqual(self.get("/a.txt").headers.get("cache-control"), "no-cache")
        request = make_request(self.root, "GET", "/a.txt")
        request.server.static_cache_control = "max-age=60"
        self.assertEqual(answer(FileResponse(request, "a.txt")).headers.get("cache-control"), "max-age=60")
        request = make_request(self.root, "GET", "/a.txt")
        request.server.static_cache_control = None
        self.assertIsNone(answer(FileResponse(request, "a.txt")).headers.get("cache-control"))
        request = make_request(self.root, "GET", "/a.txt")
        response = FileResponse(request, "a.txt", headers={"Cache-Control": "no-store"})
        self.assertEqual(answer(response).headers.get("cache-control"), "no-store")

    def test_other_status_is_sent_as_it_is(self):
        etag = self.get("/b.css").headers.get("etag")
        request = make_request(self.root, "GET", "/x", {"If-None-Match": etag, "Range": "bytes=0-0"})
        response = answer(FileResponse(request, "b.css", status=(404, "Not Found")))
        self.assertEqual(response.status, 404)
        self.assertEqual(response.body, b"p{}")

    def test_head(self):
        get = self.get("/a.txt")
        head = self.get("/a.txt", method="HEAD")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")
        self.assertEqual(head.headers.get("content-length"), str(len(BODY)))
        for name in ("etag", "content-type", "accept-ranges", "last-modified", "cache-control"):
            self.assertEqual(head.headers.get(name), get.headers.get(name), name)
        # HEAD ignores Range (RFC 9110 14.2) and answers like a plain GET.
        head = self.get("/a.txt", {"Range": "bytes=0-9"}, "HEAD")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.headers.get("content-length"), str(len(BODY)))
        request = make_request(self.root, "GET", "/a.txt")
        self.assertEqual(answer(FileResponse(request, "a.txt", head_only=True)).body, b"")

    def test_size_is_that_of_the_opened_file(self):
        request = make_request(self.root, "GET", "/a.txt")
        response = FileResponse(request, "a.txt", buffer_size=16)
        write(self.root + "/a.txt", b"short")  # changed between construction and sending
        sent = answer(response)
        self.assertEqual(sent.headers.get("content-length"), "5")
        self.assertEqual(sent.body, b"short")

    def test_growing_file_sends_the_announced_bytes(self):
        request = make_request(self.root, "GET", "/a.txt")
        response = FileResponse(request, "a.txt", buffer_size=16)
        sink = request.connection

        def grow(_sink):
            with open(self.root + "/a.txt", "ab") as handle:
                handle.write(b"+" * 7)

        sink.on_send = grow
        sent = answer(response)
        self.assertEqual(sent.body, BODY)
        self.assertEqual(sent.headers.get("content-length"), str(len(BODY)))

    def test_shrinking_file_closes_the_connection(self):
        request = make_request(self.root, "GET", "/a.txt")
        response = FileResponse(request, "a.txt", buffer_size=16)
        sink = request.connection
        calls = []

        def shrink(_sink):
            calls.append(1)
            if len(calls) == 1:  # while the head is sent, before the body is read
                write(self.root + "/a.txt", b"tiny")

        sink.on_send = shrink
        sent = answer(response)
        self.assertEqual(sent.headers.get("content-length"), str(len(BODY)))
        self.assertLess(len(sent.body), len(BODY))
        self.assertTrue(sent.closed)
