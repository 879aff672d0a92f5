"""Sans-IO WebSocket (RFC 6455) frame codec for the server side.

No sockets here: bytes go in, events come out; the encoder returns bytes to send.

Parsing
-------
``FrameParser(max_message_size=4096, max_fragments=16, buffer_size=1024)`` takes the bytes a
client sent, split in any way, by either of two routes:

* ``view = parser.writable()`` gives a ``memoryview`` into the parser's own receive buffer
  (``buffer_size`` bytes, allocated on first use) for ``sock.recv_into(view)`` or
  ``sock.readinto(view)``; then ``parser.commit(n)`` with the byte count read;
* ``parser.feed(data)`` hands over bytes the caller already has. They are parsed where they
  are, without a copy, so the caller must not change ``data`` before ``next_event()`` has
  returned ``None``.

``parser.next_event()`` then returns the next event, or ``None`` once every byte given so far
has been consumed and more are needed. Call it until it returns ``None`` before reading more:
``None`` always means "everything taken", so a partly received header, extended length, mask
or payload is never lost (W58).

The parser keeps at most one frame header (14 bytes), one control payload (125 bytes), the
message being assembled (never more than ``max_message_size`` bytes, checked from each frame
header before its payload is read, W60) and its receive buffer.

Events (``isinstance`` them; they compare equal by value):

* ``Message(data)``: a complete data message. ``data`` is ``str`` for a TEXT message,
  ``bytes`` for a BINARY one; ``opcode`` is ``TEXT`` or ``BINARY``.
* ``Ping(payload)`` / ``Pong(payload)``: ``payload`` is ``bytes`` (<= 125). Answering a ping
  is the caller's job: ``encode_frame(PONG, event.payload)``.
* ``Close(code, reason)``: the peer's close frame; ``code`` is ``None`` when the frame had
  no payload (then ``reason`` is ``""``). The code has been checked with
  ``is_valid_close_code`` and the reason is valid UTF-8.
* ``Failure(code, reason)``: the peer broke the protocol; send ``encode_close(code)`` and
  drop the connection. ``code`` is ``PROTOCOL_ERROR`` (1002), ``INVALID_DATA`` (1007,
  invalid UTF-8 in a text message or a close reason), ``POLICY_VIOLATION`` (1008, too many
  fragments) or ``MESSAGE_TOO_BIG`` (1009); ``reason`` is a short English text.

After a ``Close`` or a ``Failure`` the parser is finished: ``done`` is true, further input is
ignored and ``next_event()`` returns ``None``.

Checks: client frames must be masked; RSV1-3 must be 0 (no extension is ever negotiated);
reserved opcodes are refused; control frames must have FIN set and at most 125 bytes; a
continuation frame needs a message in progress and a new data frame must not start while one
is; control frames may come between fragments; a 64-bit length must have its top bit clear;
text is checked as valid UTF-8 as it arrives (a bad byte fails the connection at once, even in
the middle of a frame). Non-minimal length encodings are accepted.

Close codes (``is_valid_close_code``): 1000-1003, 1007-1011, 1012-1014 (registered with IANA
as Service Restart, Try Again Later and Bad Gateway after RFC 6455 was published) and
3000-4999 are accepted. 1004 (reserved), 1005, 1006 and 1015 (never sent on the wire),
0-999, 1016-2999 and 5000 and above are refused with 1002.

Encoding
--------
``encode_frame(opcode, payload, fin=True)``, ``encode_header(opcode, length, fin=True)``,
``encode_close(code=None, reason="")``; server frames are never masked.
"""

import binascii

from ._compat import CPYTHON, const

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

CONT = const(0)
TEXT = const(1)
BINARY = const(2)
CLOSE = const(8)
PING = const(9)
PONG = const(10)

NORMAL_CLOSURE = const(1000)
GOING_AWAY = const(1001)
PROTOCOL_ERROR = const(1002)
UNSUPPORTED_DATA = const(1003)
INVALID_DATA = const(1007)
POLICY_VIOLATION = const(1008)
MESSAGE_TOO_BIG = const(1009)
INTERNAL_ERROR = const(1011)

MAX_CONTROL_PAYLOAD = const(125)
MAX_CLOSE_REASON = const(123)


# ---------------------------------------------------------------------------------------------
# Events


