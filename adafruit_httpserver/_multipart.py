"""Sans-IO streaming parser for ``multipart/form-data`` bodies.

Usage::

    parser = MultipartParser(boundary)        # bytes or str, from the Content-Type header
    for data in body_pieces:                  # any slicing of the body
        for kind, value in parser.feed(data):
            if kind == PART_BEGIN:            # value: Part (headers, name, filename, ...)
                ...
            elif kind == PART_DATA:           # value: a piece of the part's content
                ...
            elif kind == PART_END:            # value: the same Part
                ...
            elif kind == DONE:                # closing delimiter seen; value: None
                ...
    parser.finish()                           # raises MultipartError if the body was cut short

``feed(data, start=0, end=None)`` takes ``bytes``, ``bytearray`` or ``memoryview`` and returns
a list of ``(kind, value)`` events for ``data[start:end]``. ``PART_DATA`` values are either
``memoryview`` slices of ``data`` (no copy: use them before reusing the buffer) or, for the
few bytes held back across a call boundary, small ``bytes``. They are never empty. Content
is never accumulated: between calls the parser keeps at most ``len(boundary) + 3`` bytes of
lookbehind (a possible delimiter start; twice that for a moment while it is matched against
new input), the part headers being read (at most ``max_header_size`` bytes)
and, only when fed memoryviews (which MicroPython cannot search in place), one scratch
buffer of about 512 bytes. Feeding ``bytes``/``bytearray`` is the zero-copy path.

Framing (RFC 2046 / RFC 7578): the delimiter is ``CRLF--boundary``; the first one may start
the body without the CRLF and any preamble before it is ignored. A delimiter is followed by
optional spaces/tabs and CRLF, or by ``--`` for the closing delimiter, after which
everything (the epilogue) is ignored. Part headers end with a blank line; the CRLF before a
delimiter belongs to the delimiter, not to the content.

Malformed input raises ``MultipartError`` (a ``ValueError``): unexpected bytes after a
boundary, part headers over ``max_header_size`` or without their blank line, malformed
header lines, and (from ``finish()``) a body that ends before the closing delimiter.
The parser is unusable after an error.

``parse_options(value)`` splits a header value such as ``form-data; name="a"`` into
``("form-data", {"name": "a"})``; ``Part`` uses it for Content-Disposition.
"""

from ._compat import const

PART_BEGIN = const(1)
PART_DATA = const(2)
PART_END = const(3)
DONE = const(4)

_PREAMBLE = const(0)
_AFTER_DELIMITER = const(1)
_HEADERS = const(2)
_BODY = const(3)
_DONE = const(4)
_FAILED = const(5)

_MAX_PADDING = const(64)
_SCRATCH_SIZE = const(512)


class MultipartError(ValueError):
    """The multipart body is malformed or exceeds a limit."""


