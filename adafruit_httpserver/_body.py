"""Streamed request bodies, for routes that say where their body goes instead of RAM
(``Server.route(body_to=..., files_to=...)``). The connection hands each piece, a view of
its one receive buffer, to a sink as it arrives; nothing is accumulated. Multipart bodies
(``files_to``) are parsed by ``_multipart_sink``."""

import os

from ._http import HTTPError
from .response import Response


def open_sink(request, route, text_limit):
    """The sink for ``request``'s body, a ``Response`` when the route refuses it before it
    is read, or None when the body is to be held in memory as usual."""
    if route.files_to is not None:
        content_type = request.headers.get_directive("Content-Type") or ""
        boundary = request.headers.get_parameter("Content-Type", "boundary")
        if content_type.lower() == "multipart/form-data":
            if not boundary:
                raise HTTPError(400, "multipart/form-data without a boundary")
            from ._multipart_sink import MultipartSink  # pylint: disable=import-outside-toplevel

            return MultipartSink(request, boundary, route.files_to, text_limit)
    target = route.body_to
    if target is None:
        return None
    if isinstance(target, str):
        return WriterSink(open(target, "wb"), target)
    writer = target(request)
    if writer is None or isinstance(writer, Response):
        return writer
    return WriterSink(writer, None)


class WriterSink:
    """Passes every piece to a writer (a file, or any object with ``write``)."""

    def __init__(self, writer, path):
        self.writer = writer
        self.path = path

    def write(self, piece):
        self.writer.write(piece)

    def close(self, request):  # pylint: disable=unused-argument
        _close(self.writer)

    def abort(self):
        """The body did not arrive whole: tell the writer (its ``abort()`` if it has one,
        else ``close()``), and remove a file we created."""
        abort = getattr(self.writer, "abort", None)
        if abort is not None:
            try:
                abort()
            except Exception:  # pylint: disable=broad-except
                pass
        else:
            _close(self.writer, quietly=True)
        _remove(self.path)


def _close(writer, quietly=False):
    close = getattr(writer, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception:  # pylint: disable=broad-except
        if not quietly:
            raise


def _remove(path):
    if path is not None:
        try:
            os.remove(path)
        except OSError:
            pass
