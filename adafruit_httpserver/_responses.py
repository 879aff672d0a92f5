"""``Redirect`` and ``ChunkedResponse`` (importable from ``adafruit_httpserver.response``),
loaded on first use, and ``send_all`` for sockets the server does not manage."""

from ._compat import EPIPE, send_some, ticks_diff, ticks_ms
from ._http import check_header
from .response import Response
from .status import OK_200


def send_all(conn, buffer, timeout_ms=10000):
    """Blocking-style send for sockets the server does not manage (bounded in time)."""
    view = memoryview(buffer)
    start = ticks_ms()
    while len(view):
        sent = send_some(conn, view)
        if sent:
            view = view[sent:]
            start = ticks_ms()
        elif ticks_diff(ticks_ms(), start) > timeout_ms:
            raise OSError(EPIPE, "send timed out")


class Redirect(Response):  # pylint: disable=too-few-public-methods
    """Redirects the client to ``url`` (302, or 301/307/308 as asked)."""

    def __init__(
        self,
        request,
        url,
        *,
        permanent=False,
        preserve_method=False,
        status=None,
        headers=None,
        cookies=None,
    ):
        if status is not None and (permanent or preserve_method):
            raise ValueError("Cannot specify both status and permanent/preserve_method argument")
        if status is None:
            code = (307 if preserve_method else 302) if not permanent else (308 if preserve_method else 301)
            status = {
                301: (301, "Moved Permanently"),
                302: (302, "Found"),
                307: (307, "Temporary Redirect"),
                308: (308, "Permanent Redirect"),
            }[code]
        super().__init__(request, status=status, headers=headers, cookies=cookies)
        check_header("Location", url)
        self._headers.update({"Location": url})

    def _send(self):
        self._send_headers(0, self._content_type)
        self._close_connection()


class ChunkedResponse(Response):  # pylint: disable=too-few-public-methods
    """Sends a body of unknown length with ``Transfer-Encoding: chunked``.

    ``body`` is a callable returning an iterable (a generator function), or an iterable or
    generator itself; its items are ``str`` or bytes. The body is pulled piece by piece as
    the client reads, across ``poll()`` calls. If the body raises midway, the connection is
    closed (so a truncated body is never taken as complete) and the error is re-raised
    from ``poll()``."""

    def __init__(
        self,
        request,
        body,
        *,
        status=OK_200,
        headers=None,
        cookies=None,
        content_type=None,
    ):
        super().__init__(
            request, body, status=status, headers=headers, cookies=cookies, content_type=content_type
        )
        self._headers.setdefault("Transfer-Encoding", "chunked")

    def _send(self):
        from ._stream import stream  # pylint: disable=import-outside-toplevel

        if self._request.http_version == "HTTP/1.0":
            # HTTP/1.0 has no chunked coding: send the bare body and close to end it.
            self._headers.set("Transfer-Encoding", None)
            self._send_headers(None, self._content_type)
            stream(self, self._pieces())
        else:
            self._send_headers(None, self._content_type)
            stream(self, self._chunks())
        self._close_connection()

    def _pieces(self):
        source = self._body() if callable(self._body) else self._body
        for piece in source:
            if isinstance(piece, str):
                piece = piece.encode("utf-8")
            if len(piece):
                yield piece

    def _chunks(self):
        for chunk in self._pieces():
            yield b"".join((b"%x\r\n" % len(chunk), chunk, b"\r\n"))
        yield b"0\r\n\r\n"
