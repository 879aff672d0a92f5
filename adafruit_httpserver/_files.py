"""Static files (``FileResponse``, ``serve_path``) and MJPEG streams, loaded on first use.

``FileResponse`` sends a file paced by the client, in ``buffer_size`` reads (on CPython
the kernel sends it with ``os.sendfile`` where the socket allows: ``_sendfile``), with:

* a strong ``ETag`` (size and mtime): ``If-None-Match`` -> 304. ``Last-Modified`` and
  ``If-Modified-Since`` -> 304 only where ``_static.clock_is_real()`` (boards without
  RTC/NTP would announce dates from 1970/2000);
* ``Accept-Ranges: bytes``; one ``Range`` on a GET -> 206 + ``Content-Range``; past the end
  -> 416 + ``Content-Range: bytes */size``; several or malformed ranges, or an ``If-Range``
  (ETag or date) that no longer matches -> the whole file (200). HEAD ignores Range;
* ``x.js.gz`` sent for ``x.js`` (``Content-Encoding: gzip``, the type of ``x.js``, its own
  ETag) when ``Accept-Encoding`` accepts gzip (q-values: ``gzip;q=0`` refuses; ``*``
  counts); ``Vary: Accept-Encoding`` whenever a ``.gz`` sibling exists. When only
  ``x.js.gz`` exists it goes to clients accepting gzip or sending no Accept-Encoding (any
  coding is then acceptable, RFC 9110 12.5.3); a client refusing gzip gets 404;
* ``Cache-Control``: ``server.static_cache_control`` if the server has that attribute,
  else ``FileResponse.cache_control`` (``"no-cache"``: browsers revalidate with the ETag,
  so files updated on the board show at once and unchanged ones cost a 304); ``None``
  sends none; a ``Cache-Control`` from the user or ``server.headers`` is kept;
* the file is opened at send time and status, ETag and length describe that opened file:
  exactly the announced bytes are sent; a file that shrinks meanwhile closes the
  connection (a truncated body, never a wrong one).

Only a 200 takes part in conditional requests and ranges (a custom 404 page is sent as
it is). With ``safe`` (the default), symlinks leaving the root give 404 on CPython; the
MicroPython and CircuitPython ``os`` cannot resolve links (boards' FAT has none)."""

import os

from ._compat import CPYTHON, sendfile_fd
from ._static import (
    EPOCH_OFFSET,
    UNSATISFIABLE,
    check_path,
    clock_is_real,
    etag_matches,
    http_date,
    if_range_matches,
    make_etag,
    parse_http_date,
    parse_range,
    within_root,
)
from .exceptions import FileNotExistsError
from .response import Response
from ._responses import stream
from .status import OK_200, Status

_CPYTHON_MIN_BUFFER = 65536  # larger reads are much faster on CPython
_UNSET = object()