def _text(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeError:  # not UTF-8: keep every byte as one latin-1 character
        return "".join([chr(byte) for byte in raw])


def parse_options(value):
    """``'form-data; name="a"; filename="x \\"y\\".txt"'`` ->
    ``("form-data", {"name": "a", "filename": 'x "y".txt'})``.

    The first item is lower-cased and stripped; parameter names are lower-cased; the first
    occurrence of a parameter wins. In quoted values ``\\"`` and ``\\\\`` are unescaped and
    any other backslash is kept (old browsers send Windows paths unescaped)."""
    end = len(value)
    index = value.find(";")
    if index < 0:
        return value.strip().lower(), {}
    main = value[:index].strip().lower()
    params = {}
    while index < end:
        index += 1  # past ";"
        equals = value.find("=", index)
        semicolon = value.find(";", index)
        if equals < 0 or (0 <= semicolon < equals):
            # a parameter without a value: skip it
            if semicolon < 0:
                break
            index = semicolon
            continue
        name = value[index:equals].strip().lower()
        index = equals + 1
        while index < end and value[index : index + 1] in " \t":
            index += 1
        if value.startswith('"', index):
            index += 1
            chars = []
            while index < end:
                char = value[index : index + 1]
                if char == '"':
                    index += 1
                    break
                if char == "\\" and value[index + 1 : index + 2] in ('"', "\\"):
                    index += 1
                    char = value[index : index + 1]
                chars.append(char)
                index += 1
            param = "".join(chars)
            semicolon = value.find(";", index)
            if semicolon < 0:
                semicolon = end
        else:
            semicolon = value.find(";", index)
            if semicolon < 0:
                semicolon = end
            param = value[index:semicolon].strip()
        if name and name not in params:
            params[name] = param
        index = semicolon
    return main, params


class Part:
    """One part's headers. ``headers`` is a list of ``(lower-case name, value)``."""

    def __init__(self, headers):
        self.headers = headers
        self.disposition, self.params = parse_options(self.get("content-disposition", ""))

    def get(self, name, default=None):
        """The first header called ``name`` (any case), or ``default``."""
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return default

    @property
    def name(self):
        """The form field name, or None."""
        return self.params.get("name")

    @property
    def filename(self):
        """The uploaded file's name (may be ``""``), or None when the part is not a file."""
        return self.params.get("filename")

    @property
    def content_type(self):
        """The Content-Type header as sent, or ``"text/plain"`` (RFC 7578 default)."""
        return self.get("content-type", "text/plain")

    def __repr__(self):
        return "<Part name=%r filename=%r>" % (self.name, self.filename)


def _parse_headers(block):
    headers = []
    for line in block.split(b"\r\n"):
        if not line:
            continue
        if line[0] in (32, 9):
            raise MultipartError("Folded part header line")
        colon = line.find(b":")
        if colon <= 0:
            raise MultipartError("Malformed part header line (no name or no colon)")
        name = line[:colon].strip()
        if not name or b" " in name or b"\t" in name:
            raise MultipartError("Malformed part header name")
        headers.append((_text(name).lower(), _text(line[colon + 1 :].strip(b" \t"))))
    return headers


class MultipartParser:
    """Incremental ``multipart/form-data`` parser; see the module docstring."""

    def __init__(self, boundary, max_header_size=1024):
        if isinstance(boundary, str):
            boundary = boundary.encode("utf-8")
        if not boundary or len(boundary) > 256:
            raise MultipartError("Invalid multipart boundary length")
        if b"\r" in boundary or b"\n" in boundary:
            raise MultipartError("Invalid character in multipart boundary")
        self.boundary = bytes(boundary)
        self.max_header_size = max_header_size
        self._delimiter = b"\r\n--" + self.boundary
        self._state = _PREAMBLE
        # The body is read as if it started with CRLF, so a first delimiter at the very
        # start matches like any other.
        self._tail = bytearray(b"\r\n")
        self._headers = bytearray()
        self._part = None
        self._after = 0  # progress through what follows a delimiter
        self._scratch = None

    @property
    def done(self):
        """True once the closing delimiter was read."""
        return self._state == _DONE

    def finish(self):
        """Declares the end of the body; raises ``MultipartError`` unless it was complete."""
        state = self._state
        if state == _DONE:
            return
        self._state = _FAILED
        if state == _PREAMBLE:
            raise MultipartError("No multipart boundary found in the body")
        if state == _HEADERS:
            raise MultipartError("Body ended inside part headers (missing blank line)")
        raise MultipartError("Body ended without the closing multipart delimiter")

    def _fail(self, message):
        self._state = _FAILED
        raise MultipartError(message)

    def feed(self, data, start=0, end=None):
        """Parses ``data[start:end]``; returns a list of ``(kind, value)`` events."""
        if end is None:
            end = len(data)
        events = []
        pos = start
        while pos < end:
            state = self._state
            if state == _BODY or state == _PREAMBLE:
                pos = self._scan(data, pos, end, events, state == _BODY)
                if pos < 0:
                    break
                if state == _BODY:
                    events.append((PART_END, self._part))
                    self._part = None
                self._state = _AFTER_DELIMITER
                self._after = 0
            elif state == _AFTER_DELIMITER:
                pos = self._after_delimiter(data, pos, end)
                if self._state == _DONE:
                    events.append((DONE, None))
                    break
            elif state == _HEADERS:
                pos = self._read_headers(data, pos, end)
                if self._part is not None:
                    events.append((PART_BEGIN, self._part))
            elif state == _DONE:
                break
            else:
                raise MultipartError("Multipart parser used after an error")
        return events

    def _after_delimiter(self, data, pos, end):
        # self._after: 0 start, 1 saw "-", 2 in padding (counts up), -1 saw CR
        while pos < end:
            byte = data[pos]
            pos += 1
            after = self._after
            if after == 1:
                if byte != 45:
                    self._fail("Invalid closing multipart delimiter")
                self._state = _DONE
                return pos
            if after < 0:
                if byte != 10:
                    self._fail("Multipart delimiter not followed by CRLF")
                self._state = _HEADERS
                self._headers[:] = b""
                return pos
            if byte == 13:
                self._after = -1
            elif byte == 45 and after == 0:
                self._after = 1
            elif byte in (32, 9):
                if after > _MAX_PADDING:
                    self._fail("Too much padding after multipart boundary")
                self._after = after + 2 if after == 0 else after + 1
            else:
                self._fail("Unexpected bytes after multipart boundary")
        return pos

    def _read_headers(self, data, pos, end):
        held = self._headers
        before = len(held)
        take = self.max_header_size - before
        if take > end - pos:
            take = end - pos
        held.extend(data[pos : pos + take])
        if held[:2] == b"\r\n":
            stop = 2
        else:
            stop = held.find(b"\r\n\r\n", before - 3 if before > 3 else 0)
            if stop >= 0:
                stop += 4
        if stop < 0:
            if len(held) >= self.max_header_size:
                self._fail(
                    "Part headers larger than %d bytes (or missing blank line)"
                    % self.max_header_size
                )
            return pos + take
        block = bytes(held[:stop])
        held[:] = b""
        try:
            self._part = Part(_parse_headers(block))
        except MultipartError:
            self._state = _FAILED
            raise
        self._state = _BODY
        return pos + stop - before

    def _find(self, data, pos, end):
        """Index of the delimiter in ``data[pos:end]`` or -1."""
        delimiter = self._delimiter
        if not isinstance(data, memoryview):
            return data.find(delimiter, pos, end)
        # MicroPython cannot search a memoryview: copy windows into one scratch buffer.
        scratch = self._scratch
        if scratch is None:
            size = _SCRATCH_SIZE
            if size < 2 * len(delimiter):
                size = 2 * len(delimiter)
            scratch = self._scratch = bytearray(size)
        size = len(scratch)
        step = size - len(delimiter) + 1
        while pos < end:
            count = end - pos
            if count > size:
                count = size
            scratch[:count] = data[pos : pos + count]
            found = scratch.find(delimiter, 0, count)
            if found >= 0:
                return pos + found
            if pos + count >= end:
                break
            pos += step
        return -1

    def _partial_start(self, data, pos, end):
        """Start of the longest suffix of ``data[pos:end]`` that begins the delimiter."""
        delimiter = self._delimiter
        index = end - len(delimiter) + 1
        if index < pos:
            index = pos
        while index < end:
            if data[index] == 13 and data[index:end] == delimiter[: end - index]:
                return index
            index += 1
        return end

    def _scan(self, data, pos, end, events, emit):
        """Looks for the delimiter; returns the position after it, or -1 when the input
        ran out (the held-back lookbehind is then in ``self._tail``)."""
        delimiter = self._delimiter
        length = len(delimiter)
        tail = self._tail
        held = len(tail)
        if held:
            # Could the delimiter start in the held-back bytes?
            more = end - pos
            if more > length - 1:
                more = length - 1
            tail.extend(data[pos : pos + more])
            found = tail.find(delimiter)
            if 0 <= found < held:
                if emit and found:
                    events.append((PART_DATA, bytes(tail[:found])))
                tail[:] = b""
                return pos + found + length - held
            if pos + more >= end:
                # Everything is in the window: keep only a possible delimiter start.
                keep = self._partial_start(tail, 0, len(tail))
                if emit and keep:
                    events.append((PART_DATA, bytes(tail[:keep])))
                tail[:keep] = b""
                return -1
            if emit:
                events.append((PART_DATA, bytes(tail[:held])))
            tail[:] = b""
        found = self._find(data, pos, end)
        if found >= 0:
            if emit and found > pos:
                events.append((PART_DATA, self._slice(data, pos, found)))
            return found + length
        keep = self._partial_start(data, pos, end)
        if emit and keep > pos:
            events.append((PART_DATA, self._slice(data, pos, keep)))
        tail.extend(data[keep:end])
        return -1

    @staticmethod
    def _slice(data, start, stop):
        if not isinstance(data, memoryview):
            data = memoryview(data)
        return data[start:stop]
