"""Static files (``FileResponse``, ``serve_path``), loaded on first use.

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
it is); their code (``_conditional``) loads only for requests that carry such headers. With ``safe`` (the default), symlinks leaving the root give 404 on CPython; the
MicroPython and CircuitPython ``os`` cannot resolve links (boards' FAT has none)."""

import os

from ._compat import CPYTHON
from ._static import EPOCH_OFFSET, check_path, clock_is_real, http_date, make_etag, within_root
from .exceptions import FileNotExistsError
from ._stream import drop, stream
from . import response as _response_module
from .response import Response
from .status import OK_200

_CPYTHON_MIN_BUFFER = 65536  # larger reads are much faster on CPython
_UNSET = object()
# The types of the files a board serves most, as in MIMETypes' table: answered without
# loading that table (~100 strings) while nothing has imported it, so nothing has changed it.
COMMON_TYPES = (
    " .html text/html .htm text/html .css text/css .js text/javascript .mjs text/javascript"
    " .json application/json .txt text/plain .png image/png .jpg image/jpeg .jpeg image/jpeg"
    " .gif image/gif .svg image/svg+xml .ico image/vnd.microsoft.icon .bin application/octet-stream "
)


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
            from ._conditional import accepts_gzip  # pylint: disable=import-outside-toplevel

            self._vary = True
            accepted = accepts_gzip(request.headers.get("Accept-Encoding"))
            if accepted or (chosen is None and accepted is None):
                chosen = path + ".gz"
                self._encoding = "gzip"
        if chosen is None or (safe and not within_root(root, chosen)):
            raise FileNotExistsError(path)
        self._content_type = content_type or _content_type(filename)
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
        asked = request.headers
        conditional = "if-none-match" in asked or "if-modified-since" in asked or "range" in asked
        if conditional and self._status.code == 200:
            from ._conditional import select  # pylint: disable=import-outside-toplevel

            start, length = select(self, size, modified, etag, stamp)
        self._send_headers(length, self._content_type)
        client = request._client
        if self._head_only or not length or (client is not None and client.head_only):
            handle.close()
        else:
            if start:
                handle.seek(start)
            pieces = _pieces(self, handle, length, self._buffer_size)
            target = None
            if CPYTHON and client is not None and client.response is self:
                from ._sendfile import socket_fd  # pylint: disable=import-outside-toplevel

                target = socket_fd(client.sock)
            if target is None:
                stream(self, pieces)
            else:
                from ._sendfile import FileBody  # pylint: disable=import-outside-toplevel

                client.producer = FileBody(self, handle, start, length, target, pieces)
        self._close_connection()


def _content_type(filename):
    """``MIMETypes.get_for_filename(filename)``; a short list serves until the table is
    loaded (only then can it have been changed)."""
    if _response_module._MIME is None:  # pylint: disable=protected-access
        name = filename[filename.rfind("/") + 1 :]
        dot = name.rfind(".")
        if dot >= 0:
            key = " " + name[dot:].lower() + " "
            start = COMMON_TYPES.find(key)
            if start >= 0:
                start += len(key)
                return COMMON_TYPES[start : COMMON_TYPES.find(" ", start)]
    from .mime_types import MIMETypes  # pylint: disable=import-outside-toplevel

    return MIMETypes.get_for_filename(filename)


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


def _pieces(response, handle, size, buffer_size):
    """Yields views of one reused buffer; the writer sends each before asking for the next."""
    buffer = bytearray(min(buffer_size, size) or 1)
    view = memoryview(buffer)
    try:
        while size > 0:
            count = handle.readinto(view[: min(size, len(buffer))])
            if not count:  # the file shrank: never let a short body pass for a whole one
                drop(response)
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
