# Tests for the sans-IO websocket frame codec (adafruit_httpserver._wsframe). Portable:
# pytest on CPython, tests/portable/run.py on MicroPython, which compiles this whole file
# at once inside a 128 KiB heap: keep it compact (tables over repeated code).
import sys

from unit import TestCase

from adafruit_httpserver._wsframe import (
    BINARY,
    CLOSE,
    CONT,
    FAILURE,
    PING,
    PONG,
    TEXT,
    UTF8_REJECT,
    FrameParser,
    accept_key,
    encode_close,
    encode_frame,
    encode_header,
    is_valid_close_code,
    truncate_utf8,
    unmask,
    utf8_state,
    valid_key,
    valid_utf8,
)

CPYTHON = sys.implementation.name == "cpython"
BIG = 4096 if CPYTHON else 400  # a board-sized heap is too fragmented for 4 KiB test buffers
MASK = b"\x37\xfa\x21\x3d"
KOSME = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"


# The codec's events, spelled the way the tests read best.
def Message(data):  # pylint: disable=invalid-name
    return (TEXT, data) if isinstance(data, str) else (BINARY, data)


def Ping(payload=b""):  # pylint: disable=invalid-name
    return (PING, payload)


def Pong(payload=b""):  # pylint: disable=invalid-name
    return (PONG, payload)


def Close(code, reason):  # pylint: disable=invalid-name
    return (CLOSE, code, reason)


def xor(data, mask=MASK, offset=0):
    out = bytearray(len(data))
    for i in range(len(data)):
        out[i] = data[i] ^ mask[(i + offset) & 3]
    return bytes(out)


# A client frame, built independently of the codec. width forces 7, 16 or 64-bit lengths;
# length announces a length and gives only the header and mask.
def cf(op, payload=b"", fin=True, mask=MASK, rsv=0, masked=True, width=0, length=None):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload) if length is None else length
    width = width or (7 if n < 126 else 16 if n < 65536 else 64)
    bit = 0x80 if masked else 0
    head = bytes(((0x80 if fin else 0) | (rsv << 4) | op,))
    if width == 7:
        head += bytes((bit | n,))
    elif width == 16:
        head += bytes((bit | 126, n >> 8, n & 0xFF))
    else:
        head += bytes((bit | 127,)) + n.to_bytes(8, "big")
    return head + (mask + xor(payload, mask) if masked else payload)


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


def codes(events):
    return [e[1] for e in events if e[0] == FAILURE]


# Reference RFC 3629 check by code point arithmetic (independent of the DFA).
def ref_utf8(data):
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        need, low = (1, 0x80) if 0xC2 <= b <= 0xDF else (2, 0x800) if 0xE0 <= b <= 0xEF else (3, 0x10000)
        if b < 0x80:
            i += 1
            continue
        if b < 0xC2 or b > 0xF4 or i + need >= n:
            return False
        point = b & (0x3F >> need)
        for c in data[i + 1 : i + need + 1]:
            if c & 0xC0 != 0x80:
                return False
            point = (point << 6) | (c & 0x3F)
        if point < low or 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
            return False
        i += need + 1
    return True


VALID = (b"", b"hello\x00\x7f", b"\xc2\x80\xdf\xbf", b"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf",
         b"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", KOSME)
