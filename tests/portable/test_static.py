"""Tests for the static-file helpers: Range, ETag, HTTP dates, paths (CPython and MicroPython)."""

import os
import time

from unit import TestCase

from adafruit_httpserver._conditional import (
    UNSATISFIABLE,
    etag_matches,
    if_range_matches,
    parse_http_date,
    parse_range,
)
from adafruit_httpserver._static import (
    EPOCH_OFFSET,
    _realpath,
    check_path,
    clock_is_real,
    http_date,
    make_etag,
    within_root,
)
from adafruit_httpserver._text import percent_decode
from adafruit_httpserver.exceptions import (
    BackslashInPathError,
    InvalidPathError,
    ParentDirectoryReferenceError,
)

BIG = "99999999999999999999999"


class TestParseRange(TestCase):
    def test_table(self):
        cases = (
            ("bytes=0-49", 100, (0, 49)),
            ("bytes=50-", 100, (50, 99)),
            ("bytes=-10", 100, (90, 99)),
            ("bytes=-100", 100, (0, 99)),
            ("bytes=-200", 100, (0, 99)),
            ("bytes=0-1000", 100, (0, 99)),
            ("bytes=99-99", 100, (99, 99)),
            ("bytes=0-0", 1, (0, 0)),
            ("bytes=-1", 1, (0, 0)),
            ("bytes= 1 - 2 ", 100, (1, 2)),
            ("Bytes=1-2", 100, (1, 2)),
            ("bytes=1-2,", 100, (1, 2)),
            ("bytes=, 1-2", 100, (1, 2)),
            ("bytes=007-008", 100, (7, 8)),
            ("bytes=0-" + BIG, 100, (0, 99)),
            ("bytes=-" + BIG, 100, (0, 99)),
            # unsatisfiable: 416
            ("bytes=100-", 100, UNSATISFIABLE),
            ("bytes=100-200", 100, UNSATISFIABLE),
            ("bytes=-0", 100, UNSATISFIABLE),
            ("bytes=" + BIG + "-", 100, UNSATISFIABLE),
            ("bytes=0-", 0, UNSATISFIABLE),
            ("bytes=0-0", 0, UNSATISFIABLE),
            ("bytes=-0", 0, UNSATISFIABLE),
            # ignored: whole file
            ("bytes=-5", 0, None),
            ("bytes=5-2", 100, None),
            ("bytes=" + BIG + "-5", 100, None),
            ("bytes=0-1,5-6", 100, None),
            ("bytes=0-1, 200-300", 100, None),
            ("items=0-1", 100, None),
            ("bytes 0-1", 100, None),
            ("bytes=abc", 100, None),
            ("bytes=a-b", 100, None),
            ("bytes=+1-2", 100, None),
            ("bytes=1--2", 100, None),
            ("bytes=-", 100, None),
            ("bytes=", 100, None),
            ("bytes=,", 100, None),
            ("bytes=1.5-2", 100, None),
            ("bytes=\u0661-2", 100, None),  # Arabic-Indic digit one
            ("", 100, None),
            (None, 100, None),
        )
        for header, size, expected in cases:
            self.assertEqual(parse_range(header, size), expected, (header, size))

    def test_unsatisfiable_is_not_a_range(self):
        self.assertNotEqual(UNSATISFIABLE, None)
        self.assertFalse(isinstance(UNSATISFIABLE, tuple))


