"""``SSEResponse``: Server-Sent Events, to as many clients at once as the server admits.

The handler returns the response; the headers are sent and the connection stays open. Keep
the response (for example in a list) and call ``send_event`` from your loop. Writes never
block the server: what the client has not taken yet is queued and written by later
``poll()`` calls, and a client that disconnects or stops reading is noticed (``closed``)
instead of raising into your loop."""

from ._states import CLOSED
from .response import Response


class SSEResponse(Response):
    """An open ``text/event-stream`` response."""

    # Class defaults until they change: fewer attributes (less RAM) per stream on a board.
    _closed = False
    _handed_over = False
    _early = None  # events sent by the handler before the headers went out

    def __init__(self, request, headers=None, cookies=None):
        super().__init__(request, headers=headers, cookies=cookies, content_type="text/event-stream")
        self._headers.setdefault("Cache-Control", "no-cache")
        self._headers.setdefault("Connection", "keep-alive")

    def _send(self):
        self._send_headers()  # no length: the stream stays open
        self._headers = None  # sent, and never needed again while the stream lasts
        self._handed_over = True
        early, self._early = self._early, None
        closing, self._closed = self._closed, False  # close() may have been called already
        for text in early or ():
            self._write(text)
        if closing:
            self._closed = True
            self._close_connection()

    @property
    def closed(self):
        """True once ``close()`` was called or the client has gone away."""
        if not self._closed and self._handed_over:
            client = self._request._client
            if client is not None and (client.response is not self or client.state == CLOSED):
                self._closed = True
        return self._closed

    def send_event(  # pylint: disable=too-many-arguments,redefined-builtin
        self,
        data,
        event=None,
        id=None,
        retry=None,
        custom_fields=None,
    ):
        """Sends one event. Multi-line ``data`` becomes one ``data:`` line per line; ``id=0``
        and ``retry=0`` are sent. Returns False (and sends nothing) once the stream is
        closed; True otherwise."""
        lines = []
        for line in _lines(str(data)):
            lines.append("data: " + line)
        if event:
            lines.append("event: " + _field_value("event", event))
        if id is not None:
            lines.append("id: " + _field_value("id", id))
        if retry is not None:
            lines.append("retry: " + _field_value("retry", retry))
        for name, value in (custom_fields or {}).items():
            if not name or ":" in name or "\n" in name or "\r" in name:
                raise ValueError("Invalid SSE field name %r" % (name,))
            lines.append(name + ": " + _field_value(name, value))
        return self._write("\n".join(lines) + "\n\n")

    def send_comment(self, text=""):
        """Sends a comment line (``: text``), which clients ignore: a heartbeat that keeps
        proxies and idle-connection timers from closing the stream."""
        return self._write("".join(": " + line + "\n" for line in _lines(str(text))) + "\n")

    def close(self):
        """Sends a final ``close`` event (``event: close`` with empty data, so an
        ``EventSource`` listener for "close" fires) and closes the connection once it is
        written. Calling it again does nothing."""
        if self.closed:
            return
        self._write("event: close\ndata:\n\n")
        self._closed = True
        self._close_connection()

    def _write(self, text):
        if self.closed:
            return False
        if not self._handed_over:
            if self._early is None:
                self._early = []
            self._early.append(text)
            return True
        try:
            self._send_bytes(self._request.connection, text.encode("utf-8"))
        except OSError:
            self._closed = True
            return False
        return True


def broadcast(streams, data, event=None, id=None, retry=None, custom_fields=None):  # pylint: disable=redefined-builtin,too-many-arguments
    """Sends one event to every stream in the list ``streams`` and removes the streams
    that have closed from it. Returns how many clients the event was queued for."""
    sent = 0
    for stream in list(streams):
        if stream.send_event(data, event, id, retry, custom_fields):
            sent += 1
        else:
            streams.remove(stream)
    return sent


def _lines(text):
    """The lines of ``text``, split on CRLF, CR or LF (the SSE line terminators)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _field_value(name, value):
    text = str(value)
    if "\n" in text or "\r" in text:
        raise ValueError("SSE field %s cannot contain a line break: %r" % (name, text))
    return text
