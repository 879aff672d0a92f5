"""Response bodies sent piece by piece (files, chunked bodies, MJPEG frames), for the
response classes that stream; loaded with the first of them."""


def stream(response, pieces):
    """Sends an iterable of byte strings as the rest of ``response``'s body, pulled piece by
    piece as the client reads (across ``poll()`` calls)."""
    client = response._request._client
    if client is not None and client.response is response:
        client.producer = _counted(response, pieces)
    else:
        for piece in pieces:
            response._send_bytes(response._request.connection, piece)


def _counted(response, pieces):
    for piece in pieces:
        response._size += len(piece)
        yield piece


def drop(response):
    """Closes ``response``'s connection at once (a body that cannot be completed)."""
    client = response._request._client
    if client is None:
        try:
            response._request.connection.close()
        except OSError:
            pass
    elif client.response is response:
        client.close()
