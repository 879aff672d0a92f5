"""Shared set-up for the ``test_files_*`` modules, and the tests of that set-up.

The modules send responses "directly": a ``Request`` whose connection is a ``Sink``, and
no running server, so they load only the response code. ``test_server_files*`` drive the
whole server through ``adafruit_httpserver.testing``.

The library modules are imported first, leaves first, while the heap is still in one
piece: compiling a module from source needs large temporary blocks, and a nested import
keeps its importers alive meanwhile."""

import gc
import os

for _name in ("_http", "headers", "response", "_static", "_files", "mime_types", "request"):
    gc.collect()
    __import__("adafruit_httpserver." + _name)
gc.collect()

from adafruit_httpserver.request import Request  # noqa: E402  pylint: disable=wrong-import-position

from tree_kit import make_tree, remove_tree, write  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import


def request_bytes(method, path, headers=None):
    text = method + " " + path + " HTTP/1.1\r\nHost: t\r\n"
    for name in headers or {}:
        text += name + ": " + headers[name] + "\r\n"
    return (text + "\r\n").encode("utf-8")


class Sink:
    """Stands in for a client socket: keeps what is sent. ``on_send`` (if set) runs before
    each send; ``gone`` makes sends fail as for a client that has left."""

    def __init__(self):
        self.data = bytearray()
        self.closed = self.gone = False
        self.on_send = None

    def send(self, data):
        if self.on_send is not None:
            self.on_send(self)
        if self.gone or self.closed:
            raise OSError(32)  # EPIPE
        self.data.extend(data)
        return len(data)

    def close(self):
        self.closed = True


class _Server:
    debug = False

    def __init__(self, root):
        self.root_path = root


def make_request(root, method, path, headers=None):
    """A ``Request`` for a server with ``root_path=root``, on a ``Sink``."""
    return Request(_Server(root), Sink(), ("127.0.0.1", 40000), request_bytes(method, path, headers))


class Answer:
    """What was sent: ``status``, ``headers`` ({lower-case name: value}), ``body``,
    ``closed``. A body shorter than Content-Length must come with a closed connection."""

    def __init__(self, sink, head=False):
        data = bytes(sink.data)
        end = data.find(b"\r\n\r\n")
        lines = data[:end].decode("utf-8").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.body = data[end + 4 :]
        self.closed = sink.closed
        length = self.headers.get("content-length")
        if not head and length is not None and len(self.body) != int(length):
            assert self.closed, "short body on a connection left open"


def answer(response):
    """Sends ``response`` (built on a ``make_request`` request); returns an ``Answer``."""
    response._send()
    return Answer(response._request.connection, response._request.method == "HEAD")


def fetch(root, path, headers=None, method="GET"):
    """What automatic ``root_path`` serving sends for one request."""
    from adafruit_httpserver._files import serve_path  # pylint: disable=import-outside-toplevel

    return answer(serve_path(make_request(root, method, path, headers)))


# -- the module's own tests: the small parsers of _files and the helpers above ---------------

from unit import TestCase  # noqa: E402  pylint: disable=wrong-import-position


class TestFileHelpers(TestCase):
    def test_accept_encoding(self):
        from adafruit_httpserver._conditional import accepts_gzip  # pylint: disable=import-outside-toplevel

        for value, expected in (
            (None, None),
            ("", False),
            ("gzip", True),
            ("deflate, gzip;q=0.1", True),
            ("gzip;q=0", False),
            ("gzip; q=0.000", False),
            ("GZip;Q=1", True),
            ("x-gzip", True),
            ("*", True),
            ("*;q=0", False),
            ("gzip;q=0, *", False),
            ("*;q=0, gzip", True),
            ("br, identity", False),
            ("gzip;q=nonsense", False),
        ):
            self.assertEqual(accepts_gzip(value), expected, value)

    def test_common_types_are_those_of_the_table(self):
        from adafruit_httpserver._files import COMMON_TYPES, _content_type  # pylint: disable=import-outside-toplevel
        from adafruit_httpserver.mime_types import MIMETypes  # pylint: disable=import-outside-toplevel

        words = COMMON_TYPES.split()
        self.assertEqual(len(words) % 2, 0)
        for index in range(0, len(words), 2):
            self.assertEqual(MIMETypes.REGISTERED[words[index]], words[index + 1], words[index])
        self.assertEqual(_content_type("dir/Page.HTML"), "text/html")
        self.assertEqual(_content_type("a.tar.gz"), "application/gzip")  # from the table

    def test_location_quoting(self):
        from adafruit_httpserver._files import _quote_path  # pylint: disable=import-outside-toplevel

        self.assertEqual(_quote_path("/a b/é/"), "/a%20b/%C3%A9/")
        self.assertEqual(_quote_path("/x?#%/"), "/x%3F%23%25/")
        self.assertEqual(_quote_path("/A-z_0.9~!$&'()*+,;=:@/"), "/A-z_0.9~!$&'()*+,;=:@/")

    def test_tree_helpers(self):
        base = make_tree({"a/b/c.txt": b"c", "d.txt": b""})
        with open(base + "/a/b/c.txt", "rb") as handle:
            self.assertEqual(handle.read(), b"c")
        remove_tree(base)
        self.assertNotIn(base.rsplit("/", 1)[1], os.listdir("/tmp"))
        sink = Sink()
        sink.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok")
        answer_ = Answer(sink)
        self.assertEqual((answer_.status, answer_.headers["x-a"], answer_.body), (200, "b", b"ok"))
