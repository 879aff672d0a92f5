"""The states of a client connection (see ``_connection.Connection``)."""

from ._compat import const

HANDSHAKE = const(0)  # TLS handshake in progress
IDLE = const(1)  # waiting for the first byte of a request
HEAD = const(2)  # receiving a request head
BODY = const(3)  # receiving a request body
RESPOND = const(4)  # a response is being written; nothing is read meanwhile
STREAM = const(5)  # a response that stays open (SSE, MJPEG); input is discarded
UPGRADED = const(6)  # switched protocols (WebSocket): its owner reads the socket
LINGER = const(7)  # answered and half-closed: input is drained until EOF, then closed
CLOSED = const(8)