class _Event:
    _names = ()

    def _values(self):
        return tuple(getattr(self, name) for name in self._names)

    def __eq__(self, other):
        return type(self) is type(other) and self._values() == other._values()

    def __ne__(self, other):
        return not self.__eq__(other)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(repr(v) for v in self._values()))


class Message(_Event):
    """A complete data message: ``data`` is ``str`` (TEXT) or ``bytes`` (BINARY)."""

    _names = ("data",)

    def __init__(self, data):
        self.data = data

    @property
    def opcode(self):
        return TEXT if isinstance(self.data, str) else BINARY


class Ping(_Event):
    _names = ("payload",)

    def __init__(self, payload=b""):
        self.payload = payload


class Pong(_Event):
    _names = ("payload",)

    def __init__(self, payload=b""):
        self.payload = payload


class Close(_Event):
    """The peer's close frame: ``code`` (``None`` when absent) and ``reason`` (``str``)."""

    _names = ("code", "reason")

    def __init__(self, code=None, reason=""):
        self.code = code
        self.reason = reason


class Failure(_Event):
    """A protocol failure: ``code`` is the close code to send, ``reason`` says why."""

    _names = ("code", "reason")

    def __init__(self, code, reason):
        self.code = code
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# UTF-8 (RFC 3629) validation


def _build_tables():
    # Byte classes: 0 ASCII, 1 80-8F, 2 90-9F, 3 A0-BF, 4 never valid (C0 C1 F5-FF),
    # 5 C2-DF, 6 E0, 7 E1-EC EE EF, 8 ED, 9 F0, 10 F1-F3, 11 F4.
    classes = bytearray(256)
    for byte in range(256):
        if byte < 0x80:
            cls = 0
        elif byte < 0x90:
            cls = 1
        elif byte < 0xA0:
            cls = 2
        elif byte < 0xC0:
            cls = 3
        elif byte < 0xC2:
            cls = 4
        elif byte < 0xE0:
            cls = 5
        elif byte == 0xE0:
            cls = 6
        elif byte == 0xED:
            cls = 8
        elif byte < 0xF0:
            cls = 7
        elif byte == 0xF0:
            cls = 9
        elif byte < 0xF4:
            cls = 10
        elif byte == 0xF4:
            cls = 11
        else:
            cls = 4
        classes[byte] = cls
    # States, stored premultiplied by 12 (the class count): 0 accept, 1 reject, 2 one
    # continuation byte missing, 3 two missing, 4 three missing, 5 after E0 (next A0-BF),
    # 6 after ED (next 80-9F, no surrogates), 7 after F0 (next 90-BF), 8 after F4 (next 80-8F).
    rules = {
        0: {0: 0, 5: 2, 6: 5, 7: 3, 8: 6, 9: 7, 10: 4, 11: 8},
        2: {1: 0, 2: 0, 3: 0},
        3: {1: 2, 2: 2, 3: 2},
        4: {1: 3, 2: 3, 3: 3},
        5: {3: 2},
        6: {1: 2, 2: 2},
        7: {2: 3, 3: 3},
        8: {1: 3},
    }
    table = bytearray(9 * 12)
    for state in range(9):
        for cls in range(12):
            table[state * 12 + cls] = rules.get(state, {}).get(cls, 1) * 12
    return bytes(classes), bytes(table)


_CLASSES, _TRANSITIONS = _build_tables()
_ACCEPT = const(0)
_REJECT = const(12)


