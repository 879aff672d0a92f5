"""Stand-in for ``adafruit_connection_manager`` on CPython (tests only)."""

import socket as _socket


def get_radio_socketpool(radio):  # pylint: disable=unused-argument
    """On CPython the ``socket`` module is the socket pool."""
    return _socket
