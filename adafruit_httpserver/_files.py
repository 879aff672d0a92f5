"""Static files and camera streams, loaded on first use.

``FileResponse`` serves one file from disk, paced by the client (a few KB of RAM whatever
the file size), with:

* a strong ``ETag`` (from size and mtime) and ``If-None-Match`` -> 304; ``Last-Modified``
  and ``If-Modified-Since`` -> 304 only where the clock is real (``_static.clock_is_real()``:
  boards without RTC/NTP would announce dates from 1970/2000);
* ``Accept-Ranges: bytes``; one ``Range`` (``bytes=a-b``, ``a-``, ``-n``) -> 206 with
  ``Content-Range``; past the end -> 416 with ``Content-Range: bytes */size``; several
  ranges, malformed ranges or an ``If-Range`` (ETag or date) that no longer matches -> the
  whole file with 200. Range only applies to GET (HEAD ignores it, RFC 9110 14.2);
* precompressed siblings: ``x.js.gz`` is sent for ``x.js`` (``Content-Encoding: gzip``, the
  content type of ``x.js``, its own ETag) when the client accepts gzip (``Accept-Encoding``
  with q-values: ``gzip;q=0`` refuses, ``*`` counts). ``Vary: Accept-Encoding`` is on every
  answer for a file that has a ``.gz`` sibling. When only ``x.js.gz`` exists it is sent to
  clients that accept gzip or that sent no ``Accept-Encoding`` at all (RFC 9110 12.5.3:
  any coding is then acceptable); a client whose ``Accept-Encoding`` refuses gzip gets 404
  (``FileNotExistsError``), as there is no representation it can read;
* ``Cache-Control``: ``server.static_cache_control`` when the server has that attribute,
  else ``FileResponse.cache_control`` (default ``"no-cache"``: browsers revalidate with the
  ETag, so files updated on the board show up at once while unchanged ones cost a 304);
  ``None`` sends none. Never replaces a ``Cache-Control`` that the user or
  ``server.headers`` set;
* the file is opened when the response is sent, and the status, ETag and length come from
  that opened file: exactly the announced number of bytes is sent. A file that shrinks
  meanwhile closes the connection (so the client sees a truncated body, never a wrong one).

Only a 200 ``FileResponse`` takes part in conditional requests and ranges: one built with
another ``status`` (a custom 404 page, say) is sent as it is.

``MultipartMixedReplaceResponse`` is an MJPEG (``multipart/x-mixed-replace``) stream for
camera apps. ``serve_path`` is what the server runs for requests under ``root_path``.
"""

import os

from ._compat import CPYTHON
from ._static import (
    EPOCH_OFFSET,
    UNSATISFIABLE,
    clock_is_real,
    etag_matches,
    http_date,
    if_range_matches,
    make_etag,
    parse_http_date,
    parse_range,
    within_root,
)
from .exceptions import (
    BackslashInPathError,
    FileNotExistsError,
    InvalidPathError,
    ParentDirectoryReferenceError,
)
from .mime_types import MIMETypes
from .response import Response
from ._responses import stream
from .status import OK_200, Status

_REGULAR_FILE = 0o100000
_DIRECTORY = 0o040000
_FILE_TYPE = 0o170000
# Larger reads are much faster on CPython, where memory is not the constraint.
_CPYTHON_MIN_BUFFER = 65536
_UNSET = object()