class Utf8Validator:
    """Checks UTF-8 piece by piece: ``feed(chunk)`` is ``False`` as soon as the bytes seen so
    far cannot start a valid text (overlong forms, surrogates, code points above U+10FFFF,
    stray or missing continuation bytes); ``final()`` is ``True`` when everything fed is
    valid and complete. A sequence may be split across chunks anywhere."""

    def __init__(self):
        self._state = _ACCEPT

    def reset(self):
        self._state = _ACCEPT

    def final(self):
        return self._state == _ACCEPT

    def feed(self, data):
        state = self._state
        if state == _REJECT:
            return False
        size = len(data)
        start = 0
        classes = _CLASSES
        table = _TRANSITIONS
        # Finish a sequence left open by the previous chunk.
        while state != _ACCEPT and start < size:
            state = table[state + classes[data[start]]]
            start += 1
            if state == _REJECT:
                self._state = state
                return False
        if start < size:
            state = self._bulk(data, start, size)
        self._state = state
        return state != _REJECT

    if CPYTHON:

        @staticmethod
        def _bulk(data, start, size):
            if not start and getattr(data, "isascii", None) is not None and data.isascii():
                return _ACCEPT
            # Let the C decoder check everything up to the start of a sequence that the
            # chunk cuts short, and run the DFA on that short tail.
            cut = size
            index = size - 1
            limit = max(start, size - 3)
            while index >= limit:
                byte = data[index]
                if byte < 0x80:
                    break
                if byte >= 0xC0:
                    need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
                    if size - index < need:
                        cut = index
                    break
                index -= 1
            view = memoryview(data)
            if cut > start:
                try:
                    str(view[start:cut], "utf-8")
                except ValueError:
                    return _REJECT
            state = _ACCEPT
            for byte in view[cut:]:
                state = _TRANSITIONS[state + _CLASSES[byte]]
            return state

    else:

        @staticmethod
        def _bulk(data, start, size):
            view = memoryview(data)[start:]
            if max(view) < 0x80:
                return _ACCEPT
            classes = _CLASSES
            table = _TRANSITIONS
            state = _ACCEPT
            for byte in view:
                state = table[state + classes[byte]]
            return state


def valid_utf8(data):
    """True when ``data`` (bytes-like) is complete, valid UTF-8."""
    validator = Utf8Validator()
    return validator.feed(data) and validator.final()


# ---------------------------------------------------------------------------------------------
# Masking

_BLOCK = const(256)
_big_ints = True


def _unmask_loop(data, mask, out, start, stop):
    m0, m1, m2, m3 = mask[0], mask[1], mask[2], mask[3]
    index = start
    last = stop - 3
    while index < last:
        out[index] = data[index] ^ m0
        out[index + 1] = data[index + 1] ^ m1
        out[index + 2] = data[index + 2] ^ m2
        out[index + 3] = data[index + 3] ^ m3
        index += 4
    while index < stop:
        out[index] = data[index] ^ mask[(index - start) & 3]
        index += 1


def unmask(data, mask, offset=0):
    """XORs ``data`` with the 4-byte ``mask``, as if ``data`` started ``offset`` bytes into
    the payload. Masking and unmasking are the same operation. Returns ``bytes`` on CPython,
    a ``bytearray`` elsewhere."""
    global _big_ints  # pylint: disable=global-statement
    size = len(data)
    offset &= 3
    if offset:
        mask = bytes(mask[offset:]) + bytes(mask[:offset])
    if CPYTHON:
        if not size:
            return b""
        # One C-level XOR over the whole payload: a few ms per MiB-sized chunk.
        repeated = mask * ((size + 3) >> 2)
        if len(repeated) != size:
            repeated = memoryview(repeated)[:size]
        value = int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")
        return value.to_bytes(size, "big")
    # MicroPython/CircuitPython: the same trick in small blocks (about 5x faster than a loop
    # on MicroPython, and only a few hundred bytes of temporaries); boards built without
    # long integers fall back to the loop.
    mask = bytes(mask)
    out = bytearray(size)
    view = memoryview(data)
    block = 0
    if _big_ints and size >= 8:
        try:
            repeated = int.from_bytes(mask * (_BLOCK >> 2), "big")
            while block + _BLOCK <= size:
                value = int.from_bytes(view[block : block + _BLOCK], "big") ^ repeated
                out[block : block + _BLOCK] = value.to_bytes(_BLOCK, "big")
                block += _BLOCK
        except (OverflowError, ValueError, NotImplementedError):
            _big_ints = False
    # Rest (or everything, without long integers): block is a multiple of 4, so the mask
    # phase is unchanged.
    _unmask_loop(view, mask, out, block, size)
    return out


# ---------------------------------------------------------------------------------------------
# Parser

_HEADER = const(0)
_PAYLOAD = const(1)
_DONE = const(2)


