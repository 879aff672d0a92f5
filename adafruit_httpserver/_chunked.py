"""Sans-IO decoder for ``Transfer-Encoding: chunked`` request bodies.

Usage::

    decoder = ChunkedDecoder(max_size=64 * 1024)
    view = memoryview(buffer)[:received]
    while view and not decoder.done:
        consumed, payload = decoder.decode(view)
        if payload is not None:
            handle(payload)          # a memoryview slice of ``view``: no copy
        view = view[consumed:]
    # when decoder.done: ``view`` (what was not consumed) starts the next pipelined request

``decode(data)`` takes ``bytes``, ``bytearray`` or ``memoryview`` and returns
``(consumed, payload)``:

* ``consumed`` is how many bytes at the start of ``data`` were used. It is ``len(data)``
  when the input ran out in the middle of a line (the partial line is kept inside the
  decoder), less when a payload piece was returned (call again with the rest) or when the
  body ended (``done`` is then True and ``data[consumed:]`` belongs to the next request).
  It is 0 only for empty input or once the decoder is done.
* ``payload`` is ``None`` or a non-empty ``memoryview`` slice of ``data`` holding decoded
  body bytes. At most one piece is returned per call, so callers can act on it before
  the buffer is reused.

The decoder never holds body bytes: its only state besides counters is one partial
chunk-size or trailer line (at most ``max_line + 1`` bytes). Lines must end with CRLF (a
bare LF or CR is refused, as a request-smuggling precaution). Chunk extensions
(``1a;name=value;other="quoted"``) are checked for syntax and ignored. Trailer fields are
collected into ``trailers``, a list of ``(name, value)`` strings in arrival order, at most
``max_trailers`` of them.

Attributes: ``done`` (the final ``0`` chunk and the trailer section were read), ``total``
(body bytes announced by the chunk sizes read so far), ``trailers``.

Errors raise ``ChunkedError`` with ``status`` and ``message``: 400 for malformed input or a
chunk-size line longer than ``max_line``, 413 when the body would exceed ``max_size``, 431
for a trailer line longer than ``max_line`` or more than ``max_trailers`` trailers. After an
error the decoder raises the same error again on every call.
"""

from ._compat import const

_SIZE = const(0)
_DATA = const(1)
_DATA_CR = const(2)
_DATA_LF = const(3)
_TRAILER = const(4)
_DONE = const(5)

# RFC 9110 token characters.
_TCHAR = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# More hex digits than this (leading zeros aside) is a size no board can take.
_MAX_HEX_DIGITS = const(15)


