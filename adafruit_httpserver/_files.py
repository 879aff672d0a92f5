"""``FileResponse``: serves a file from disk in pieces, paced by the client."""

import os

from ._compat import CPYTHON
from .exceptions import BackslashInPathError, FileNotExistsError, ParentDirectoryReferenceError
from .mime_types import MIMETypes
from .response import Response
from ._responses import stream
from .status import OK_200

_REGULAR_FILE = 0o100000
# Larger reads are much faster on CPython, where memory is not the constraint.
_CPYTHON_MIN_BUFFER = 65536


class FileResponse(Response):  # pylint: disable=too-few-public-methods
    """Sends the file ``filename`` under ``root_path`` (or the server's ``root_path``)."""

    def __init__(  # pylint: disable=too-many-arguments
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
        root = root_path or request.server.root_path
        if root is None:
            raise ValueError("root_path must be provided in Server or in FileResponse")
        self._path = (root if root.endswith("/") else root + "/") + (
            filename[1:] if filename.startswith("/") else filename
        )
        self._content_type = content_type or MIMETypes.get_for_filename(filename)
        self._file_size = _regular_file_size(self._path)
        self._buffer_size = max(buffer_size, _CPYTHON_MIN_BUFFER) if CPYTHON else buffer_size
        self._head_only = head_only
        if as_attachment:
            name = download_filename or filename.rsplit("/", 1)[-1]
            self._headers.setdefault("Content-Disposition", 'attachment; filename="%s"' % name.replace('"', ""))

    def _send(self):
        try:
            handle = open(self._path, "rb")
        except OSError:
            raise FileNotExistsError(self._path) from None
        # The size sent is the size of the file we opened, and exactly that many bytes are
        # sent: a file that changes meanwhile cannot break the framing.
        size = _regular_file_size(self._path)
        self._send_headers(size, self._content_type)
        if self._head_only:
            handle.close()
        else:
            stream(self, _read_pieces(handle, size, self._buffer_size))
        self._close_connection()


def _check_path(path):
    if "\\" in path:
        raise BackslashInPathError(path)
    if ".." in path.split("/"):
        raise ParentDirectoryReferenceError(path)


def _regular_file_size(path):
    try:
        stat = os.stat(path)
    except OSError:
        raise FileNotExistsError(path) from None
    if stat[0] & 0o170000 != _REGULAR_FILE:
        raise FileNotExistsError(path)
    return stat[6]


def _read_pieces(handle, size, buffer_size):
    """Yields views of one reused buffer; the writer sends each before asking for the next."""
    buffer = bytearray(min(buffer_size, size) or 1)
    view = memoryview(buffer)
    left = size
    try:
        while left > 0:
            count = handle.readinto(view[: min(left, len(buffer))])
            if not count:
                raise OSError("file shrank while it was being sent")
            left -= count
            yield view[:count]
    finally:
        handle.close()