class FrameParser:  # pylint: disable=too-many-instance-attributes
    """Turns the bytes a client sends into events; see the module docstring."""

    def __init__(self, max_message_size=4096, max_fragments=16, buffer_size=1024):
        self.max_message_size = max_message_size
        self.max_fragments = max_fragments
        self.buffer_size = buffer_size
        self._buffer = None
        self._buffer_view = None
        self._source = None
        self._pos = 0
        self._end = 0
        self._state = _HEADER
        self._header = bytearray(14)
        self._have = 0
        self._need = 2
        self._step = 0
        self._fin = False
        self._opcode = 0
        self._mask = b""
        self._remaining = 0
        self._offset = 0
        self._control = None
        # The message being assembled (opcode 0: none in progress).
        self._message_opcode = 0
        self._message = None
        self._fragments = 0
        self._utf8 = Utf8Validator()

    # -- state the owner may look at --

    @property
    def done(self):
        """True after a ``Close`` or ``Failure`` event: nothing more will be parsed."""
        return self._state == _DONE

    @property
    def in_message(self):
        """True while a fragmented message is in progress (for a fragment timeout)."""
        return self._message_opcode != 0 and self._state != _DONE

    @property
    def in_frame(self):
        """True while part of a frame has been received but not all of it."""
        return self._state == _PAYLOAD or (self._state == _HEADER and self._have > 0)

    # -- input --

    def writable(self):
        """A ``memoryview`` of free space in the receive buffer to read into; then call
        ``commit(n)``. Empty only if the caller skipped ``next_event()`` with a full buffer."""
        if self._buffer is None:
            self._buffer = bytearray(self.buffer_size)
            self._buffer_view = memoryview(self._buffer)
        pending = self._end - self._pos
        if pending <= 0:
            self._pos = self._end = 0
        elif self._source is not self._buffer_view:
            raise RuntimeError("call next_event() until it returns None before reading more")
        elif self._pos:
            self._buffer[:pending] = bytes(self._buffer_view[self._pos : self._end])
            self._pos, self._end = 0, pending
        self._source = self._buffer_view
        return self._buffer_view[self._end :]

    def commit(self, count):
        """Records that ``count`` bytes were written into the last ``writable()`` view."""
        if self._buffer is None or self._source is not self._buffer_view or count < 0:
            raise RuntimeError("commit() must follow writable()")
        self._end = min(self._end + count, len(self._buffer))

    def feed(self, data):
        """Hands over ``data`` (bytes-like), parsed in place by ``next_event()``."""
        if self._state == _DONE or not data:
            return
        if self._pos < self._end:
            data = bytes(self._source[self._pos : self._end]) + bytes(data)
        self._source = memoryview(data)
        self._pos = 0
        self._end = len(data)

    # -- output --

    def next_event(self):
        """The next event, or ``None`` when all input so far is consumed."""
        if self._state == _DONE:
            self._release()
            return None
        source = self._source
        pos = self._pos
        end = self._end
        event = None
        while event is None:
            if self._state == _HEADER:
                if pos >= end:
                    break
                take = min(self._need - self._have, end - pos)
                self._header[self._have : self._have + take] = source[pos : pos + take]
                self._have += take
                pos += take
                if self._have < self._need:
                    break
                step = self._step
                if step == 0:
                    event = self._first_two()
                elif step == 1:
                    event = self._extended_length()
                else:
                    event = self._mask_done()
                    if event is None and not self._remaining:
                        event = self._frame_done()
            else:
                if pos >= end:
                    break
                take = min(self._remaining, end - pos)
                event = self._payload(source[pos : pos + take])
                pos += take
                if event is None and not self._remaining:
                    event = self._frame_done()
        self._pos = pos
        if pos >= end or self._state == _DONE:
            self._release()
        return event

    def _release(self):
        # Drop the reference to fed data; the own buffer keeps its (empty) window so a
        # commit() after an early next_event() still lands in the right place.
        if self._source is not self._buffer_view:
            self._source = None
            self._pos = self._end = 0

    def _fail(self, code, reason):
        self._state = _DONE
        self._message = self._control = None
        self._message_opcode = 0
        return Failure(code, reason)

    def _first_two(self):
        byte0 = self._header[0]
        byte1 = self._header[1]
        fin = bool(byte0 & 0x80)
        opcode = byte0 & 0x0F
        length = byte1 & 0x7F
        if byte0 & 0x70:
            return self._fail(PROTOCOL_ERROR, "reserved bits set without an extension")
        if not byte1 & 0x80:
            return self._fail(PROTOCOL_ERROR, "client frame is not masked")
        if opcode >= CLOSE:
            if opcode > PONG:
                return self._fail(PROTOCOL_ERROR, "reserved opcode %d" % opcode)
            if not fin:
                return self._fail(PROTOCOL_ERROR, "fragmented control frame")
            if length > MAX_CONTROL_PAYLOAD:
                return self._fail(PROTOCOL_ERROR, "control frame payload over 125 bytes")
            if opcode == CLOSE and length == 1:
                return self._fail(PROTOCOL_ERROR, "close frame payload of 1 byte")
        elif opcode > BINARY:
            return self._fail(PROTOCOL_ERROR, "reserved opcode %d" % opcode)
        elif opcode == CONT:
            if not self._message_opcode:
                return self._fail(PROTOCOL_ERROR, "continuation frame without a message")
            self._fragments += 1
            if self._fragments > self.max_fragments or (
                not fin and self._fragments >= self.max_fragments
            ):
                return self._fail(POLICY_VIOLATION, "too many fragments")
        else:
            if self._message_opcode:
                return self._fail(PROTOCOL_ERROR, "new message inside a fragmented message")
            if not fin and self.max_fragments < 2:
                return self._fail(POLICY_VIOLATION, "too many fragments")
            self._message_opcode = opcode
            self._message = bytearray()
            self._fragments = 1
            self._utf8.reset()
        self._fin = fin
        self._opcode = opcode
        if length < 126:
            return self._set_length(length)
        self._step = 1
        self._need = 4 if length == 126 else 10
        return None

    def _extended_length(self):
        header = self._header
        if self._need == 4:
            return self._set_length((header[2] << 8) | header[3])
        if header[2] & 0x80:
            return self._fail(PROTOCOL_ERROR, "64-bit payload length with the top bit set")
        # Compared before building the integer: boards may lack long integers.
        if (header[2] | header[3] | header[4] | header[5] | (header[6] & 0xC0)) and (
            self.max_message_size < 0x40000000
        ):
            return self._fail(MESSAGE_TOO_BIG, "message too big")
        return self._set_length(int.from_bytes(header[2:10], "big"))

    def _set_length(self, length):
        # Checked before the mask and payload are read (W60), for every opcode.
        total = length
        if self._opcode < CLOSE:
            total += len(self._message)
        if total > self.max_message_size:
            return self._fail(MESSAGE_TOO_BIG, "message too big")
        self._remaining = length
        self._step = 2
        self._need = self._have + 4
        return None

    def _mask_done(self):
        self._mask = bytes(self._header[self._need - 4 : self._need])
        self._have = 0
        self._need = 2
        self._step = 0
        if self._opcode >= CLOSE:
            self._control = bytearray()
        self._offset = 0
        self._state = _PAYLOAD
        return None

    def _payload(self, chunk):
        data = unmask(chunk, self._mask, self._offset)
        size = len(chunk)
        self._offset += size
        self._remaining -= size
        if self._opcode >= CLOSE:
            self._control.extend(data)
            return None
        self._message.extend(data)
        if self._message_opcode == TEXT and not self._utf8.feed(data):
            return self._fail(INVALID_DATA, "invalid UTF-8 in a text message")
        return None

    def _frame_done(self):
        self._state = _HEADER
        opcode = self._opcode
        if opcode >= CLOSE:
            payload = bytes(self._control)
            self._control = None
            if opcode == PING:
                return Ping(payload)
            if opcode == PONG:
                return Pong(payload)
            return self._close(payload)
        if not self._fin:
            return None
        message = self._message
        text = self._message_opcode == TEXT
        self._message = None
        self._message_opcode = 0
        self._fragments = 0
        if not text:
            return Message(bytes(message))
        if not self._utf8.final():
            return self._fail(INVALID_DATA, "text message ends inside a UTF-8 sequence")
        return Message(str(message, "utf-8"))

    def _close(self, payload):
        self._state = _DONE
        self._message = None
        self._message_opcode = 0
        if not payload:
            return Close(None, "")
        code = (payload[0] << 8) | payload[1]
        if not is_valid_close_code(code):
            return self._fail(PROTOCOL_ERROR, "invalid close code %d" % code)
        reason = payload[2:]
        if not valid_utf8(reason):
            return self._fail(INVALID_DATA, "invalid UTF-8 in the close reason")
        return Close(code, str(reason, "utf-8"))


