"""Sans-IO WebSocket (RFC 6455) frame codec, server side: bytes in, events out.

``FrameParser(max_message_size=4096, max_fragments=16)`` takes client bytes split in any
way: ``p.feed(data)`` hands them over, parsed in place (no copy: leave ``data`` alone until
``next_event()`` has returned None, or call ``p.keep_pending()`` to reuse it sooner).
``p.next_event()`` returns an event, or None once all input is consumed (a partial frame is
kept, W58). The parser owns no receive buffer: the caller reads into whatever buffer it
has (the server lends its own), so an idle connection holds none.

Events are tuples whose first item says what happened (plain tuples: a class per event
would cost a board several KB): ``(TEXT, str)`` and ``(BINARY, bytes)`` for a complete
message, ``(PING, payload)``, ``(PONG, payload)``, ``(CLOSE, code, reason)`` (code None for
an empty close frame) and ``(FAILURE, code, reason)``: send ``encode_close(code)`` and drop
the connection. After CLOSE or FAILURE ``done`` is true and later input is ignored.

Failures: 1002 for unmasked frames, RSV bits, reserved opcodes, fragmented or >125-byte
control frames, CONT without a message, TEXT/BINARY inside a fragmented message, 64-bit
lengths with the top bit set, 1-byte close payloads and invalid close codes; 1007 for
invalid UTF-8 in text (found as soon as the bad byte arrives) or a close reason; 1009
when a frame header announces more than ``max_message_size`` (running total for
fragments, every opcode, before the payload is read: W60); 1008 for more than
``max_fragments`` frames in one message.

Close codes: 1000-1003, 1007-1011, 1012-1014 (IANA: Service Restart, Try Again Later, Bad
Gateway) and 3000-4999 are valid; 1004-1006, 1015, 1016-2999 and the rest are not.

Also: ``encode_frame``/``encode_header``/``encode_close`` (server frames, never masked),
``accept_key``, ``valid_key``, ``is_valid_close_code``, ``unmask``, ``utf8_state`` (an
incremental UTF-8 check) and ``valid_utf8``.
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
FAILURE = const(-1)  # an event kind, not an opcode

# Close codes the parser fails with (private: MicroPython folds them into the code).
_PROTOCOL_ERROR = const(1002)
_INVALID_DATA = const(1007)
_POLICY_VIOLATION = const(1008)
_MESSAGE_TOO_BIG = const(1009)


# UTF-8 (RFC 3629) as a DFA. Byte classes: 0 ASCII, 1 80-8F, 2 90-9F, 3 A0-BF,
# 4 never valid (C0 C1 F5-FF), 5 C2-DF, 6 E0, 7 E1-EC EE EF, 8 ED, 9 F0, 10 F1-F3, 11 F4.
_CLASSES = bytearray(256)
for _lo, _hi, _cls in (
    (0x80, 0x8F, 1), (0x90, 0x9F, 2), (0xA0, 0xBF, 3), (0xC0, 0xC1, 4), (0xC2, 0xDF, 5),
    (0xE0, 0xE0, 6), (0xE1, 0xEF, 7), (0xED, 0xED, 8), (0xF0, 0xF0, 9), (0xF1, 0xF3, 10),
    (0xF4, 0xF4, 11), (0xF5, 0xFF, 4),
):  # fmt: skip
    _CLASSES[_lo : _hi + 1] = bytes((_cls,)) * (_hi - _lo + 1)
del _lo, _hi, _cls
# One row per state, one digit per class: the next state (stored times 12). States: 0 accept,
# 1 reject, 2/3/4 one/two/three continuation bytes missing, 5 after E0 (A0-BF next),
# 6 after ED (80-9F: no surrogates), 7 after F0 (90-BF), 8 after F4 (80-8F).
_TRANSITIONS = bytes(
    int(c) * 12
    for c in "011112536748" "111111111111" "100011111111" "122211111111" "133311111111"
    "111211111111" "122111111111" "113311111111" "131111111111"
)
UTF8_REJECT = const(12)


def utf8_state(state, data):
    """Checks ``data`` as the continuation of a UTF-8 text whose check so far ended in
    ``state`` (0 to start): returns the new state, 0 when everything so far is valid and
    complete, ``UTF8_REJECT`` as soon as the bytes cannot begin a valid text (overlongs,
    surrogates, > U+10FFFF, bad continuations), else a character is still open. Chunks may
    split characters anywhere."""
    size = len(data)
    start = 0
    # Finish a character left open by the previous chunk.
    while state and state != UTF8_REJECT and start < size:
        state = _TRANSITIONS[state + _CLASSES[data[start]]]
        start += 1
    if state == 0 and start < size:
        state = _bulk(data, start, size)
    return state


if CPYTHON:

    def _bulk(data, start, size):
        if not start and getattr(data, "isascii", None) and data.isascii():
            return 0
        # The C decoder checks up to a character the chunk cuts short; the DFA the rest.
        cut = index = size
        while index > max(start, size - 3):
            index -= 1
            byte = data[index]
            if byte < 0x80:
                break
            if byte >= 0xC0:
                if size - index < (2 if byte < 0xE0 else 3 if byte < 0xF0 else 4):
                    cut = index
                break
        view = memoryview(data)
        try:
            str(view[start:cut], "utf-8")
        except ValueError:
            return UTF8_REJECT
        state = 0
        for byte in view[cut:]:
            state = _TRANSITIONS[state + _CLASSES[byte]]
        return state

else:

    def _bulk(data, start, size):
        view = memoryview(data)[start:]
        if max(view) < 0x80:
            return 0
        state = 0
        for byte in view:
            state = _TRANSITIONS[state + _CLASSES[byte]]
        return state


def valid_utf8(data):
    return utf8_state(0, data) == 0


_big_ints = True
# Payload bytes unmasked per step: big-integer XOR is fastest on CPython around 64 KiB, and
# small steps keep temporaries small on boards.
_STEP = 65536 if CPYTHON else 512


def unmask(data, mask, offset=0):
    """``data`` XOR the 4-byte ``mask``, starting ``offset`` bytes into the payload (masking
    and unmasking are the same). ``bytes`` on CPython, ``bytearray`` elsewhere."""
    global _big_ints  # pylint: disable=global-statement
    size = len(data)
    offset &= 3
    mask = bytes(mask[offset:4]) + bytes(mask[:offset])
    if CPYTHON:
        # One C-level XOR through big integers: milliseconds for megabytes.
        repeated = mask * ((size + 3) >> 2)
        value = int.from_bytes(data, "big") ^ int.from_bytes(memoryview(repeated)[:size], "big")
        return value.to_bytes(size, "big")
    # Elsewhere the same in 256-byte blocks (about 5x a plain loop on MicroPython, few
    # temporaries); without long integers, a plain loop.
    out = bytearray(size)
    view = memoryview(data)
    done = 0
    if _big_ints and size >= 256:
        try:
            repeated = int.from_bytes(mask * 64, "big")
            while done + 256 <= size:
                value = int.from_bytes(view[done : done + 256], "big") ^ repeated
                out[done : done + 256] = value.to_bytes(256, "big")
                done += 256
        except (OverflowError, ValueError, NotImplementedError):
            _big_ints = False
    for index in range(done, size):
        out[index] = view[index] ^ mask[index & 3]
    return out


class FrameParser:  # pylint: disable=too-many-instance-attributes
    """Client bytes in, events out: see the module docstring."""

    def __init__(self, max_message_size=4096, max_fragments=16):
        self.max_message_size = max_message_size
        self.max_fragments = max_fragments
        self.done = False
        self._source = None
        self._pos = self._end = 0
        # Frame: header bytes, how many are needed for the current step (0: first two bytes,
        # 1: extended length, 2: mask, 3: payload), the payload left and its mask offset.
        self._header = bytearray(14)
        self._have = 0
        self._need = 2
        self._step = 0
        self._fin = False
        self._opcode = 0
        self._mask = b""
        self._remaining = self._offset = 0
        self._control = None
        # Message being assembled (opcode 0: none in progress).
        self._message_opcode = self._fragments = 0
        self._message = None  # the unmasked pieces of the message being received
        self._size = 0  # their total length
        self._utf8 = 0  # utf8_state of the text message being received

    @property
    def in_message(self):
        """A data message has started but is not complete (for a fragment timeout)."""
        return self._message_opcode != 0

    def feed(self, data):
        """Hands over ``data`` (bytes-like) to be parsed in place."""
        if self.done or not data:
            return
        if self._pos < self._end:
            data = bytes(self._source[self._pos : self._end]) + bytes(data)
        self._source = memoryview(data)
        self._pos = 0
        self._end = len(data)

    def keep_pending(self):
        """Copies the input not parsed yet (left when ``next_event()`` returned an event
        before the end of the fed data), so the caller may reuse the buffer it fed."""
        if self._pos < self._end:
            self._source = memoryview(bytes(self._source[self._pos : self._end]))
            self._end -= self._pos
            self._pos = 0

    def next_event(self):
        """The next event, or None when all input given so far is consumed."""
        source, pos, end = self._source, self._pos, self._end
        event = None
        while event is None and pos < end and not self.done:
            if self._step < 3:
                take = min(self._need - self._have, end - pos)
                self._header[self._have : self._have + take] = source[pos : pos + take]
                self._have += take
                pos += take
                if self._have < self._need:
                    break
                step = self._step
                event = self._first_two() if step == 0 else self._length() if step == 1 else None
                if step == 2:
                    self._mask = bytes(self._header[self._have - 4 : self._have])
                    self._have = self._offset = 0
                    self._need = 2
                    self._step = 3
                    if self._opcode >= CLOSE:
                        self._control = bytearray()
            else:
                take = min(self._remaining, end - pos, _STEP)
                event = self._payload(source[pos : pos + take])
                pos += take
            if event is None and self._step == 3 and not self._remaining:
                event = self._frame_done()
        self._pos = pos
        if pos >= end or self.done:
            self._source = None  # let go of fed data
            self._pos = self._end = 0
        return event

    def _fail(self, code, reason):
        self.done = True
        self._message = self._control = None
        self._message_opcode = 0
        return FAILURE, code, reason

    def _first_two(self):
        byte0, byte1 = self._header[0], self._header[1]
        fin = byte0 >> 7
        opcode = byte0 & 0x0F
        length = byte1 & 0x7F
        error = None
        if byte0 & 0x70:
            error = "reserved bits set"
        elif not byte1 & 0x80:
            error = "frame not masked"
        elif opcode >= CLOSE:
            if opcode > PONG:
                error = "reserved opcode"
            elif not fin or length > 125:
                error = "control frame fragmented or over 125 bytes"
            elif opcode == CLOSE and length == 1:
                error = "1-byte close payload"
        elif opcode > BINARY:
            error = "reserved opcode"
        elif opcode == CONT:
            if not self._message_opcode:
                error = "continuation without a message"
            else:
                self._fragments += 1
        elif self._message_opcode:
            error = "new message inside a fragmented one"
        else:
            self._message_opcode = opcode
            self._message = []
            self._size = 0
            self._fragments = 1
            self._utf8 = 0
        if error:
            return self._fail(_PROTOCOL_ERROR, error)
        if opcode < CLOSE and not fin and self._fragments >= self.max_fragments:
            return self._fail(_POLICY_VIOLATION, "too many fragments")
        self._fin = fin
        self._opcode = opcode
        if length < 126:
            return self._set_length(length)
        self._step = 1
        self._need = 4 if length == 126 else 10
        return None

    def _length(self):
        header = self._header
        if self._need == 4:
            return self._set_length((header[2] << 8) | header[3])
        if header[2] & 0x80:
            return self._fail(_PROTOCOL_ERROR, "64-bit length with the top bit set")
        # Boards may lack long integers: a length of 2**30 or more is too big anyway.
        if header[2] | header[3] | header[4] | header[5] | (header[6] & 0xC0):
            if self.max_message_size < 0x40000000:
                return self._fail(_MESSAGE_TOO_BIG, "message too big")
        return self._set_length(int.from_bytes(header[2:10], "big"))

    def _set_length(self, length):
        total = length + (self._size if self._opcode < CLOSE else 0)
        if total > self.max_message_size:
            return self._fail(_MESSAGE_TOO_BIG, "message too big")
        self._remaining = length
        self._step = 2
        self._need = self._have + 4
        return None

    def _payload(self, chunk):
        data = unmask(chunk, self._mask, self._offset)
        self._offset += len(chunk)
        self._remaining -= len(chunk)
        if self._opcode >= CLOSE:
            self._control.extend(data)
            return None
        # Kept as pieces, joined once at the end: a board's heap then needs one block the
        # size of the message, not a buffer growing (and moving) with every piece.
        self._message.append(data)
        self._size += len(chunk)
        if self._message_opcode == TEXT:
            self._utf8 = utf8_state(self._utf8, data)
            if self._utf8 == UTF8_REJECT:
                return self._fail(_INVALID_DATA, "invalid UTF-8 in a text message")
        return None

    def _frame_done(self):
        self._step = 0
        opcode = self._opcode
        if opcode >= CLOSE:
            payload = bytes(self._control)
            self._control = None
            if opcode != CLOSE:
                return opcode, payload  # PING or PONG
            if not payload:
                self.done = True
                return CLOSE, None, ""
            code = (payload[0] << 8) | payload[1]
            if not is_valid_close_code(code):
                return self._fail(_PROTOCOL_ERROR, "invalid close code %d" % code)
            if not valid_utf8(payload[2:]):
                return self._fail(_INVALID_DATA, "invalid UTF-8 in the close reason")
            self.done = True
            return CLOSE, code, str(payload[2:], "utf-8")
        if not self._fin:
            return None
        message = self._message
        text = self._message_opcode == TEXT
        self._message = None
        self._message_opcode = self._fragments = self._size = 0
        if not text:
            return BINARY, bytes(message[0]) if len(message) == 1 else b"".join(message)
        if self._utf8:
            return self._fail(_INVALID_DATA, "text message ends inside a character")
        return TEXT, str(message[0] if len(message) == 1 else b"".join(message), "utf-8")


def is_valid_close_code(code):
    """True for a code allowed in a close frame (see the module docstring)."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