INVALID = (b"\x80", b"\xbf", b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xe0\x9f\xbf",  # overlong
           b"\xf0\x80\x80\xaf", b"\xf0\x8f\xbf\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf",  # surrogates
           b"\xed\xa0\x80\xed\xb0\x80", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80",  # > U+10FFFF
           b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff", b"\xe2\x82", b"a\xc3", b"\xc3a", b"\xe2\x28\xa1")


class TestEncoder(TestCase):
    def test_verified_contract_frames(self):
        self.assertEqual(encode_frame(TEXT, "srv"), b"\x81\x03srv")
        self.assertEqual(encode_frame(BINARY, b"\x01"), b"\x82\x01\x01")
        self.assertEqual(encode_frame(TEXT, "x" * 200), b"\x81\x7e\x00\xc8" + b"x" * 200)

    def test_headers_and_W65_opcode_payload_combinations(self):
        cases = (
            (encode_header(BINARY, 125), b"\x82\x7d"),
            (encode_header(BINARY, 126), b"\x82\x7e\x00\x7e"),
            (encode_header(BINARY, 65535), b"\x82\x7e\xff\xff"),
            (encode_header(BINARY, 65536), b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
            (encode_header(TEXT, 3, fin=False), b"\x01\x03"),
            (encode_frame(TEXT, b"hi"), b"\x81\x02hi"),
            (encode_frame(BINARY, "\u00e9"), b"\x82\x02\xc3\xa9"),
            (encode_frame(BINARY, memoryview(b"abc")[1:]), b"\x82\x02bc"),
            (encode_frame(TEXT, "ab", fin=False), b"\x01\x02ab"),
            (encode_frame(CONT, "cd"), b"\x80\x02cd"),  # CONT can be sent
            (encode_frame(PING), b"\x89\x00"),
            (encode_frame(PONG, b"p"), b"\x8a\x01p"),
        )
        for got, expected in cases:
            self.assertEqual(got, expected)
        for args in ((PING, b"x" * 126), (PING, b"x", False), (3, b"x"), (0xB, b"")):
            with self.assertRaises(ValueError):
                encode_frame(*args)
        # Messages over the default 4096 bytes can be received too, when allowed.
        payload = bytes(range(256)) * (BIG // 200)
        self.assertEqual(parse(cf(BINARY, payload), max_message_size=BIG * 2), [Message(payload)])
        self.assertEqual(codes(parse(cf(BINARY, payload), max_message_size=BIG)), [1009])

    def test_encode_close_and_W66_truncation(self):
        self.assertEqual(encode_close(), b"\x88\x00")
        self.assertEqual(encode_close(None, "ignored"), b"\x88\x00")
        self.assertEqual(encode_close(1000), b"\x88\x02\x03\xe8")
        self.assertEqual(encode_close(1000, "bye"), b"\x88\x05\x03\xe8bye")
        self.assertEqual(encode_close(4999, b"raw"), b"\x88\x05\x13\x87raw")
        for code in (999, 1004, 1005, 1006, 1015, 2000, 5000):
            with self.assertRaises(ValueError):
                encode_close(code)
        for reason, size in (("\u00e9" * 100, 122), ("a" + "\u20ac" * 50, 121),
                             ("\U0001f600" * 40, 120), ("a" * 124, 123), ("a" * 123, 123)):
            frame = encode_close(1001, reason)
            self.assertEqual(frame[1], size + 2)
            self.assertTrue(reason.encode("utf-8").startswith(frame[4:]))
            masked = bytes((frame[0], frame[1] | 0x80)) + MASK + xor(frame[2:])
            self.assertEqual(parse(masked)[0][0], CLOSE)  # W66: valid UTF-8 kept
        self.assertEqual(truncate_utf8(b"abc", 5), b"abc")
        self.assertEqual(truncate_utf8(b"a\xc3\xa9", 2), b"a")
        self.assertEqual(truncate_utf8(b"\xe2\x82\xac\xe2\x82\xac", 5), b"\xe2\x82\xac")

    def test_accept_key_and_W56_valid_key(self):
        key = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3
        for given in (key, key.encode(), " " + key + " "):
            self.assertEqual(accept_key(given), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        for good in (key, key.encode(), "+/+/+/+/+/+/+/+/+/+/+w=="):
            self.assertTrue(valid_key(good), good)
        for bad in ("", None, "   ", key[:-1], key + "=", key[:-2], "dGhlIHNhbXBsZSBub25jZWE=", "A" * 24,
                    "dGhlIHNhbXBsZSBub2@jZQ==", "dGhlIHNhbXBsZSBub2 jZQ==", "not a key"):
            self.assertFalse(valid_key(bad), bad)

    def test_close_code_validity(self):
        for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999):
            self.assertTrue(is_valid_close_code(code), code)
            self.assertEqual(parse(cf(CLOSE, bytes((code >> 8, code & 0xFF)))), [Close(code, "")])
        for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
            self.assertFalse(is_valid_close_code(code), code)
            self.assertEqual(codes(parse(cf(CLOSE, bytes((code >> 8, code & 0xFF))))), [1002])

    def test_unmask_matches_simple_xor(self):
        data = bytes(range(256)) * 3 + b"tail!"
        for size in (0, 1, 3, 4, 5, 255, 256, 257, 300, 512, 513, len(data)):
            for offset in range(6):
                self.assertEqual(bytes(unmask(data[:size], MASK, offset)), xor(data[:size], MASK, offset))
        self.assertEqual(bytes(unmask(unmask(memoryview(data)[3:], MASK, 3), MASK, 3)), data[3:])


class TestUtf8State(TestCase):
    def test_known_sequences_split_anywhere(self):
        for data in VALID + INVALID:
            expected = data in VALID
            self.assertEqual(valid_utf8(data), expected, data)
            for cut in range(len(data) + 1):
                self.assertEqual(utf8_state(utf8_state(0, data[:cut]), data[cut:]) == 0, expected)

    def test_fails_at_the_first_bad_byte(self):
        for data, bad in ((b"ab\xf4\x90\x80\x80", 3), (b"\xce\xba\xed\xa0\x80", 3), (b"\xe0\x80", 1),
                          (b"\xc0", 0), (b"a\x80", 1), (b"\xf0\x9f\x98\x80\xff", 4)):
            state = 0
            for i in range(len(data)):
                state = utf8_state(state, data[i : i + 1])
                self.assertEqual(state != UTF8_REJECT, i < bad, (data, i))
        self.assertEqual(utf8_state(state, b"abc"), UTF8_REJECT)  # sticky
        text = b"x" * 300 + KOSME
        for cut in range(290, len(text) + 1):  # large chunks ending mid-character
            self.assertEqual(utf8_state(utf8_state(0, text[:cut]), text[cut:]), 0)
        self.assertEqual(utf8_state(0, b"y" * 300 + b"\xed\xa0"), UTF8_REJECT)

    def test_all_two_byte_and_boundary_sequences_against_reference(self):
        seq = bytearray(2)
        for first in range(256):
            seq[0] = first
            for second in range(256):
                seq[1] = second
                self.assertEqual(utf8_state(0, seq) == 0, ref_utf8(seq), seq)
        edges = (0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF)
        for lead in range(0xC0, 0x100):
            for second in edges:
                for third in edges:
                    for tail in ((), (0x7F,), (0x80,), (0xBF,), (0xC0,)) if lead >= 0xF0 else ((),):
                        seq = bytes((lead, second, third) + tail)
                        self.assertEqual(utf8_state(0, seq) == 0, ref_utf8(seq), seq)


class TestParser(TestCase):
    def test_frames_and_events(self):
        frag = cf(TEXT, "ab", fin=False) + cf(CONT, "cd", fin=False)
        reason = "\u00e9" * 61
        cases = (
            (cf(TEXT, "Hello"), [Message("Hello")]),
            (cf(BINARY, b"\x00\xff"), [Message(b"\x00\xff")]),  # binary is not UTF-8 checked
            (cf(PING, b"hb") + cf(PONG, b"hb"), [Ping(b"hb"), Pong(b"hb")]),
            (cf(TEXT) + cf(BINARY) + cf(PING), [Message(""), Message(b""), Ping(b"")]),
            (cf(PING, b"x" * 125), [Ping(b"x" * 125)]),
            (cf(BINARY, b"z" * 300), [Message(b"z" * 300)]),
            (cf(BINARY, b"ab", width=16) + cf(BINARY, b"cd", width=64), [Message(b"ab"), Message(b"cd")]),
            (frag + cf(PING, b"x") + cf(PONG, b"y") + cf(CONT, "ef"), [Ping(b"x"), Pong(b"y"), Message("abcdef")]),
            (cf(BINARY, b"\x01", fin=False) + cf(CONT, b"\x02"), [Message(b"\x01\x02")]),
            (cf(TEXT, b"\xe2\x82", fin=False) + cf(PING) + cf(CONT, b"\xac"), [Ping(b""), Message("\u20ac")]),
            (cf(TEXT, "", fin=False) + cf(CONT, "", fin=False) + cf(CONT, ""), [Message("")]),
            (cf(CLOSE), [Close(None, "")]),
            (cf(CLOSE, b"\x03\xe8bye"), [Close(1000, "bye")]),
            (cf(CLOSE, b"\x0f\xa0" + reason.encode("utf-8")), [Close(4000, reason)]),
        )
        for data, expected in cases:
            self.assertEqual(parse(data), expected, data)
        text, data = parse(cf(TEXT, "\u00e9t\u00e9") + cf(BINARY, b"ab"))
        self.assertEqual((text[0], type(text[1]), data[0], type(data[1])), (TEXT, str, BINARY, bytes))
        self.assertNotEqual(Message("ab"), Message(b"ab"))
        if CPYTHON:  # a real 64-bit length (too big for a board)
            big = bytes(70000)
            self.assertEqual(parse(cf(BINARY, big), max_message_size=70000), [Message(big)])

    def test_nothing_after_close_or_failure(self):
        for first in (cf(CLOSE, b"\x03\xe8"), cf(TEXT, "x", masked=False)):
            parser = FrameParser()
            events = feed_all(parser, first + cf(TEXT, "late"))
            self.assertEqual(len(events), 1)
            self.assertEqual(events[0][0], CLOSE if first[0] == 0x88 else FAILURE)
            self.assertTrue(parser.done)
            self.assertEqual(feed_all(parser, cf(TEXT, "later")), [])

    def test_in_message(self):
        parser = FrameParser()
        self.assertFalse(parser.in_message)
        feed_all(parser, cf(TEXT, "ab", fin=False))
        self.assertTrue(parser.in_message)
        frame = cf(CONT, "cd")
        for piece in (frame[:1], frame[1:7]):
            self.assertEqual(feed_all(parser, piece), [])
            self.assertTrue(parser.in_message)
        self.assertEqual(feed_all(parser, frame[7:]), [Message("abcd")])
        self.assertFalse(parser.in_message or parser.done)

    def test_every_split_of_small_frames(self):
        frame = cf(TEXT, "H\u00e9llo!")
        expected = [Message("H\u00e9llo!")]
        for a in range(len(frame) + 1):
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

    def test_a_reused_read_buffer(self):
        # As Websocket.receive() does: read into a buffer, feed it, take one event, then
        # keep_pending() before the buffer is reused for something else.
        data = cf(TEXT, "hi " * 20, fin=False) + cf(PING, b"between") + cf(CONT, "yo") + cf(BINARY, bytes(200))
        expected = [Ping(b"between"), Message("hi " * 20 + "yo"), Message(bytes(200))]
        for size in (1, 2, 3, 7, 16, 64, 1024):
            parser = FrameParser()
            buffer = bytearray(size)
            events, pos = [], 0
            while pos < len(data):
                count = min(size, len(data) - pos)
                buffer[:count] = data[pos : pos + count]
                parser.feed(memoryview(buffer)[:count])
                pos += count
                event = parser.next_event()
                while event is not None:
                    events.append(event)
                    parser.keep_pending()
                    buffer[:] = b"\xff" * size  # nothing may still point into the buffer
                    event = parser.next_event()
            self.assertEqual(events, expected, size)
        parser = FrameParser()
        parser.feed(cf(TEXT, "hi", masked=False) + b"junk")
        self.assertEqual(codes(drain(parser)), [1002])
        parser.keep_pending()  # a finished parser has dropped the rest already
        self.assertIsNone(parser.next_event())

    def test_input_left_after_an_undrained_event_is_kept(self):
        data = cf(TEXT, "one") + cf(TEXT, "two")
        parser = FrameParser()
        buffer = bytearray(data)
        parser.feed(buffer)
        self.assertEqual(parser.next_event(), Message("one"))
        parser.keep_pending()
        buffer[:] = bytes(len(buffer))
        self.assertEqual(drain(parser), [Message("two")])
        parser.feed(data[:11])
        self.assertEqual(parser.next_event(), Message("one"))
        self.assertEqual(feed_all(parser, data[11:]), [Message("two")])

    def test_protocol_errors(self):
        top = b"\x82\xff\x80\x00\x00\x00\x00\x00\x00\x05"
        cases = [
            (cf(TEXT, "hi", masked=False)[:2], 1002),  # client frames must be masked
            (cf(PING, b"", masked=False), 1002),
            (cf(CONT, "x"), 1002),  # no message in progress
            (cf(CONT, "x", fin=False), 1002),
            (cf(TEXT, "a", fin=False) + cf(TEXT, "b"), 1002),  # new message inside one
            (cf(TEXT, "a", fin=False) + cf(BINARY, "b"), 1002),
            (top, 1002),  # 64-bit length with the top bit: known before the mask
            (cf(CLOSE, b"\x03")[:2], 1002),  # 1-byte close payload
            (cf(CLOSE, b"\x03\xed"), 1002),  # W64: 1005 is not echoed
            (cf(CLOSE, b"\x03\xee"), 1002),  # 1006
            (cf(CLOSE, b"\x03\xe8" + KOSME[:4]), 1007),  # W64: close reason UTF-8
            (cf(TEXT, b"\xc0\xaf"), 1007),  # W64: 1007, not 1002
            (cf(TEXT, b"\xed\xa0\x80"), 1007),
            (cf(TEXT, b"ok\xf4\x90\x80\x80"), 1007),
            (cf(TEXT, b"\xe2\x82"), 1007),  # ends mid-character
            (cf(TEXT, b"\xe2", fin=False) + cf(CONT, b"\x82"), 1007),
            (cf(TEXT, length=5000), 1009),  # W60: size from the header, before the payload
            (cf(BINARY, length=4097)[:4], 1009),  # ... even before the mask
            (cf(BINARY, length=1 << 40)[:10], 1009),
            (cf(BINARY, length=(1 << 63) - 1), 1009),
            (cf(CONT, length=1 << 40)[:2], 1002),  # stray CONT: from its first 2 bytes
        ]
        for rsv in (1, 2, 4, 7):  # W64: RSV bits
            cases.append((cf(TEXT, "hi", rsv=rsv), 1002))
            cases.append((cf(PING, b"", rsv=rsv), 1002))
        for opcode in (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF):
            cases.append((cf(opcode, b"x")[:2], 1002))
        for opcode in (CLOSE, PING, PONG):
            cases.append((cf(opcode, b"x", fin=False), 1002))  # fragmented control frame
            cases.append((cf(opcode, length=126)[:2], 1002))  # over 125 bytes
            cases.append((cf(opcode, length=60)[:2], 1009, 50))  # W60: control frames too
        for case in cases:
            events = parse(case[0], max_message_size=case[2] if len(case) > 2 else 4096)
            self.assertEqual(len(events), 1, case)
            self.assertEqual(codes(events), [case[1]], case)
        payload = b"a" * BIG  # exactly the limit is fine
        self.assertEqual(parse(cf(BINARY, payload), max_message_size=BIG), [Message(payload)])

    def test_utf8_fails_fast(self):
        # Autobahn 6.4.1/6.4.2: a bad fragment is refused before the message ends.
        for first, second in ((KOSME, b"\xf4\x90\x80\x80"), (KOSME + b"\xf4", b"\x90")):
            parser = FrameParser()
            self.assertEqual(feed_all(parser, cf(TEXT, first, fin=False)), [])
            self.assertEqual(codes(feed_all(parser, cf(CONT, second, fin=False))), [1007])
        # Autobahn 6.4.3/6.4.4: one frame arriving in chops.
        frame = cf(TEXT, KOSME + b"\xf4\x90\x80\x80edited")
        for cut in (17, 18):  # \xf4 alone is still fine, \xf4\x90 is not
            parser = FrameParser()
            self.assertEqual(feed_all(parser, frame[:cut]), [])
            self.assertEqual(codes(feed_all(parser, frame[cut:19])), [1007])
        text = "\u00e9\u20ac\U0001f600" * 5
        frame = cf(TEXT, text)
        self.assertEqual(feed_all(FrameParser(), *[frame[i : i + 1] for i in range(len(frame))]), [Message(text)])

    def test_W60_running_total_and_too_many_fragments(self):
        parser = FrameParser(max_message_size=10)
        self.assertEqual(feed_all(parser, cf(TEXT, "123456", fin=False)), [])
        self.assertEqual(codes(feed_all(parser, cf(CONT, length=5)[:2])), [1009])
        data = cf(BINARY, b"12345", fin=False) + cf(PING, b"abcdefgh") + cf(CONT, b"67890")
        self.assertEqual(parse(data, max_message_size=10), [Ping(b"abcdefgh"), Message(b"1234567890")])

        def fragments(count):
            data = cf(TEXT, "a", fin=count == 1)
            for i in range(1, count):
                data += cf(CONT, "a", fin=i == count - 1)
            return data

        self.assertEqual(parse(fragments(3), max_fragments=3), [Message("aaa")])
        self.assertEqual(codes(parse(fragments(4), max_fragments=3)), [1008])
        self.assertEqual(parse(fragments(16)), [Message("a" * 16)])
        self.assertEqual(codes(parse(fragments(17))), [1008])
        self.assertEqual(codes(parse(cf(TEXT, "a", fin=False), max_fragments=1)), [1008])
        self.assertEqual(parse(fragments(1), max_fragments=1), [Message("a")])
