"""Stand-in for CircuitPython's ``socketpool`` on CPython (tests only)."""

import socket as _socket


def SocketPool(radio):  # pylint: disable=invalid-name,unused-argument
    """On CPython the ``socket`` module is the socket source."""
    return _socket
