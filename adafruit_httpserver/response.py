"""Responses. ``Response`` lives here; the others are imported on first use (PEP 562), so a
board that never serves files or websockets never pays for them."""

from .headers import TOKEN_CHARS, Headers
from .status import OK_200, Status

# module, then the classes it provides (one string: a dict would cost more RAM on a board)
_LAZY = (
    "_json_response JSONResponse\n_responses Redirect ChunkedResponse\n_files FileResponse\n"
    "_mjpeg MultipartMixedReplaceResponse\nsse SSEResponse\nwebsocket Websocket"
)


def __getattr__(name):
    module = None
    for line in _LAZY.split("\n"):
        words = line.split(" ")
        if name in words[1:]:
            module = words[0]
    if module is None:
        raise AttributeError(name)
    value = getattr(__import__("adafruit_httpserver." + module, None, None, [name]), name)
    globals()[name] = value
    return value


# MIMETypes once mime_types is loaded (it sets this): until then nothing can have changed
# the table, so responses (and _files) use the defaults and a board that never loads it is
# spared it.
_MIME = None
_LINE = "%s: %s\r\n"


class Response:  # pylint: disable=too-few-public-methods
    """A response with a body that is already in memory (``str`` or bytes-like)."""

    def __init__(
        self,
        request,
        body="",
        *,
        status=OK_200,
        headers=None,
        cookies=None,
        content_type=None,
    ):
        self._request = request
        self._body = body
        self._status = status if isinstance(status, Status) else Status(*status)
        self._headers = headers.copy() if isinstance(headers, Headers) else Headers(headers)
        self._cookies = dict(cookies) if cookies else {}
        self._content_type = content_type
        self._size = 0

    def _send_headers(self, content_length=None, content_type=None):
        """Writes the status line and headers. ``content_length`` None means the body length
        is not known here (chunked, streamed or none).

        The response's own headers go first, as written; then whichever of Content-Type,
        Content-Length and Connection they lack; then the cookies (right after any
        Set-Cookie header of the response's own, so those stay together). Raises
        ``ValueError`` for a header name that is not a token, or a CR, LF or NUL in a
        value or in the status text."""
        request = self._request
        client = request._client
        status = self._status
        # lower-case name -> values: looked up directly, this runs for every response
        present = self._headers._storage  # pylint: disable=protected-access
        code = status.code
        bodyless = code < 200 or code == 204 or code == 304
        lines = ["HTTP/1.1 %d %s\r\n" % (code, status.text)]
        cookies_at = None
        if present:
            for name, value in self._headers.original_items():
                if value is None:
                    continue
                if not isinstance(name, str) or not name or name.strip(TOKEN_CHARS):
                    _reject_header(name, value)
                lines.append(_LINE % (name, value))
                if name.lower() == "set-cookie":
                    cookies_at = len(lines)
        if not bodyless and "content-type" not in present:
            kind = content_type or self._content_type or (_MIME.DEFAULT if _MIME else "text/plain")
            lines.append(_LINE % ("Content-Type", kind))
        framed_by_length = "content-length" in present
        if content_length is not None and not bodyless and not framed_by_length:
            lines.append(_LINE % ("Content-Length", content_length))
            framed_by_length = True
        if client is None:
            if "connection" not in present:
                lines.append(_LINE % ("Connection", "close"))
        elif code != 101:
            connection = client.settle_persistence(present, bodyless or framed_by_length)
            if connection is not None:
                lines.append(_LINE % ("Connection", connection))
        at = cookies_at or len(lines)
        for pair in self._cookies.items():
            lines.insert(at, _LINE % ("Set-Cookie", "%s=%s" % pair))
            at += 1
        lines.append("\r\n")
        head = "".join(lines)
        # Each line brings exactly one CR and one LF: any other comes from a value or the
        # status text, and so does a NUL.
        if head.count("\n") != len(lines) or head.count("\r") != len(lines) or "\x00" in head:
            _reject_header("Status", status.text)
            for line in lines[1:-1]:
                name, _, value = line[:-2].partition(": ")
                _reject_header(name, value)
        self._send_bytes(request.connection, head.encode("utf-8"))
        if client is not None:
            client.head_sent = True

    def _send_bytes(self, conn, buffer):
        """Sends bytes to the client without ever blocking the server: what the socket does
        not take now is queued and written by the following ``poll()`` calls."""
        client = self._request._client
        if client is not None and conn is client.sock:
            if client.response is not self:
                from ._compat import EPIPE  # pylint: disable=import-outside-toplevel

                raise OSError(EPIPE, "response no longer owns the connection")
            client.write(buffer)
        else:
            from ._responses import send_all  # pylint: disable=import-outside-toplevel

            send_all(conn, buffer)
        self._size += len(buffer)

    def _close_connection(self):
        """Ends this response: the connection is then reused (keep-alive) or closed."""
        client = self._request._client
        if client is not None:
            client.finish(self)
            return
        try:
            self._request.connection.close()
        except OSError:
            pass

    def _send(self):
        body = self._body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is None:
            body = b""
        self._send_headers(len(body), self._content_type)
        code = self._status.code
        if body and code >= 200 and code != 204 and code != 304:  # (no body with these)
            self._send_bytes(self._request.connection, body)
        self._close_connection()


def _reject_header(name, value):
    """Raises the ``ValueError`` that says what is wrong with this header, if anything."""
    from ._http import check_header  # pylint: disable=import-outside-toplevel

    check_header(name, value)