class ChunkedError(ValueError):
    """Malformed or oversized chunked body; answer with ``status``."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _hex_value(byte):
    if 48 <= byte <= 57:
        return byte - 48
    if 97 <= byte <= 102:
        return byte - 87
    if 65 <= byte <= 70:
        return byte - 55
    return -1


def _skip_ws(line, index, end):
    while index < end and line[index] in (32, 9):
        index += 1
    return index


def _has_ctl(line):
    for byte in line:
        if (byte < 32 and byte != 9) or byte == 127:
            return True
    return False


def _text(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeError:  # not UTF-8: keep every byte as one latin-1 character
        return "".join([chr(byte) for byte in raw])


class ChunkedDecoder:
    """Incremental ``Transfer-Encoding: chunked`` decoder; see the module docstring."""

    def __init__(self, max_size=None, max_line=1024, max_trailers=16):
        self.max_size = max_size
        self.max_line = max_line
        self.max_trailers = max_trailers
        self.done = False
        self.total = 0
        self.trailers = []
        self._state = _SIZE
        self._remaining = 0
        self._line = bytearray()
        self._error = None

    def _fail(self, status, message):
        self._error = ChunkedError(status, message)
        raise self._error

    def decode(self, data):
        """Decodes from the start of ``data``; returns ``(consumed, payload)``."""
        if self._error is not None:
            raise self._error
        end = len(data)
        pos = 0
        while pos < end:
            state = self._state
            if state == _DATA:
                take = self._remaining
                if take > end - pos:
                    take = end - pos
                self._remaining -= take
                if not self._remaining:
                    self._state = _DATA_CR
                if not isinstance(data, memoryview):
                    data = memoryview(data)
                return pos + take, data[pos : pos + take]
            if state == _DATA_CR or state == _DATA_LF:
                if data[pos] != (13 if state == _DATA_CR else 10):
                    self._fail(400, "Chunk data not followed by CRLF")
                self._state = _DATA_LF if state == _DATA_CR else _SIZE
                pos += 1
                continue
            if state == _DONE:
                return pos, None
            line, pos = self._read_line(data, pos, end)
            if line is None:
                return pos, None
            if state == _SIZE:
                self._size_line(line)
            elif line:
                self._trailer_line(line)
            else:
                self._state = _DONE
                self.done = True
                return pos, None
        return pos, None

    def _read_line(self, data, pos, end):
        """Returns ``(line without CRLF, new pos)`` or ``(None, end)`` when incomplete."""
        held = len(self._line)
        limit = pos + self.max_line + 2 - held  # room for the line, its CR and its LF
        if limit > end:
            limit = end
        found = -1
        if isinstance(data, memoryview):
            for index in range(pos, limit):
                if data[index] == 10:
                    found = index
                    break
        else:
            found = data.find(b"\n", pos, limit)
        if found < 0:
            if limit < end or held + end - pos > self.max_line + 1:
                self._too_long()
            self._line.extend(data[pos:end])
            return None, end
        if held:
            self._line.extend(data[pos:found])
            line = bytes(self._line)
            self._line[:] = b""
        else:
            line = bytes(data[pos:found])
        if not line or line[-1] != 13:
            self._fail(400, "Bare LF in chunked body framing")
        line = line[:-1]
        if len(line) > self.max_line:
            self._too_long()
        return line, found + 1

    def _too_long(self):
        if self._state == _SIZE:
            self._fail(400, "Chunk size line too long")
        self._fail(431, "Trailer field too long")

    def _size_line(self, line):
        end = len(line)
        index = 0
        size = 0
        digits = 0
        while index < end:
            value = _hex_value(line[index])
            if value < 0:
                break
            if digits or value:
                digits += 1
                if digits > _MAX_HEX_DIGITS:
                    if self.max_size is not None:
                        self._fail(413, "Chunked body too large")
                    self._fail(400, "Chunk size too large")
            size = size * 16 + value
            if self.max_size is not None and size > self.max_size:
                # refused while small: boards without long integers never overflow
                self._fail(413, "Chunked body larger than %d bytes" % self.max_size)
            index += 1
        if not index:
            self._fail(400, "Invalid chunk size")
        self._check_extensions(line, _skip_ws(line, index, end), end)
        if self.max_size is not None and self.total + size > self.max_size:
            self._fail(413, "Chunked body larger than %d bytes" % self.max_size)
        self.total += size
        if size:
            self._remaining = size
            self._state = _DATA
        else:
            self._state = _TRAILER

    def _check_extensions(self, line, index, end):
        # chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
        while index < end:
            if line[index] != 59:  # ";"
                self._fail(400, "Invalid chunk size line")
            index = _skip_ws(line, index + 1, end)
            start = index
            while index < end and line[index] in _TCHAR:
                index += 1
            if index == start:
                self._fail(400, "Invalid chunk extension")
            index = _skip_ws(line, index, end)
            if index < end and line[index] == 61:  # "="
                index = _skip_ws(line, index + 1, end)
                if index < end and line[index] == 34:  # quoted-string
                    index += 1
                    while True:
                        if index >= end:
                            self._fail(400, "Unterminated quoted chunk extension")
                        byte = line[index]
                        if byte == 34:
                            index += 1
                            break
                        if byte == 92 and index + 1 < end:  # quoted-pair
                            index += 1
                            byte = line[index]
                        if (byte < 32 and byte != 9) or byte == 127:
                            self._fail(400, "Control character in chunk extension")
                        index += 1
                else:
                    start = index
                    while index < end and line[index] in _TCHAR:
                        index += 1
                    if index == start:
                        self._fail(400, "Invalid chunk extension value")
                index = _skip_ws(line, index, end)

    def _trailer_line(self, line):
        if line[0] in (32, 9):
            self._fail(400, "Folded trailer line")
        colon = line.find(b":")
        if colon <= 0:
            self._fail(400, "Malformed trailer field")
        name = line[:colon]
        for byte in name:
            if byte not in _TCHAR:
                self._fail(400, "Invalid trailer field name")
        value = line[colon + 1 :].strip(b" \t")
        if _has_ctl(value):
            self._fail(400, "Control character in trailer field")
        if len(self.trailers) >= self.max_trailers:
            self._fail(431, "Too many trailer fields")
        self.trailers.append((name.decode("utf-8"), _text(value)))