class TestETags(TestCase):
    def test_make_etag(self):
        self.assertEqual(make_etag(1234, 1700000000.7), '"4d2-6553f100"')
        self.assertEqual(make_etag(0, 0), '"0-0"')
        self.assertNotEqual(make_etag(10, 1), make_etag(10, 2))
        self.assertNotEqual(make_etag(10, 1), make_etag(11, 1))

    def test_if_none_match(self):
        etag = '"4d2-6553f100"'
        self.assertTrue(etag_matches("*", etag))
        self.assertTrue(etag_matches(" * ", etag))
        self.assertTrue(etag_matches(etag, etag))
        self.assertTrue(etag_matches('W/"4d2-6553f100"', etag))
        self.assertTrue(etag_matches('"a", "b" ,W/"4d2-6553f100"', etag))
        self.assertTrue(etag_matches('"a",' + etag, etag))
        self.assertTrue(etag_matches(etag, "W/" + etag))
        self.assertTrue(etag_matches('"x,y", ' + etag, etag))
        self.assertFalse(etag_matches('"4d2-6553f101"', etag))
        self.assertFalse(etag_matches("4d2-6553f100", etag))
        self.assertFalse(etag_matches('"x,' + etag[1:], etag))
        self.assertFalse(etag_matches('"4d2-6553f100', etag))
        self.assertFalse(etag_matches("", etag))
        self.assertFalse(etag_matches(None, etag))
        self.assertFalse(etag_matches("*", ""))

    def test_if_range(self):
        etag = '"1-2"'
        date = "Sun, 06 Nov 1994 08:49:37 GMT"
        self.assertTrue(if_range_matches(etag, etag, date))
        self.assertTrue(if_range_matches(" " + etag + " ", etag, None))
        self.assertFalse(if_range_matches('W/"1-2"', etag, date))
        self.assertFalse(if_range_matches(etag, "W/" + etag, date))
        self.assertFalse(if_range_matches('"1-3"', etag, date))
        self.assertTrue(if_range_matches(date, etag, date))
        self.assertTrue(if_range_matches("Sunday, 06-Nov-94 08:49:37 GMT", etag, date))
        self.assertFalse(if_range_matches("Sun, 06 Nov 1994 08:49:38 GMT", etag, date))
        self.assertFalse(if_range_matches(date, etag, None))
        self.assertFalse(if_range_matches("garbage", etag, date))
        self.assertFalse(if_range_matches("", etag, date))
        self.assertFalse(if_range_matches(None, etag, date))


