"""``MultipartMixedReplaceResponse``: MJPEG streams, loaded on first use (importable from
``adafruit_httpserver.response``)."""

import os

from ._states import CLOSED
from ._stream import drop
from .response import Response


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
            drop(self)
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