# ---------------------------------------------------------------------------------------------
# Encoding and handshake helpers


def is_valid_close_code(code):
    """True for a close code that may appear in a close frame (see the module docstring)."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


def encode_header(opcode, length, fin=True):
    """The unmasked header of a server frame carrying ``length`` payload bytes."""
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        return bytes((first, length))
    if length < 0x10000:
        return bytes((first, 126, length >> 8, length & 0xFF))
    return bytes((first, 127)) + length.to_bytes(8, "big")


def encode_frame(opcode, payload=b"", fin=True):
    """A complete unmasked server frame. ``payload`` may be ``str`` (sent as UTF-8, whatever
    the opcode) or bytes-like. Any opcode may be sent, CONT included, and ``fin=False``
    starts or continues a fragmented message. Raises ``ValueError`` for a reserved opcode or
    a control frame that is fragmented or longer than 125 bytes."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    elif not isinstance(payload, bytes):
        payload = bytes(payload)
    if opcode in (CONT, TEXT, BINARY):
        pass
    elif opcode in (CLOSE, PING, PONG):
        if not fin or len(payload) > MAX_CONTROL_PAYLOAD:
            raise ValueError("control frames must be final and at most 125 bytes")
    else:
        raise ValueError("reserved opcode %r" % (opcode,))
    return encode_header(opcode, len(payload), fin) + payload


