"""The plain lane: CPython's shortcuts for the most common exchange, a clean request head
without a body answered by a plain ``Response``. Each does in a few C calls what the
general way does line by line, gives the same result, and says when it does not apply (the
general way then runs, and explains what is wrong). Loaded only on CPython (see
``_http``, ``_engine`` and ``_dispatch``): on a board its code would cost more RAM than it
saves time.

The general way stays the reference; ``tests/portable/test_http_head.py``,
``tests/portable/test_server_plain_lane.py`` and ``tests/test_plain_reading.py`` hold
both to the same results."""

import re

from ._compat import send_some, would_block
from .headers import TOKEN_CHARS, Headers
from . import response as _response_module

_PRINTABLE = bytes(range(32, 127))
# A whole clean head: ASCII, no control characters but the CRLFs ending its lines, a
# request line that parse_head accepts as it is (HTTP/1.0 or 1.1), and header lines that
# its loop accepts. (Printable ASCII is " " to "~"; without the space, "!" to "~".)
_HEAD = re.compile(
    "([{0}]+) (/[!-~]*|\\*|[!-~]*://[!-~]*) (HTTP/1\\.[01])(?:\r\n[{0}]+:[ -~]*)*\r\n\r\n".format(re.escape(TOKEN_CHARS))
)
# The start of a response head up to its length, by (status code, status text, content
# type) once checked; a handler that varies them endlessly only empties this now and then.
_PREFIXES = {}  # type: dict
_MAX_PREFIXES = 32
_CONNECTION = {None: b"", "close": b"Connection: close\r\n", "keep-alive": b"Connection: keep-alive\r\n"}
_END = b"\r\n\r\n"
_NO_HEADERS = {}  # type: dict


def is_clean(raw):
    """Whether the head ``raw`` (bytes, ending with CRLF CRLF) is all ASCII, and its only
    control characters are the CRLFs that end its lines."""
    return raw.count(b"\r\n") * 2 == len(raw.translate(None, _PRINTABLE))


def read_head(client, now):
    """``Connection.read_head`` for a readable connection that is idle with nothing
    buffered: reads, and when what arrived is exactly one head that ``parse`` takes (and
    within the request-line limit), returns its parse at once; anything else is left in
    the buffer for the general way."""
    buf = client.buf
    server = client.server
    try:
        count = client.sock.recv_into(buf, min(len(buf), server._recv_chunk))  # pylint: disable=protected-access
    except OSError as error:
        if not would_block(error):
            client.close()
        return None
    if not count:
        client.close()
        return None
    client.last_recv = now
    # (A head no longer than the request-line limit cannot be a 414.)
    if 3 < count <= server.max_request_line_size and buf.startswith(_END, count - 4, count):
        parsed = parse(buf[:count].decode("latin-1"))
        if parsed is not None:
            return parsed + (count,)
    client.filled = count
    return client.read_head(now, False)


def parse(text):
    """``parse_head``'s result, with ``HeadLines``, for a head (``text``, ending with CRLF
    CRLF) that is clean, well formed, HTTP/1.0 or 1.1, and has no body and at most one
    Connection line; else None."""
    found = _HEAD.fullmatch(text)
    if found is None:
        return None
    lowered = text.lower()
    if "\r\ncontent-length:" in lowered or "\r\ntransfer-encoding:" in lowered:
        return None
    at = lowered.find("\r\nconnection:") + 13
    if at < 13:
        connection = None
    elif lowered.find("\r\nconnection:", at) >= 0:
        return None
    else:
        connection = lowered[at : lowered.find("\r", at)]
    return found.group(1, 2, 3) + (HeadLines(text, found.end(3), connection),)


class HeadLines(Headers):
    """Request headers kept as the head's text until first used: most handlers never look
    at them, and the server itself needs only the Connection header, found in the text
    (``_connection``: its value in lower case, or None)."""

    def __init__(self, text, first, connection):  # pylint: disable=super-init-not-called
        self._text = text  # None once parsed
        self._first = first  # where the header lines start
        self._connection = connection

    def __getattr__(self, name):
        # Called only for attributes not set yet: the storage, on first use. (Through
        # __dict__: a copy being made has no _text yet, and must not recurse here.)
        text = self.__dict__.get("_text") if name in ("_storage", "_keys", "_names") else None
        if text is None:
            raise AttributeError(name)
        from ._http import add_lines  # pylint: disable=import-outside-toplevel

        self._text = None
        Headers.__init__(self)
        add_lines(self, text[self._first : -4].split("\r\n"), True)
        return getattr(self, name)

    def __repr__(self):
        return "<Headers " + self._dict_repr() + ">"


def send(client, response, body, now):
    """Queues and sends a plain ``Response`` (exactly that class, no headers or cookies of
    its own, ``body`` as bytes) in one piece: the head ``Response._send_headers`` would
    write, then the body. False, with nothing done, when the general way is needed (a
    status without a body, a HEAD request, a control character in the status text or
    content type, which the general way refuses or sends as it is)."""
    status = response._status  # pylint: disable=protected-access
    code = status.code
    if client.head_only or code < 200 or code == 204 or code == 304:  # (no body with these)
        return False
    mime = _response_module._MIME  # pylint: disable=protected-access
    kind = response._content_type or (mime.DEFAULT if mime else "text/plain")  # pylint: disable=protected-access
    text = status.text
    key = (code, text, kind)
    try:
        prefix = _PREFIXES.get(key)
    except TypeError:  # an unhashable content type: the general way says what is wrong
        return False
    if prefix is None:
        if not (isinstance(text, str) and isinstance(kind, str) and (text + kind).isprintable()):
            return False
        if len(_PREFIXES) >= _MAX_PREFIXES:
            _PREFIXES.clear()
        prefix = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: " % key).encode("utf-8")
        _PREFIXES[key] = prefix
    connection = _CONNECTION[client.settle_persistence(_NO_HEADERS, True)]
    data = b"%s%d\r\n%s\r\n%s" % (prefix, len(body), connection, body)
    response._size = len(data)  # pylint: disable=protected-access
    client.head_sent = client.finishing = True
    if not client.out and len(data) <= client.server._send_budget:  # pylint: disable=protected-access
        try:
            sent = send_some(client.sock, data)
        except OSError as error:
            client.send_failed(error)
            return True
        if sent == len(data):
            client.last_send = now
            client._finished(now)  # pylint: disable=protected-access
            return True
        if sent:
            client.last_send = now
            data = data[sent:]
    client.out.append(data)
    client.out_bytes += len(data)
    client.flush(now)
    return True
