"""Request bodies read piece by piece, loaded when one arrives: chunked bodies, and
streamed ones, for routes that say where their body goes instead of RAM
(``Server.route(body_to=..., files_to=...)``). The connection hands each piece, a view of
its one receive buffer, to a sink as it arrives; nothing is accumulated. Multipart bodies
(``files_to``) are parsed by ``_multipart_sink``."""

# pylint: disable=protected-access  # the connection's receive buffer helpers

import os

from ._http import HTTPError
from .response import Response

# A file being uploaded is written under its name plus this, and takes the name only once
# it is complete: an upload that fails leaves the previous file as it was.
PART = ".part"

# The files uploads are being written to now, by every server of this program: a second
# upload to one of them is refused (409) rather than mixed into the same ``.part`` file.
_WRITING = set()  # type: set[str]


def claim(path):
    """Reserves ``path`` for one upload; raises ``HTTPError`` 409 if another has it."""
    if path in _WRITING:
        raise HTTPError(409, "Another upload to this file is under way")
    _WRITING.add(path)


def release(path):
    _WRITING.discard(path)


def read_in_pieces(conn, now):
    """Reads what has arrived of a chunked or streamed body (``conn.decoder`` or
    ``conn.sink`` set): True once all of it has arrived."""
    if conn.decoder is not None:
        return _read_chunked(conn, now)
    return _read_to_sink(conn, now)


def _read_to_sink(conn, now):
    budget = conn.server._recv_budget
    while conn.remaining:
        if not conn.filled:
            if budget <= 0 or not conn._fill(now, len(conn.buf)) or not conn.filled:
                return False
            budget -= conn.filled
        take = min(conn.filled, conn.remaining)
        conn.sink.write(memoryview(conn.buf)[:take])
        conn._consume(take)
        conn.remaining -= take
    return True


def _read_chunked(conn, now):
    decoder = conn.decoder
    budget = conn.server._recv_budget
    while True:
        if conn.filled:
            try:
                consumed, payload = decoder.decode(memoryview(conn.buf)[: conn.filled])
            except ValueError as err:
                conn.reject(getattr(err, "status", 400), str(err))
                return False
            if payload is not None:  # a view of buf: used before _consume moves it
                if conn.sink is None:
                    try:
                        conn.body.extend(payload)
                    except MemoryError:
                        conn.reject(413, "Request body too large for the memory available")
                        return False
                else:
                    conn.sink.write(payload)
            conn._consume(consumed)
            if decoder.done:
                conn.decoder = None
                return True
            if consumed:
                continue
        before = conn.filled
        if budget <= 0 or not conn._fill(now, len(conn.buf)) or conn.filled == before:
            return False
        budget -= conn.filled - before


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
        claim(target)
        try:
            return WriterSink(open(target + PART, "wb"), target)
        except BaseException:
            release(target)
            raise
    writer = target(request)
    if writer is None or isinstance(writer, Response):
        return writer
    return WriterSink(writer, None)


class WriterSink:
    """Passes every piece to a writer (a file, or any object with ``write``). With a
    ``path``, the writer is the file ``path + PART``, which replaces ``path`` once the
    body is complete."""

    def __init__(self, writer, path):
        self.writer = writer
        self.path = path

    def write(self, piece):
        self.writer.write(piece)

    def close(self, request):  # pylint: disable=unused-argument
        _close(self.writer)  # (if this or the rename fails, abort() cleans up)
        if self.path is not None:
            replace_file(self.path + PART, self.path)
            release(self.path)

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
        if self.path is not None:
            _remove(self.path + PART)
            release(self.path)


def replace_file(source, target):
    """Renames ``source`` to ``target``, replacing any file there. FAT file systems (the
    CIRCUITPY drive) refuse to rename onto an existing name: when both files exist, the
    old one is then removed first."""
    try:
        getattr(os, "replace", os.rename)(source, target)
    except OSError:
        if not (_exists(source) and _exists(target)):
            raise  # not a name in the way: whatever failed, the target is left alone
        os.remove(target)
        os.rename(source, target)


def _exists(path):
    try:
        os.stat(path)
    except OSError:
        return False
    return True


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
    try:
        os.remove(path)
    except OSError:
        pass