def truncate_utf8(data, limit):
    """``data`` (UTF-8 bytes) cut to at most ``limit`` bytes without splitting a character."""
    if len(data) <= limit:
        return data
    cut = limit
    while cut > 0 and (data[cut] & 0xC0) == 0x80:
        cut -= 1
    return data[:cut]


def encode_close(code=None, reason=""):
    """A close frame: empty when ``code`` is ``None``, else the 2-byte code and the reason
    (``str`` or UTF-8 bytes) truncated to 123 bytes on a character boundary (W66). Raises
    ``ValueError`` for a code that must not be sent (``is_valid_close_code``)."""
    if code is None:
        return encode_frame(CLOSE, b"")
    if not is_valid_close_code(code):
        raise ValueError("invalid close code %r" % (code,))
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    reason = truncate_utf8(bytes(reason or b""), MAX_CLOSE_REASON)
    return encode_frame(CLOSE, bytes((code >> 8, code & 0xFF)) + reason)


def _sha1_digest(data):
    try:
        import hashlib  # pylint: disable=import-outside-toplevel
    except ImportError:
        hashlib = None
    if hashlib is not None:
        sha1 = getattr(hashlib, "sha1", None)
        if sha1 is not None:
            return sha1(data).digest()
        new = getattr(hashlib, "new", None)  # CircuitPython: hashlib.new("sha1", data)
        if new is not None:
            try:
                return new("sha1", data).digest()
            except (ValueError, OSError, NotImplementedError, TypeError):
                pass
    try:
        import adafruit_hashlib  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise RuntimeError(
            "SHA-1 is needed for the websocket handshake but this runtime's hashlib has none;"
            " install adafruit_hashlib"
        ) from None
    return adafruit_hashlib.sha1(data).digest()


def accept_key(sec_websocket_key):
    """The ``Sec-WebSocket-Accept`` value for a ``Sec-WebSocket-Key`` (``str`` or bytes)."""
    key = sec_websocket_key
    if isinstance(key, str):
        key = key.encode("utf-8")
    key = bytes(key).strip()
    encoded = binascii.b2a_base64(_sha1_digest(key + GUID))
    return str(encoded, "ascii").strip()


_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def valid_key(key):
    """True when ``key`` is base64 for exactly 16 bytes (24 characters ending in ``==``),
    as RFC 6455 requires of ``Sec-WebSocket-Key`` (W56: an empty key is refused)."""
    if key is None:
        return False
    if not isinstance(key, str):
        try:
            key = str(bytes(key), "ascii")
        except (ValueError, TypeError):
            return False
    key = key.strip()
    if len(key) != 24 or key[22:] != "==":
        return False
    for char in key[:22]:
        if char not in _BASE64:
            return False
    return True