class FileResponse(Response):  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """Sends the file ``filename`` under ``root_path`` (or the server's ``root_path``)."""

    cache_control = "no-cache"  # used when the server has no ``static_cache_control``
    gzip_siblings = True  # look for ``x.js.gz`` when ``x.js`` is asked for

    def __init__(  # pylint: disable=too-many-arguments,too-many-locals
        self,
        request,
        filename="index.html",
        root_path=None,
        *,
        status=OK_200,
        headers=None,
        cookies=None,
        content_type=None,
        as_attachment=False,
        download_filename=None,
        buffer_size=1024,
        head_only=False,
        safe=True,
    ):
        super().__init__(request, status=status, headers=headers, cookies=cookies, content_type=content_type)
        if safe:
            check_path(filename)
        if filename.endswith("/"):
            filename += "index.html"
        root = _root(root_path, request)
        self._path = path = _join(root, filename)
        if not content_type:
            from .mime_types import MIMETypes  # pylint: disable=import-outside-toplevel

            content_type = MIMETypes.get_for_filename(filename)
        self._content_type = content_type
        self._buffer_size = max(buffer_size, _CPYTHON_MIN_BUFFER) if CPYTHON else buffer_size
        self._head_only = head_only or request.method == "HEAD"
        self._encoding = None
        self._vary = False
        chosen = path if _size(path) is not None else None
        if (
            self.gzip_siblings
            and not path.lower().endswith(".gz")
            and "Content-Encoding" not in self._headers
            and _size(path + ".gz") is not None
        ):
            self._vary = True
            accepted = _accepts_gzip(request.headers.get("Accept-Encoding"))
            if accepted or (chosen is None and accepted is None):
                chosen = path + ".gz"
                self._encoding = "gzip"
        if chosen is None or (safe and not within_root(root, chosen)):
            raise FileNotExistsError(path)
        self._file = chosen
        self._file_size = _size(chosen)  # recorded now as in 4.8.2; taken again when sent
        if as_attachment:
            name = download_filename or filename.rsplit("/", 1)[-1]
            self._headers.setdefault("Content-Disposition", 'attachment; filename="%s"' % name.replace('"', ""))

    def _send(self):
        try:
            handle = open(self._file, "rb")
        except OSError:
            raise FileNotExistsError(self._path) from None
        try:
            self._send_opened(handle)
        except BaseException:
            handle.close()
            raise

    def _send_opened(self, handle):  # pylint: disable=too-many-branches,too-many-locals
        stat = os.fstat(handle.fileno()) if CPYTHON else os.stat(self._file)
        size, modified = stat[6], int(stat[8]) + EPOCH_OFFSET
        headers = self._headers
        etag = make_etag(size, modified)
        if self._encoding:
            etag = etag[:-1] + '-gz"'
            headers.setdefault("Content-Encoding", self._encoding)
        headers.setdefault("ETag", etag)
        etag = str(headers.get("ETag"))
        stamp = None
        if clock_is_real():
            stamp = http_date(modified)
            headers.setdefault("Last-Modified", stamp)
        headers.setdefault("Accept-Ranges", "bytes")
        cache = getattr(getattr(self._request, "server", None), "static_cache_control", _UNSET)
        cache = self.cache_control if cache is _UNSET else cache
        if cache is not None:
            headers.setdefault("Cache-Control", cache)
        if self._vary:
            vary = headers.get("Vary")
            if vary is None:
                headers.set("Vary", "Accept-Encoding")
            elif "accept-encoding" not in str(vary).lower() and str(vary).strip() != "*":
                headers.set("Vary", str(vary) + ", Accept-Encoding")
        start, length = 0, size
        request = self._request
        if self._status.code == 200:
            asked = request.headers
            tags = ", ".join(asked.get_list("If-None-Match"))
            if tags:
                fresh = etag_matches(tags, etag)
            else:
                since = asked.get("If-Modified-Since")
                since = parse_http_date(since) if since and stamp else None
                fresh = since is not None and modified <= since
            span = None
            if fresh:
                self._status = Status(304, "Not Modified")
                length = None
            elif asked.get("Range") and request.method == "GET":
                if_range = asked.get("If-Range")
                if if_range is None or if_range_matches(if_range, etag, stamp):
                    span = parse_range(asked.get("Range"), size)
            if span == UNSATISFIABLE:
                self._status = Status(416, "Range Not Satisfiable")
                headers.set("Content-Range", "bytes */%d" % size)
                length = 0
            elif span is not None:
                start, length = span[0], span[1] - span[0] + 1
                self._status = Status(206, "Partial Content")
                headers.set("Content-Range", "bytes %d-%d/%d" % (span[0], span[1], size))
        self._send_headers(length, self._content_type)
        client = request._client
        if self._head_only or not length or (client is not None and client.head_only):
            handle.close()
        else:
            if start:
                handle.seek(start)
            pieces = _pieces(self, handle, length, self._buffer_size)
            target = sendfile_fd(client.sock) if client is not None and client.response is self else None
            if target is None:
                stream(self, pieces)
            else:
                from ._sendfile import FileBody  # pylint: disable=import-outside-toplevel

                client.producer = FileBody(self, handle, start, length, target, pieces)
        self._close_connection()


def _root(root_path, request):
    root = root_path or request.server.root_path
    if root is None:
        raise ValueError("root_path must be provided in Server or in FileResponse")
    # 4.8.2 made an empty root "/" (the whole filesystem); here it is the current directory
    # (the same on boards, where that is "/").
    return root or "."


def _join(root, filename):
    return (root if root.endswith("/") else root + "/") + (filename[1:] if filename.startswith("/") else filename)


def _kind(path):
    """``(file type bits, size)`` of ``path``, symlinks followed; None when missing."""
    try:
        stat = os.stat(path)
    except (OSError, ValueError):  # ValueError: CPython's "embedded null byte"
        return None
    return stat[0] & 0o170000, stat[6]


def _size(path):
    """The size of the regular file ``path``, else None."""
    kind = _kind(path)
    return kind[1] if kind is not None and kind[0] == 0o100000 else None


def _accepts_gzip(value):
    """True/False: does this ``Accept-Encoding`` accept gzip? None when there is none."""
    if value is None:
        return None
    star = False
    for item in str(value).split(","):
        parts = item.split(";")
        coding = parts[0].strip().lower()
        quality = 1.0
        for parameter in parts[1:]:
            name, _, number = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            return quality > 0
        if coding == "*":
            star = quality > 0
    return star


def _drop(response):
    """Closes ``response``'s connection at once (a body that cannot be completed)."""
    client = response._request._client
    if client is None:
        try:
            response._request.connection.close()
        except OSError:
            pass
    elif client.response is response:
        client.close()


