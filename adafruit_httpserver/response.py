"""Responses. ``Response`` and the small ones live here; ``FileResponse``, ``SSEResponse``
and ``Websocket`` are imported on first use (PEP 562), so a board that never serves files or
websockets never pays for them."""

from ._compat import EPIPE, send_some, ticks_diff, ticks_ms
from .headers import Headers, check_header
from .status import OK_200, Status

_LAZY = {
    "FileResponse": "_files",
    "SSEResponse": "sse",
    "Websocket": "websocket",
    "MultipartMixedReplaceResponse": "_files",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    value = getattr(__import__("adafruit_httpserver." + module, None, None, [name]), name)
    globals()[name] = value
    return value


def _as_status(status):
    return status if isinstance(status, Status) else Status(*status)


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
        self._status = _as_status(status)
        self._headers = headers.copy() if isinstance(headers, Headers) else Headers(headers)
        self._cookies = dict(cookies) if cookies else {}
        self._content_type = content_type
        self._size = 0

    def _send_headers(self, content_length=None, content_type=None):
        """Writes the status line and headers. ``content_length`` None means the body length
        is not known here (chunked, streamed or none)."""
        request = self._request
        client = request._client
        status = self._status
        headers = self._headers.copy()
        headers.setdefault("Content-Type", content_type or self._content_type or "text/plain")
        bodyless = status.code < 200 or status.code in (204, 304)
        if content_length is not None and not bodyless:
            headers.setdefault("Content-Length", str(content_length))
        if client is None:
            headers.setdefault("Connection", "close")
        elif status.code != 101:
            asked = headers.get("Connection")
            framed = (
                bodyless
                or client.head_only
                or "content-length" in headers
                or "chunked" in str(headers.get("Transfer-Encoding", "")).lower()
            )
            keep = client.keep_alive and framed and not client.server.stopped
            if asked is not None and "close" in str(asked).lower():
                keep = False
            client.keep_alive = keep
            if asked is None:
                if not keep:
                    headers.set("Connection", "close")
                elif request.http_version == "HTTP/1.0":
                    headers.set("Connection", "keep-alive")
        for name, value in self._cookies.items():
            headers.add("Set-Cookie", str(name) + "=" + str(value))
        check_header("Status", status.text)
        lines = ["HTTP/1.1 %d %s\r\n" % (status.code, status.text)]
        for name, value in headers.original_items():
            if value is None:
                continue
            value = str(value)
            check_header(name, value)
            lines.append(name + ": " + value + "\r\n")
        lines.append("\r\n")
        self._send_bytes(request.connection, "".join(lines).encode("utf-8"))
        if client is not None:
            client.head_sent = True

    def _send_bytes(self, conn, buffer):
        """Sends bytes to the client without ever blocking the server: what the socket does
        not take now is queued and written by the following ``poll()`` calls."""
        client = self._request._client
        if client is not None and conn is client.sock:
            if client.response is not self:
                raise OSError(EPIPE, "response no longer owns the connection")
            client.write(buffer)
        else:
            _send_all(conn, buffer)
        self._size += len(buffer)

    def _stream(self, pieces):
        """Sends an iterable of byte strings as the rest of the body, paced by the client."""
        client = self._request._client
        if client is not None and client.response is self:
            client.producer = self._counted(pieces)
        else:
            for piece in pieces:
                self._send_bytes(self._request.connection, piece)

    def _counted(self, pieces):
        for piece in pieces:
            self._size += len(piece)
            yield piece

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
        if body:
            self._send_bytes(self._request.connection, body)
        self._close_connection()


def _send_all(conn, buffer, timeout_ms=10000):
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


class JSONResponse(Response):  # pylint: disable=too-few-public-methods
    """Sends ``data`` serialised as JSON (``application/json``)."""

    def __init__(self, request, data, *, headers=None, cookies=None, status=OK_200):
        super().__init__(request, headers=headers, cookies=cookies, status=status)
        self._data = data

    def _send(self):
        import json  # pylint: disable=import-outside-toplevel

        self._body = json.dumps(self._data).encode("utf-8")
        self._content_type = "application/json"
        super()._send()


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
        self._send_headers(None, self._content_type)
        self._stream(self._chunks())
        self._close_connection()

    def _chunks(self):
        source = self._body() if callable(self._body) else self._body
        for chunk in source:
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            if len(chunk):
                yield b"".join((b"%x\r\n" % len(chunk), chunk, b"\r\n"))
        yield b"0\r\n\r\n"