class FileResponse(Response):  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """Sends the file ``filename`` under ``root_path`` (or the server's ``root_path``)."""

    cache_control = "no-cache"
    """``Cache-Control`` for files when ``server.static_cache_control`` is not set
    (``None``: none is sent)."""

    gzip_siblings = True
    """Whether ``x.js.gz`` is looked for and sent (``Content-Encoding: gzip``) for ``x.js``."""

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
            _check_path(filename)
        if filename.endswith("/"):
            filename += "index.html"
        root = _root(root_path, request)
        self._path = path = _join(root, filename)
        self._content_type = content_type or MIMETypes.get_for_filename(filename)
        self._buffer_size = max(buffer_size, _CPYTHON_MIN_BUFFER) if CPYTHON else buffer_size
        self._head_only = head_only or request.method == "HEAD"
        self._encoding = None
        self._vary = False
        chosen = path if _file_size(path) is not None else None
        if (
            self.gzip_siblings
            and not path.lower().endswith(".gz")
            and "Content-Encoding" not in self._headers
            and _file_size(path + ".gz") is not None
        ):
            self._vary = True
            accepted = _accepts_gzip(request.headers.get("Accept-Encoding"))
            if accepted or (chosen is None and accepted is None):
                chosen = path + ".gz"
                self._encoding = "gzip"
        if chosen is None or (safe and not within_root(root, chosen)):
            raise FileNotExistsError(path)
        self._file = chosen
        self._file_size = _file_size(chosen)  # recorded now, as in 4.8.2; re-read at send
        if as_attachment:
            name = download_filename or filename.rsplit("/", 1)[-1]
            self._headers.setdefault("Content-Disposition", 'attachment; filename="%s"' % name.replace('"', ""))

    def _send(self):  # pylint: disable=too-many-branches,too-many-statements,too-many-locals
        try:
            handle = open(self._file, "rb")
        except OSError:
            raise FileNotExistsError(self._path) from None
        try:
            size, mtime = _opened_stat(handle, self._file)
        except BaseException:
            handle.close()
            raise
        # Everything announced below describes the file we opened: its size, its ETag.
        headers = self._headers
        etag = make_etag(size, mtime)
        if self._encoding:
            etag = etag[:-1] + '-gz"'
            headers.setdefault("Content-Encoding", self._encoding)
        headers.setdefault("ETag", etag)
        etag = str(headers.get("ETag"))
        modified = mtime + EPOCH_OFFSET
        last_modified = None
        if clock_is_real():
            last_modified = http_date(modified)
            headers.setdefault("Last-Modified", last_modified)
        headers.setdefault("Accept-Ranges", "bytes")
        cache = self._cache_control()
        if cache is not None:
            headers.setdefault("Cache-Control", cache)
        if self._vary:
            _add_vary(headers)

        start, length = 0, size
        request = self._request
        if self._status.code == 200:
            asked = request.headers
            if_none_match = ", ".join(asked.get_list("If-None-Match"))
            if if_none_match:
                fresh = etag_matches(if_none_match, etag)
            else:
                since = asked.get("If-Modified-Since")
                since = parse_http_date(since) if since and last_modified else None
                fresh = since is not None and int(modified) <= since
            if fresh:
                handle.close()
                self._status = Status(304, "Not Modified")
                self._send_headers(None, self._content_type)
                self._close_connection()
                return
            wanted = asked.get("Range")
            if wanted and request.method == "GET":
                if_range = asked.get("If-Range")
                if if_range is None or if_range_matches(if_range, etag, last_modified):
                    span = parse_range(wanted, size)
                    if span == UNSATISFIABLE:
                        handle.close()
                        self._status = Status(416, "Range Not Satisfiable")
                        headers.set("Content-Range", "bytes */%d" % size)
                        self._send_headers(0, self._content_type)
                        self._close_connection()
                        return
                    if span is not None:
                        start, length = span[0], span[1] - span[0] + 1
                        self._status = Status(206, "Partial Content")
                        headers.set("Content-Range", "bytes %d-%d/%d" % (span[0], span[1], size))

        try:
            self._send_headers(length, self._content_type)
        except BaseException:
            handle.close()
            raise
        client = request._client
        if self._head_only or (client is not None and client.head_only) or not length:
            handle.close()
        else:
            if start:
                handle.seek(start)
            stream(self, _pieces(self, handle, length, self._buffer_size))
        self._close_connection()

    def _cache_control(self):
        value = getattr(getattr(self._request, "server", None), "static_cache_control", _UNSET)
        return self.cache_control if value is _UNSET else value

    def _abort(self):
        """Closes the connection mid-body, so the client cannot take a short body as whole."""
        client = self._request._client
        if client is not None:
            if client.response is self:
                client.close()
            return
        try:
            self._request.connection.close()
        except OSError:
            pass


