"""Zero-copy file bodies for CPython: ``os.sendfile`` has the kernel send the file straight
from the page cache, without the bytes passing through Python. Imported by ``_files`` on
CPython only."""

import errno
import os
import socket

from ._compat import would_block

# sendfile failing with one of these on the first call means it cannot work with this
# socket or file (e.g. a file system without support): the body is read and sent instead.
_UNSUPPORTED = (errno.EINVAL, errno.ENOSYS, errno.ENOTSOCK, errno.EOPNOTSUPP)


def socket_fd(sock):
    """The descriptor ``os.sendfile`` can write to for ``sock``, or None for sockets other
    than plain kernel ones (TLS, the in-memory ``testing`` sockets)."""
    if hasattr(os, "sendfile") and type(sock) is socket.socket:  # pylint: disable=unidiomatic-typecheck
        return sock.fileno()
    return None


class FileBody:
    """``count`` bytes of the open file ``handle`` from ``offset``: a connection's producer
    (see ``_output.Output.flush``). While ``zero_copy``, the connection calls ``transmit``;
    after a fallback it iterates ``pieces`` (the read-and-send generator, positioned at
    ``offset``) instead."""

    zero_copy = True

    def __init__(self, response, handle, offset, count, out_fd, pieces):  # pylint: disable=too-many-arguments
        self._response = response
        self._handle = handle
        self._in_fd = handle.fileno()
        self._out_fd = out_fd
        self._offset = self._start = offset
        self._pieces = pieces
        self.left = count

    def send_to(self, client, budget):
        """Sends the next part to ``client`` (a connection): the count sent, 0 when nothing
        could be sent now. A socket error closes the connection."""
        try:
            sent = self.transmit(budget)
        except OSError as exc:
            client.send_failed(exc)
            return 0
        if not self.left:
            client.producer = None
        return sent

    def transmit(self, budget):
        """Sends up to ``budget`` bytes; returns the count, 0 when nothing could be sent
        now (the socket is full, or sendfile refused and the next flush reads instead).
        Errors other than these propagate."""
        try:
            sent = os.sendfile(self._out_fd, self._in_fd, self._offset, min(budget, self.left))
        except OSError as exc:
            if would_block(exc):
                return 0
            if exc.errno in _UNSUPPORTED and self._offset == self._start:
                self.zero_copy = False  # nothing sent yet: the whole body goes by read and send
                return 0
            raise
        if not sent:  # the file shrank: never let a short body pass for a whole one
            from ._stream import drop  # pylint: disable=import-outside-toplevel

            drop(self._response)
            return 0
        self._offset += sent
        self.left -= sent
        self._response._size += sent
        if not self.left:
            self._handle.close()
        return sent

    def __next__(self):
        piece = next(self._pieces)
        self._response._size += len(piece)
        return piece

    def __del__(self):
        self._handle.close()  # also when the connection closed midway and dropped us