def encode_header(opcode, length, fin=True):
    """The (never masked) header of a server frame with ``length`` payload bytes."""
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        return bytes((first, length))
    if length < 0x10000:
        return bytes((first, 126, length >> 8, length & 0xFF))
    return bytes((first, 127)) + length.to_bytes(8, "big")


def encode_frame(opcode, payload=b"", fin=True):
    """A server frame. ``payload``: ``str`` (sent as UTF-8 whatever the opcode) or
    bytes-like. Any opcode, CONT included, and ``fin=False`` fragments (W65). ValueError
    for a reserved opcode or a fragmented or over-125-byte control frame."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    elif not isinstance(payload, bytes):
        payload = bytes(payload)
    if opcode not in (CONT, TEXT, BINARY, CLOSE, PING, PONG):
        raise ValueError("reserved opcode")
    if opcode >= CLOSE and (not fin or len(payload) > 125):
        raise ValueError("control frames must be final and at most 125 bytes")
    return encode_header(opcode, len(payload), fin) + payload


def truncate_utf8(data, limit):
    """UTF-8 ``data`` cut to at most ``limit`` bytes without splitting a character."""
    if len(data) <= limit:
        return data
    while limit and data[limit] & 0xC0 == 0x80:
        limit -= 1
    return data[:limit]


def encode_close(code=None, reason=""):
    """A close frame: empty when ``code`` is None, else the code and the reason (``str`` or
    UTF-8 bytes) cut to 123 bytes on a character boundary (W66). ValueError for a code
    that must not be sent."""
    if code is None:
        return b"\x88\x00"
    if not is_valid_close_code(code):
        raise ValueError("invalid close code")
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    return encode_frame(CLOSE, bytes((code >> 8, code & 0xFF)) + truncate_utf8(bytes(reason), 123))


def accept_key(sec_websocket_key):
    """``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key`` (``str`` or bytes)."""
    key = sec_websocket_key
    key = (key.encode() if isinstance(key, str) else bytes(key)).strip() + GUID
    try:
        import hashlib  # pylint: disable=import-outside-toplevel

        if hasattr(hashlib, "sha1"):
            digest = hashlib.sha1(key).digest()
        else:  # CircuitPython has only hashlib.new(), and not always with SHA-1
            digest = hashlib.new("sha1", key).digest()
    except (ImportError, AttributeError, ValueError, OSError, NotImplementedError):
        try:
            import adafruit_hashlib  # pylint: disable=import-outside-toplevel
        except ImportError:
            raise RuntimeError("the websocket handshake needs SHA-1: add adafruit_hashlib") from None
        digest = adafruit_hashlib.sha1(key).digest()
    return str(binascii.b2a_base64(digest), "ascii").strip()


_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def valid_key(key):
    """True when ``key`` is base64 of exactly 16 bytes (W56: an empty key is refused)."""
    if isinstance(key, (bytes, bytearray)):
        try:
            key = bytes(key).decode("utf-8")
        except UnicodeError:
            return False
    if not isinstance(key, str):
        return False
    key = key.strip()
    # strip() removes every base64 character from both ends: nothing is left exactly when
    # all of them are (and no character of the key is taken one by one: see _http).
    return len(key) == 24 and key[22:] == "==" and not key[:22].strip(_BASE64)