def _root(root_path, request):
    root = root_path or request.server.root_path
    if root is None:
        raise ValueError("root_path must be provided in Server or in FileResponse")
    # 4.8.2 turned an empty root into "/", the whole filesystem; it means the current
    # directory here (the same on boards, where the current directory is "/").
    return root or "."


def _join(root, filename):
    return (root if root.endswith("/") else root + "/") + (filename[1:] if filename.startswith("/") else filename)


def _check_path(path):
    if "\\" in path:
        raise BackslashInPathError(path)
    if ".." in path.split("/"):
        raise ParentDirectoryReferenceError(path)
    if "\x00" in path:
        raise InvalidPathError("NUL byte in path: %s" % (path,))


def _mode_size(path):
    """``(file type bits, size)`` of ``path`` (symlinks followed), or None."""
    try:
        stat = os.stat(path)
    except (OSError, ValueError):  # ValueError: CPython's "embedded null byte"
        return None
    return stat[0] & _FILE_TYPE, stat[6]


def _file_size(path):
    """The size of the regular file ``path``, or None (missing, a directory, ...)."""
    found = _mode_size(path)
    return found[1] if found is not None and found[0] == _REGULAR_FILE else None


def _opened_stat(handle, path):
    """``(size, mtime)`` of the file just opened (``fstat`` where the runtime has it)."""
    stat = None
    if hasattr(os, "fstat") and hasattr(handle, "fileno"):
        try:
            stat = os.fstat(handle.fileno())
        except (OSError, ValueError, AttributeError):
            stat = None
    if stat is None:
        try:
            stat = os.stat(path)
        except OSError:
            raise FileNotExistsError(path) from None
    return stat[6], int(stat[8])


def _accepts_gzip(value):
    """Whether an ``Accept-Encoding`` value accepts gzip: True or False, None when the
    client sent none. Honours q-values (``gzip;q=0`` refuses) and ``*``."""
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
                    quality = float(number.strip())
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            return quality > 0
        if coding == "*":
            star = quality > 0
    return star


def _add_vary(headers):
    vary = headers.get("Vary")
    if vary is None:
        headers.set("Vary", "Accept-Encoding")
        return
    vary = str(vary)
    if "accept-encoding" not in vary.lower() and vary.strip() != "*":
        headers.set("Vary", vary + ", Accept-Encoding")


def _pieces(response, handle, size, buffer_size):
    """Yields views of one reused buffer; the writer sends each before asking for the next."""
    buffer = bytearray(min(buffer_size, size) or 1)
    view = memoryview(buffer)
    left = size
    try:
        while left > 0:
            count = handle.readinto(view[: min(left, len(buffer))])
            if not count:
                response._abort()  # the file shrank: never send a short body as a whole one
                return
            left -= count
            yield view[:count]
    finally:
        handle.close()


# -- automatic root_path serving ---------------------------------------------------------------

_SAFE_URL = b"-._~!$&'()*+,;=:@/"


def _quote_path(path):
    """Percent-encodes a decoded path for a ``Location`` header."""
    out = []
    for byte in path.encode("utf-8"):
        if 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122 or byte in _SAFE_URL:
            out.append(chr(byte))
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


def serve_path(request):
    """What the server sends for a GET/HEAD that no route takes when ``root_path`` is set:
    the file (``index.html`` for a URL ending in ``/``), or a 301 to the slash-terminated
    URL for a directory (the query string is kept). ``request.path`` is already decoded and
    normalised; backslashes, NUL and ``..`` raise ``InvalidPathError`` subclasses (403),
    missing files and symlinks that leave the root ``FileNotExistsError`` (404)."""
    path = request.path
    _check_path(path)
    if not path.endswith("/"):
        root = _root(None, request)
        full = _join(root, path)
        found = _mode_size(full)
        if found is not None and found[0] == _DIRECTORY and within_root(root, full):
            from ._responses import Redirect  # pylint: disable=import-outside-toplevel

            query = getattr(request, "_query", "")
            location = _quote_path(path + "/") + ("?" + query if query else "")
            return Redirect(request, location, permanent=True)
    return FileResponse(request, filename=path, head_only=request.method == "HEAD")