KNOWN_DATES = (
    (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
    (784111777, "Sun, 06 Nov 1994 08:49:37 GMT"),
    (951782400, "Tue, 29 Feb 2000 00:00:00 GMT"),
    (946684799, "Fri, 31 Dec 1999 23:59:59 GMT"),
    (1709210096, "Thu, 29 Feb 2024 12:34:56 GMT"),
    (2147483648, "Tue, 19 Jan 2038 03:14:08 GMT"),
    (4107542400, "Mon, 01 Mar 2100 00:00:00 GMT"),
    (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
)


class TestHTTPDates(TestCase):
    def test_known_dates(self):
        for seconds, text in KNOWN_DATES:
            self.assertEqual(http_date(seconds), text)
            self.assertEqual(parse_http_date(text), seconds)

    def test_float_seconds(self):
        self.assertEqual(http_date(784111777.9), "Sun, 06 Nov 1994 08:49:37 GMT")

    def test_round_trip(self):
        seconds = -86400 * 400
        while seconds < 4200000000:
            self.assertEqual(parse_http_date(http_date(seconds)), seconds, seconds)
            seconds += 7777777

    def test_obsolete_formats(self):
        self.assertEqual(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777)
        self.assertEqual(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777)
        self.assertEqual(parse_http_date("Thursday, 29-Feb-24 12:34:56 GMT"), 1709210096)
        self.assertEqual(parse_http_date("Sun, 06 Nov 1994 08:49:60 GMT"), 784111799)

    def test_invalid_dates(self):
        for text in (
            "",
            "garbage",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Tue, 29 Feb 1994 08:49:37 GMT",
            "Mon, 29 Feb 2100 00:00:00 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:61 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 06 Nov 19945 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:-1 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun Nov  6 08:49:37",
            "Sun, 0\u0666 Nov 1994 08:49:37 GMT",
        ):
            self.assertIsNone(parse_http_date(text), text)
        self.assertIsNone(parse_http_date(None))
        self.assertIsNone(parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT"))

    def test_clock(self):
        self.assertIn(EPOCH_OFFSET, (0, 946684800))
        real = clock_is_real()
        self.assertIs(real, time.time() + EPOCH_OFFSET > 1577836800)
        # the test machines have a real clock
        self.assertTrue(real)


class TestPaths(TestCase):
    def test_percent_decode(self):
        self.assertEqual(percent_decode("plain/path.txt"), "plain/path.txt")
        self.assertEqual(percent_decode("a%20b"), "a b")
        self.assertEqual(percent_decode("a+b"), "a+b")
        self.assertEqual(percent_decode("%E2%82%AC%e2%82%ac"), "\u20ac\u20ac")
        self.assertEqual(percent_decode("%2e%2E"), "..")
        self.assertEqual(percent_decode("%25"), "%")
        self.assertEqual(percent_decode("%2525"), "%25")
        self.assertEqual(percent_decode("%zz%4%"), "%zz%4%")
        self.assertEqual(percent_decode("%%41"), "%A")
        self.assertEqual(percent_decode("\u20ac%20"), "\u20ac ")
        for bad in ("%ff", "%C3", "%e2%82", "%80"):
            with self.assertRaises(ValueError):
                percent_decode(bad)

    def test_check_path_accepts_what_is_not_a_parent_reference(self):
        for path in ("/index.html", "//etc/passwd", "/a b.txt", "/sub/", "/.../a..b/..c/./x"):
            check_path(path)

    # Paths are checked once percent-decoded (the server decodes them before any lookup).
    def test_check_path_rejects_parent_references(self):
        for path in (
            "/..",
            "/../secret",
            "/a/../../secret",
            "..",
            "/%2e%2e/secret",
            "/%2E%2e/secret",
            "/.%2e/secret",
            "/a/..%2fb",
            "/a%2f..%2fb",
            "/a/%2e%2e",
        ):
            with self.assertRaises(ParentDirectoryReferenceError) as ctx:
                check_path(percent_decode(path), path)
            self.assertEqual(str(ctx.exception), "Parent directory reference in path: " + path)
            self.assertIsInstance(ctx.exception, InvalidPathError)

    def test_check_path_rejects_backslashes(self):
        for path in ("/a\\b", "/a%5cb", "/a%5Cb", "/..\\x"):
            with self.assertRaises(BackslashInPathError) as ctx:
                check_path(percent_decode(path), path)
            self.assertEqual(str(ctx.exception), "Backslash in path: " + path)
            self.assertIsInstance(ctx.exception, InvalidPathError)

    def test_check_path_rejects_nul(self):
        for path in ("/a%00b", "/a\x00b"):
            with self.assertRaises(InvalidPathError):
                check_path(percent_decode(path), path)

    def test_within_root(self):
        if _realpath is None:
            # no realpath (MicroPython, CircuitPython): nothing to resolve, always inside
            self.assertTrue(within_root("/nonexistent", "/etc/passwd"))
            self.assertTrue(within_root("/www", "/www/a"))
            return
        import tempfile  # pylint: disable=import-outside-toplevel

        base = tempfile.mkdtemp()
        root = base + "/root"
        os.mkdir(root)
        os.mkdir(base + "/outside")
        with open(base + "/outside/secret.txt", "w") as handle:
            handle.write("x")
        with open(root + "/ok.txt", "w") as handle:
            handle.write("x")
        os.symlink(base + "/outside", root + "/escape")
        os.symlink(root + "/ok.txt", root + "/alias.txt")
        self.assertTrue(within_root(root, root + "/ok.txt"))
        self.assertTrue(within_root(root + "/", root + "/alias.txt"))
        self.assertTrue(within_root(root, root))
        self.assertTrue(within_root(root, root + "/missing.txt"))
        self.assertFalse(within_root(root, root + "/escape/secret.txt"))
        self.assertFalse(within_root(root, base + "/outside/secret.txt"))
        self.assertFalse(within_root(root, base + "/root2/x"))
        self.assertTrue(within_root("/", root + "/ok.txt"))
