"""Tests for the sans-IO websocket frame codec (adafruit_httpserver._wsframe).

Portable: pytest on CPython, tests/portable/run.py on MicroPython. Kept compact: MicroPython
compiles the whole file at once inside a 128 KiB heap.
"""

import sys

from unit import TestCase

from adafruit_httpserver._wsframe import (
    BINARY,
    CLOSE,
    CONT,
    PING,
    PONG,
    TEXT,
    Close,
    Failure,
    FrameParser,
    Message,
    Ping,
    Pong,
    Utf8Validator,
    accept_key,
    encode_close,
    encode_frame,
    encode_header,
    is_valid_close_code,
    truncate_utf8,
    unmask,
    valid_key,
    valid_utf8,
)

CPYTHON = sys.implementation.name == "cpython"
MASK = b"\x37\xfa\x21\x3d"


def xor_loop(data, mask=MASK, offset=0):
    out = bytearray(len(data))
    for i in range(len(data)):
        out[i] = data[i] ^ mask[(i + offset) & 3]
    return bytes(out)


def cf(opcode, payload=b"", fin=True, mask=MASK, rsv=0, masked=True, width=None):
    """A client frame, built independently of the codec. ``width``: 7, 16 or 64 bits."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload)
    width = width or (7 if n < 126 else 16 if n < 65536 else 64)
    bit = 0x80 if masked else 0
    head = bytearray(((0x80 if fin else 0) | (rsv << 4) | opcode,))
    if width == 7:
        head.append(bit | n)
    elif width == 16:
        head.extend(bytes((bit | 126, n >> 8, n & 0xFF)))
    else:
        head.append(bit | 127)
        head.extend(n.to_bytes(8, "big"))
    return bytes(head) + (mask + xor_loop(payload, mask) if masked else payload)


def hdr(opcode, length, fin=True):
    """Only the header and mask of a client frame claiming ``length`` payload bytes."""
    head = cf(opcode, b"", fin, width=7 if length < 126 else 16 if length < 65536 else 64)
    head = bytearray(head[:-4])
    if length < 126:
        head[1] |= length
    elif length < 65536:
        head[2:4] = bytes((length >> 8, length & 0xFF))
    else:
        head[2:10] = length.to_bytes(8, "big")
    return bytes(head) + MASK


def drain(parser):
    events = []
    while True:
        event = parser.next_event()
        if event is None:
            return events
        events.append(event)


def feed_all(parser, *pieces):
    events = []
    for piece in pieces:
        parser.feed(piece)
        events.extend(drain(parser))
    return events


def parse(data, **kwargs):
    return feed_all(FrameParser(**kwargs), data)


def ref_utf8(data):
    """Reference RFC 3629 check by code point arithmetic (independent of the DFA)."""
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            need, point, low = 1, b & 0x1F, 0x80
        elif 0xE0 <= b <= 0xEF:
            need, point, low = 2, b & 0x0F, 0x800
        elif 0xF0 <= b <= 0xF4:
            need, point, low = 3, b & 0x07, 0x10000
        else:
            return False
        if i + need >= n:
            return False
        for c in data[i + 1 : i + need + 1]:
            if c & 0xC0 != 0x80:
                return False
            point = (point << 6) | (c & 0x3F)
        if point < low or 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
            return False
        i += need + 1
    return True


def code_bytes(code):
    return bytes((code >> 8, code & 0xFF))


KOSME = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
VALID = (
    b"",
    b"hello\x00\x7f",
    b"\xc2\x80\xdf\xbf",
    b"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf",
    b"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
    KOSME,
)
INVALID = (
    b"\x80",
    b"\xbf",
    b"\xc0\xaf",  # overlong
    b"\xc1\xbf",
    b"\xe0\x80\xaf",
    b"\xe0\x9f\xbf",
    b"\xf0\x80\x80\xaf",
    b"\xf0\x8f\xbf\xbf",
    b"\xed\xa0\x80",  # surrogates
    b"\xed\xbf\xbf",
    b"\xed\xa0\x80\xed\xb0\x80",
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xf5\x80\x80\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xfe",
    b"\xff",
    b"\xe2\x82",  # truncated
    b"a\xc3",
    b"\xc3a",
    b"\xe2\x28\xa1",
)


class TestEncoder(TestCase):
    def test_verified_contract_frames(self):
        self.assertEqual(encode_frame(TEXT, "srv"), b"\x81\x03srv")
        self.assertEqual(encode_frame(BINARY, b"\x01"), b"\x82\x01\x01")
        frame = encode_frame(TEXT, "x" * 200)
        self.assertEqual(frame, b"\x81\x7e\x00\xc8" + b"x" * 200)

    def test_headers_and_W65_opcode_payload_combinations(self):
        cases = (
            (encode_header(BINARY, 125), b"\x82\x7d"),
            (encode_header(BINARY, 126), b"\x82\x7e\x00\x7e"),
            (encode_header(BINARY, 65535), b"\x82\x7e\xff\xff"),
            (encode_header(BINARY, 65536), b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
            (encode_header(TEXT, 3, fin=False), b"\x01\x03"),
            (encode_frame(TEXT, b"hi"), b"\x81\x02hi"),
            (encode_frame(BINARY, "\u00e9"), b"\x82\x02\xc3\xa9"),
            (encode_frame(TEXT, bytearray(b"ab")), b"\x81\x02ab"),
            (encode_frame(BINARY, memoryview(b"abc")[1:]), b"\x82\x02bc"),
            (encode_frame(TEXT, "ab", fin=False), b"\x01\x02ab"),
            (encode_frame(CONT, "cd"), b"\x80\x02cd"),  # CONT can be sent
            (encode_frame(PING), b"\x89\x00"),
            (encode_frame(PONG, b"p"), b"\x8a\x01p"),
            (encode_frame(BINARY, b"a" * 300)[:4], b"\x82\x7e\x01\x2c"),  # never masked
        )
        for got, expected in cases:
            self.assertEqual(got, expected)
        for args in ((PING, b"x" * 126), (PING, b"x", False), (3, b"x"), (0xB, b"")):
            with self.assertRaises(ValueError):
                encode_frame(*args)

    def test_W65_messages_over_4096_with_configured_limit(self):
        payload = bytes(range(256)) * 20
        self.assertEqual(parse(cf(BINARY, payload), max_message_size=8192), [Message(payload)])
        self.assertEqual(parse(cf(BINARY, payload))[0].code, 1009)

    def test_encode_close(self):
        self.assertEqual(encode_close(), b"\x88\x00")
        self.assertEqual(encode_close(None, "ignored"), b"\x88\x00")
        self.assertEqual(encode_close(1000), b"\x88\x02\x03\xe8")
        self.assertEqual(encode_close(1000, "bye"), b"\x88\x05\x03\xe8bye")
        self.assertEqual(encode_close(4999, b"raw"), b"\x88\x05\x13\x87raw")
        for code in (999, 1004, 1005, 1006, 1015, 2000, 5000):
            with self.assertRaises(ValueError):
                encode_close(code)

    def test_W66_close_reason_truncated_on_character_boundary(self):
        for reason, size in (("\u00e9" * 100, 122), ("a" + "\u20ac" * 50, 121),
                             ("\U0001f600" * 40, 120), ("a" * 124, 123), ("a" * 123, 123)):
            frame = encode_close(1001, reason)
            self.assertEqual(frame[1], size + 2)
            self.assertTrue(reason.encode("utf-8").startswith(frame[4:]))
            self.assertTrue(valid_utf8(frame[4:]))
            masked = bytes((frame[0], frame[1] | 0x80)) + MASK + xor_loop(frame[2:])
            self.assertIsInstance(parse(masked)[0], Close)
        self.assertEqual(truncate_utf8(b"abc", 5), b"abc")
        self.assertEqual(truncate_utf8(b"a\xc3\xa9", 2), b"a")
        self.assertEqual(truncate_utf8(b"\xe2\x82\xac\xe2\x82\xac", 5), b"\xe2\x82\xac")

    def test_accept_key_rfc6455_example(self):
        for key in ("dGhlIHNhbXBsZSBub25jZQ==", b"dGhlIHNhbXBsZSBub25jZQ==", " dGhlIHNhbXBsZSBub25jZQ== "):
            self.assertEqual(accept_key(key), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

    def test_W56_valid_key(self):
        for key in ("dGhlIHNhbXBsZSBub25jZQ==", b"dGhlIHNhbXBsZSBub25jZQ==", "+/+/+/+/+/+/+/+/+/+/+w=="):
            self.assertTrue(valid_key(key), key)
        bad = ("", None, "   ", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ===",
               "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZWE=", "A" * 24,
               "dGhlIHNhbXBsZSBub2@jZQ==", "dGhlIHNhbXBsZSBub2 jZQ==", "not a key")
        for key in bad:
            self.assertFalse(valid_key(key), key)

    def test_close_code_validity(self):
        good = (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                3000, 3999, 4000, 4999)
        for code in good:
            self.assertTrue(is_valid_close_code(code), code)
        for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
            self.assertFalse(is_valid_close_code(code), code)

    def test_unmask_matches_simple_xor(self):
        data = bytes(range(256)) * 3 + b"tail!"
        for size in (0, 1, 3, 4, 5, 255, 256, 257, 300, 512, 513, len(data)):
            for offset in range(6):
                self.assertEqual(bytes(unmask(data[:size], MASK, offset)), xor_loop(data[:size], MASK, offset))
        masked = unmask(memoryview(data)[3:], MASK, 3)
        self.assertEqual(bytes(unmask(masked, MASK, 3)), data[3:])


class TestUtf8Validator(TestCase):
    def test_known_sequences_split_anywhere(self):
        validator = Utf8Validator()
        for data in VALID + INVALID:
            expected = data in VALID
            self.assertEqual(valid_utf8(data), expected, data)
            for cut in range(len(data) + 1):
                validator.reset()
                ok = validator.feed(data[:cut])
                ok = validator.feed(data[cut:]) and ok
                self.assertEqual(ok and validator.final(), expected, (data, cut))

    def test_fails_at_the_first_bad_byte(self):
        cases = ((b"ab\xf4\x90\x80\x80", 3), (KOSME[:2] + b"\xed\xa0\x80", 3), (b"\xe0\x80", 1),
                 (b"\xc0", 0), (b"a\x80", 1), (b"\xf0\x9f\x98\x80\xff", 4))
        for data, bad in cases:
            validator = Utf8Validator()
            for i in range(len(data)):
                self.assertEqual(validator.feed(data[i : i + 1]), i < bad, (data, i))
        validator = Utf8Validator()
        self.assertFalse(validator.feed(b"y" * 1000 + b"\xed\xa0"))
        self.assertFalse(validator.feed(b"abc"))  # rejection is sticky
        self.assertFalse(validator.final())
        validator.reset()
        self.assertTrue(validator.feed(b"abc") and validator.final())

    def test_large_chunks_with_multibyte_tail(self):
        text = ("x" * 1000 + "\u00e9\u20ac\U0001f600").encode("utf-8")
        for cut in range(len(text) - 8, len(text) + 1):
            validator = Utf8Validator()
            self.assertTrue(validator.feed(text[:cut]) and validator.feed(text[cut:]))
            self.assertTrue(validator.final())

    def test_all_two_byte_and_boundary_sequences_against_reference(self):
        validator = Utf8Validator()
        seq = bytearray(2)
        for first in range(256):
            seq[0] = first
            for second in range(256):
                seq[1] = second
                validator.reset()
                self.assertEqual(validator.feed(seq) and validator.final(), ref_utf8(seq), seq)
        edges = (0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF)
        for lead in range(0xC0, 0x100):
            for second in edges:
                for third in edges:
                    for tail in ((), (0x7F,), (0x80,), (0xBF,), (0xC0,)) if lead >= 0xF0 else ((),):
                        seq = bytes((lead, second, third) + tail)
                        validator.reset()
                        got = validator.feed(seq) and validator.final()
                        self.assertEqual(got, ref_utf8(seq), seq)


class TestParser(TestCase):
    def test_frames_and_events(self):
        frag = cf(TEXT, "ab", fin=False) + cf(CONT, "cd", fin=False)
        cases = (
            (cf(TEXT, "Hello"), [Message("Hello")]),
            (cf(BINARY, b"\x00\xff"), [Message(b"\x00\xff")]),
            (cf(PING, b"hb"), [Ping(b"hb")]),
            (cf(PONG, b"hb"), [Pong(b"hb")]),
            (cf(TEXT, ""), [Message("")]),
            (cf(BINARY, b""), [Message(b"")]),
            (cf(PING), [Ping(b"")]),
            (cf(PING, b"x" * 125), [Ping(b"x" * 125)]),
            (cf(BINARY, b"z" * 300), [Message(b"z" * 300)]),
            (cf(BINARY, b"ab", width=16), [Message(b"ab")]),
            (cf(BINARY, b"ab", width=64), [Message(b"ab")]),
            (cf(TEXT, "one") + cf(PING, b"p") + cf(BINARY, b"two"), [Message("one"), Ping(b"p"), Message(b"two")]),
            (frag + cf(PING, b"x") + cf(PONG, b"y") + cf(CONT, "ef"), [Ping(b"x"), Pong(b"y"), Message("abcdef")]),
            (cf(BINARY, b"\x01", fin=False) + cf(CONT, b"\x02"), [Message(b"\x01\x02")]),
            (cf(TEXT, b"\xe2\x82", fin=False) + cf(PING) + cf(CONT, b"\xac"), [Ping(b""), Message("\u20ac")]),
            (cf(TEXT, "", fin=False) + cf(CONT, "", fin=False) + cf(CONT, ""), [Message("")]),
            (cf(BINARY, b"\xff"), [Message(b"\xff")]),  # binary is not UTF-8 checked
            (cf(CLOSE), [Close(None, "")]),
            (cf(CLOSE, b"\x03\xe8"), [Close(1000, "")]),
            (cf(CLOSE, b"\x03\xe8bye"), [Close(1000, "bye")]),
            (cf(CLOSE, b"\x0f\xa0" + ("\u00e9" * 61).encode("utf-8")), [Close(4000, "\u00e9" * 61)]),
        )
        for data, expected in cases:
            self.assertEqual(parse(data), expected, data)
        text, data = parse(cf(TEXT, "\u00e9t\u00e9") + cf(BINARY, b"ab"))
        self.assertIsInstance(text.data, str)
        self.assertEqual((text.opcode, data.opcode), (TEXT, BINARY))
        self.assertIsInstance(data.data, bytes)
        self.assertNotEqual(Message("ab"), Message(b"ab"))
        self.assertEqual(repr(Close(1000, "bye")), "Close(1000, 'bye')")
        if CPYTHON:  # 64-bit length with a real payload (too big for a small heap)
            big = bytes(70000)
            self.assertEqual(parse(cf(BINARY, big), max_message_size=70000), [Message(big)])

    def test_close_codes(self):
        for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                     3000, 3999, 4000, 4999):
            self.assertEqual(parse(cf(CLOSE, code_bytes(code))), [Close(code, "")])
        for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
            self.assertEqual(parse(cf(CLOSE, code_bytes(code)))[0].code, 1002, code)

    def test_nothing_after_close_or_failure(self):
        for first, expected in ((cf(CLOSE, b"\x03\xe8"), Close(1000, "")),
                                (cf(TEXT, "x", masked=False), 1002)):
            parser = FrameParser()
            events = feed_all(parser, first + cf(TEXT, "late"))
            self.assertEqual(len(events), 1)
            self.assertEqual(events[0] if isinstance(expected, Close) else events[0].code, expected)
            self.assertTrue(parser.done)
            self.assertEqual(feed_all(parser, cf(TEXT, "later")), [])
            self.assertIsNone(parser.next_event())

    def test_state_properties(self):
        parser = FrameParser()
        self.assertFalse(parser.in_message or parser.in_frame)
        feed_all(parser, cf(TEXT, "ab", fin=False))
        self.assertTrue(parser.in_message)
        self.assertFalse(parser.in_frame)
        frame = cf(CONT, "cd")
        feed_all(parser, frame[:1])
        self.assertTrue(parser.in_frame)
        feed_all(parser, frame[1:7])
        self.assertTrue(parser.in_frame)
        self.assertEqual(feed_all(parser, frame[7:]), [Message("abcd")])
        self.assertFalse(parser.in_message or parser.in_frame or parser.done)

    def test_every_split_of_small_frames(self):
        frame = cf(TEXT, "H\u00e9llo!")
        expected = [Message("H\u00e9llo!")]
        for a in range(len(frame) + 1):
            self.assertEqual(feed_all(FrameParser(), frame[:a], frame[a:]), expected, a)
            for b in range(a, len(frame) + 1):
                self.assertEqual(feed_all(FrameParser(), frame[:a], frame[a:b], frame[b:]), expected)
        for width in (16, 64):
            frame = cf(BINARY, b"0123456789", width=width)
            for a in range(len(frame) + 1):
                self.assertEqual(feed_all(FrameParser(), frame[:a], frame[a:]), [Message(b"0123456789")])

    def test_every_split_of_a_fragmented_message_with_a_ping(self):
        data = (cf(TEXT, "ab", fin=False) + cf(CONT, "c\u00e9", fin=False)
                + cf(PING, b"ping", mask=b"\x01\x02\x03\x04") + cf(CONT, "ef", mask=b"\xff\x00\xaa\x55"))
        expected = [Ping(b"ping"), Message("abc\u00e9ef")]
        for a in range(len(data) + 1):
            self.assertEqual(feed_all(FrameParser(), data[:a], data[a:]), expected, a)
        for size in (1, 2, 3, 5, 7):
            pieces = [data[i : i + size] for i in range(0, len(data), size)]
            self.assertEqual(feed_all(FrameParser(), *pieces), expected, size)

    def test_W58_header_arrives_before_the_rest(self):
        frame = cf(TEXT, "split across TCP writes")
        parser = FrameParser()
        for piece in (frame[:2], frame[2:5], frame[5:9]):  # header, part of mask, payload
            parser.feed(piece)
            self.assertIsNone(parser.next_event())
            self.assertIsNone(parser.next_event())  # asking again loses nothing
        parser.feed(frame[9:])
        self.assertEqual(drain(parser), [Message("split across TCP writes")])
        self.assertEqual(feed_all(parser, cf(TEXT, "next")), [Message("next")])

    def test_writable_and_commit(self):
        data = (cf(TEXT, "hello " * 10, fin=False) + cf(PING, b"in between") + cf(CONT, "world")
                + cf(BINARY, bytes(range(200))))
        expected = [Ping(b"in between"), Message("hello " * 10 + "world"), Message(bytes(range(200)))]
        for size in (1, 2, 3, 7, 16, 64, 1024):
            parser = FrameParser(buffer_size=size)
            events, pos = [], 0
            while pos < len(data):
                view = parser.writable()
                count = min(len(view), len(data) - pos)
                view[:count] = data[pos : pos + count]
                parser.commit(count)
                pos += count
                events.extend(drain(parser))
            self.assertEqual(events, expected, size)
        with self.assertRaises(RuntimeError):
            FrameParser().commit(3)

    def test_input_left_after_an_undrained_event_is_kept(self):
        data = cf(TEXT, "one") + cf(TEXT, "two")
        parser = FrameParser(buffer_size=64)
        parser.writable()[: len(data)] = data
        parser.commit(len(data))
        self.assertEqual(parser.next_event(), Message("one"))
        parser.writable()
        parser.commit(0)
        self.assertEqual(drain(parser), [Message("two")])
        parser = FrameParser()
        parser.feed(data[:11])
        self.assertEqual(parser.next_event(), Message("one"))
        parser.feed(data[11:])
        self.assertEqual(drain(parser), [Message("two")])
        buf = bytearray(cf(BINARY, b"abc"))  # fed data is parsed in place; reusable after None
        parser.feed(buf)
        self.assertEqual(drain(parser), [Message(b"abc")])
        buf[:] = cf(BINARY, b"xyz")
        parser.feed(buf)
        self.assertEqual(drain(parser), [Message(b"xyz")])

    def test_protocol_errors(self):
        head64 = b"\x82\xff\x80\x00\x00\x00\x00\x00\x00\x05"
        cases = [
            (cf(TEXT, "hi", masked=False), 1002),  # client frames must be masked
            (cf(TEXT, "hi", masked=False)[:2], 1002),
            (cf(PING, b"", masked=False), 1002),
            (cf(CONT, "x"), 1002),  # no message in progress
            (cf(CONT, "x", fin=False), 1002),
            (cf(TEXT, "a", fin=False) + cf(TEXT, "b"), 1002),  # new message inside one
            (cf(TEXT, "a", fin=False) + cf(BINARY, "b"), 1002),
            (head64 + MASK + b"abcde", 1002),  # 64-bit length, top bit set
            (head64, 1002),  # known before the mask arrives
            (cf(CLOSE, b"\x03"), 1002),  # 1-byte close payload
            (cf(CLOSE, b"\x03")[:2], 1002),
            (cf(CLOSE, b"\x03\xed"), 1002),  # W64: 1005 is not echoed
            (cf(CLOSE, b"\x03\xee"), 1002),  # 1006
            (cf(CLOSE, b"\x03\xe8" + KOSME[:4]), 1007),  # W64: close reason UTF-8
            (cf(CLOSE, b"\x03\xe8\xff"), 1007),
            (cf(TEXT, b"\xc0\xaf"), 1007),  # W64: 1007, not 1002
            (cf(TEXT, b"\xed\xa0\x80"), 1007),
            (cf(TEXT, b"ok\xf4\x90\x80\x80"), 1007),
            (cf(TEXT, b"\xe2\x82"), 1007),  # ends mid-character
            (cf(TEXT, b"\xe2", fin=False) + cf(CONT, b"\x82"), 1007),
        ]
        for rsv in (1, 2, 4, 7):  # W64: RSV bits
            cases.append((cf(TEXT, "hi", rsv=rsv), 1002))
            cases.append((cf(PING, b"", rsv=rsv), 1002))
        for opcode in (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF):
            cases.append((cf(opcode, b"x")[:2], 1002))
        for opcode in (CLOSE, PING, PONG):
            cases.append((cf(opcode, b"x", fin=False), 1002))  # fragmented control frame
            cases.append((cf(opcode, b"x" * 126)[:2], 1002))  # over 125 bytes
        for data, code in cases:
            events = parse(data)
            self.assertEqual(len(events), 1, (data, events))
            self.assertIsInstance(events[0], Failure)
            self.assertEqual(events[0].code, code, (data, events))

    def test_utf8_fails_fast_across_fragments(self):
        # Autobahn 6.4.1/6.4.2: the bad fragment is refused before the message ends.
        for first, second in ((KOSME, b"\xf4\x90\x80\x80"), (KOSME + b"\xf4", b"\x90")):
            parser = FrameParser()
            self.assertEqual(feed_all(parser, cf(TEXT, first, fin=False)), [])
            self.assertEqual(feed_all(parser, cf(CONT, second, fin=False))[0].code, 1007)

    def test_utf8_fails_fast_inside_one_frame(self):
        # Autobahn 6.4.3/6.4.4: one frame arriving in chops.
        frame = cf(TEXT, KOSME + b"\xf4\x90\x80\x80" + b"edited")
        for cut in (17, 18):  # \xf4 alone is still fine, \xf4\x90 is not
            parser = FrameParser()
            self.assertEqual(feed_all(parser, frame[:cut]), [])
            self.assertEqual(feed_all(parser, frame[cut:19])[0].code, 1007)
        text = "\u00e9\u20ac\U0001f600" * 5
        frame = cf(TEXT, text)
        pieces = [frame[i : i + 1] for i in range(len(frame))]
        self.assertEqual(feed_all(FrameParser(), *pieces), [Message(text)])

    def test_W60_size_checked_from_the_header(self):
        cases = (
            (hdr(TEXT, 5000), {}, 1009),
            (hdr(BINARY, 4097)[:4], {}, 1009),  # before the mask arrives
            (hdr(BINARY, 1 << 40)[:10], {}, 1009),
            (hdr(BINARY, (1 << 63) - 1), {}, 1009),
            (hdr(PING, 100), {"max_message_size": 50}, 1009),  # control frames too
            (hdr(CLOSE, 60)[:2], {"max_message_size": 50}, 1009),
            (hdr(CONT, 1 << 40)[:2], {}, 1002),  # stray CONT: from its first 2 bytes
        )
        for data, kwargs, code in cases:
            events = parse(data, **kwargs)
            self.assertEqual([e.code for e in events], [code], data)
        self.assertEqual(parse(cf(BINARY, b"a" * 4096)), [Message(b"a" * 4096)])  # exactly

    def test_W60_running_total_of_fragments(self):
        parser = FrameParser(max_message_size=10)
        self.assertEqual(feed_all(parser, cf(TEXT, "123456", fin=False)), [])
        self.assertEqual(feed_all(parser, hdr(CONT, 5)[:2])[0].code, 1009)
        data = cf(TEXT, "123456", fin=False) + cf(CONT, "7890")
        self.assertEqual(parse(data, max_message_size=10), [Message("1234567890")])
        data = cf(BINARY, b"12345", fin=False) + cf(PING, b"abcdefgh") + cf(CONT, b"67890")
        self.assertEqual(parse(data, max_message_size=10), [Ping(b"abcdefgh"), Message(b"1234567890")])

    def test_too_many_fragments(self):
        def fragments(count):
            data = cf(TEXT, "a", fin=False)
            for i in range(1, count):
                data += cf(CONT, "a", fin=i == count - 1)
            return data

        self.assertEqual(parse(fragments(3), max_fragments=3), [Message("aaa")])
        self.assertEqual(parse(fragments(4), max_fragments=3)[0].code, 1008)
        self.assertEqual(parse(fragments(16)), [Message("a" * 16)])
        self.assertEqual(parse(fragments(17))[0].code, 1008)
        self.assertEqual(parse(cf(TEXT, "a", fin=False), max_fragments=1)[0].code, 1008)
        self.assertEqual(parse(cf(TEXT, "a"), max_fragments=1), [Message("a")])