def _pieces(response, handle, size, buffer_size):
    """Yields views of one reused buffer; the writer sends each before asking for the next."""
    buffer = bytearray(min(buffer_size, size) or 1)
    view = memoryview(buffer)
    try:
        while size > 0:
            count = handle.readinto(view[: min(size, len(buffer))])
            if not count:  # the file shrank: never let a short body pass for a whole one
                _drop(response)
                return
            size -= count
            yield view[:count]
    finally:
        handle.close()


def _quote_path(path):
    """Percent-encodes a decoded path for a ``Location`` header."""
    out = []
    for byte in path.encode("utf-8"):
        if 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122 or byte in b"-._~!$&'()*+,;=:@/":
            out.append(chr(byte))
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


def serve_path(request):
    """The answer to a GET/HEAD under ``root_path`` that no route takes: the file
    (``index.html`` for a path ending in ``/``), or a 301 to the slash-terminated URL for a
    directory (query kept). ``request.path`` is already decoded and normalised; a
    backslash, NUL or ``..`` raise ``InvalidPathError`` subclasses (403); missing files and
    symlinks out of the root ``FileNotExistsError`` (404)."""
    path = request.path
    check_path(path)
    if not path.endswith("/"):
        root = _root(None, request)
        full = _join(root, path)
        kind = _kind(full)
        if kind is not None and kind[0] == 0o040000 and within_root(root, full):
            from ._responses import Redirect  # pylint: disable=import-outside-toplevel

            query = getattr(request, "_query", "")
            return Redirect(request, _quote_path(path + "/") + ("?" + query if query else ""), permanent=True)
    return FileResponse(request, filename=path, head_only=request.method == "HEAD")


class MultipartMixedReplaceResponse(Response):
    """An MJPEG (``multipart/x-mixed-replace``) stream: each frame replaces the previous
    one, e.g. in an ``<img src="/stream">``. It stays open after the handler returns: keep
    it in a list and feed it from your loop, like 4.8.2's video example::

        streams = []

        @server.route("/stream")
        def stream_handler(request):
            streams.append(MultipartMixedReplaceResponse(request))
            return streams[-1]

        while True:
            server.poll()
            frame = camera.take()  # JPEG bytes
            for stream in list(streams):
                if not stream.send_frame(frame):
                    streams.remove(stream)  # gone or too slow

    ``send_frame`` never blocks and never raises for a client that has gone: the frame is
    queued and written by the next ``poll()`` calls. It returns False once the client has
    gone or is more than 64 KB behind (the stream is then closed). A frame sent before
    the handler returns goes out right after the headers."""

    def __init__(  # pylint: disable=too-many-arguments
        self, request, *, boundary=None, frame_content_type="image/jpeg", headers=None, cookies=None
    ):
        super().__init__(request, headers=headers, cookies=cookies)
        if boundary is None:
            try:
                boundary = "frame-" + "".join(["%02x" % byte for byte in os.urandom(8)])
            except (AttributeError, NotImplementedError, OSError):
                boundary = "adafruit-httpserver-frame"
        self.boundary = str(boundary)
        self._frame_content_type = frame_content_type
        self._content_type = "multipart/x-mixed-replace; boundary=" + self.boundary
        self._headers.setdefault("Cache-Control", "no-cache, no-store, must-revalidate")
        self._started = self._closed = False
        self._early = None

    @property
    def closed(self):
        """True once ``close()`` was called or the client has gone."""
        client = self._request._client
        if self._started and not self._closed and client is not None:
            from ._states import CLOSED  # pylint: disable=import-outside-toplevel

            self._closed = client.state == CLOSED or client.response is not self
        return self._closed

    def _send(self):
        self._send_headers(None, self._content_type)
        self._started = True
        client = self._request._client
        if client is not None and client.head_only:
            self.close()
        elif self._early is not None:
            self.send_frame(*self._early)
            self._early = None
        # Not closed: the server keeps the connection open and writes our frames.

    def send_frame(self, frame, content_type=None):
        """Queues one frame (bytes-like); False once the client has gone or is too slow."""
        if self.closed:
            return False
        if not self._started:
            self._early = (bytes(frame), content_type)
            return True
        head = "--%s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
            self.boundary,
            content_type or self._frame_content_type,
            len(frame),
        )
        connection = self._request.connection
        try:
            self._send_bytes(connection, head.encode("utf-8"))
            self._send_bytes(connection, frame)
            self._send_bytes(connection, b"\r\n")
        except OSError:
            self._closed = True
            _drop(self)
            return False
        return True

    def close(self):
        """Ends the stream with the closing boundary and closes the connection."""
        if self._started and not self.closed:
            try:
                self._send_bytes(self._request.connection, ("--%s--\r\n" % self.boundary).encode("utf-8"))
            except OSError:
                pass
        self._closed = True
        self._close_connection()