# -- MJPEG ---------------------------------------------------------------------------------------


class MultipartMixedReplaceResponse(Response):
    """A ``multipart/x-mixed-replace`` stream (MJPEG): each frame replaces the previous one
    in the browser (``<img src="/stream">``).

    The response stays open after the handler returns: keep it in a list and call
    ``send_frame`` from your loop, like 4.8.2's video example::

        streams = []

        @server.route("/stream")
        def stream_handler(request):
            response = MultipartMixedReplaceResponse(request)
            streams.append(response)
            return response

        while True:
            server.poll()
            frame = camera.take()  # JPEG bytes
            for response in list(streams):
                if not response.send_frame(frame):
                    streams.remove(response)  # the client has gone or is too slow

    ``send_frame`` never blocks and never raises for a client that has gone: frames are
    queued and written by the next ``poll()`` calls; it returns False once the client has
    gone or has fallen more than 64 KB behind (the stream is then closed). A frame given
    before the handler has returned is kept and sent right after the headers."""

    def __init__(  # pylint: disable=too-many-arguments
        self,
        request,
        *,
        boundary=None,
        frame_content_type="image/jpeg",
        headers=None,
        cookies=None,
    ):
        super().__init__(request, headers=headers, cookies=cookies)
        if boundary is None:
            boundary = _new_boundary()
        self._boundary = str(boundary)
        self._frame_content_type = frame_content_type
        self._content_type = "multipart/x-mixed-replace; boundary=" + self._boundary
        self._headers.setdefault("Cache-Control", "no-cache, no-store, must-revalidate")
        self._started = False
        self._closed = False
        self._early = None

    @property
    def boundary(self):
        return self._boundary

    @property
    def closed(self):
        """True once ``close()`` was called or the client has gone."""
        if not self._closed and self._started:
            client = self._request._client
            if client is not None:
                from ._connection import CLOSED  # pylint: disable=import-outside-toplevel

                if client.state == CLOSED or client.response is not self:
                    self._closed = True
        return self._closed

    def _send(self):
        self._send_headers(None, self._content_type)
        self._started = True
        client = self._request._client
        if client is not None and client.head_only:
            self._closed = True
            self._close_connection()
            return
        early, self._early = self._early, None
        if early is not None:
            self.send_frame(early[0], early[1])
        # Not closed: the server keeps the connection (STREAM) and flushes our frames.

    def send_frame(self, frame, content_type=None):
        """Queues one frame (bytes-like). Returns False once the client is gone or too slow."""
        if self.closed:
            return False
        if not self._started:
            self._early = (bytes(frame), content_type)
            return True
        head = "--%s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
            self._boundary,
            content_type or self._frame_content_type,
            len(frame),
        )
        connection = self._request.connection
        try:
            self._send_bytes(connection, head.encode("utf-8"))
            self._send_bytes(connection, frame)
            self._send_bytes(connection, b"\r\n")
        except OSError:
            self._gone()
            return False
        return True

    def close(self):
        """Ends the stream (with the closing boundary) and closes the connection."""
        if self._closed:
            return
        if self._started and not self.closed:
            try:
                self._send_bytes(self._request.connection, ("--%s--\r\n" % self._boundary).encode("utf-8"))
            except OSError:
                pass
        self._closed = True
        self._close_connection()

    def _gone(self):
        self._closed = True
        client = self._request._client
        if client is not None:
            if client.response is self:
                client.close()
            return
        try:
            self._request.connection.close()
        except OSError:
            pass


def _new_boundary():
    try:
        return "frame-" + "".join(["%02x" % byte for byte in os.urandom(8)])
    except (AttributeError, NotImplementedError, OSError):
        return "adafruit-httpserver-frame"
