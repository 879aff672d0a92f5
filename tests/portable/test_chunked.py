"""Sans-IO tests for the chunked request-body decoder (CPython and MicroPython)."""

from unit import TestCase

from adafruit_httpserver._chunked import ChunkedDecoder, ChunkedError

WIKI = b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"
NEXT = b"GET /next HTTP/1.1\r\n\r\n"


def _as(kind, data):
    if kind == "bytearray":
        return bytearray(data)
    if kind == "memoryview":
        return memoryview(bytearray(data))
    return bytes(data)


def run(decoder, pieces, kind="memoryview"):
    """Feeds ``pieces`` like a connection would; returns (body, leftover, payload count)."""
    body = bytearray()
    leftover = bytearray()
    count = 0
    for piece in pieces:
        data = _as(kind, piece)
        while len(data):
            if decoder.done:
                leftover.extend(data)
                break
            consumed, payload = decoder.decode(data)
            if payload is not None:
                if not isinstance(payload, memoryview):
                    raise AssertionError("payload is not a memoryview")
                if not len(payload):
                    raise AssertionError("empty payload")
                body.extend(payload)
                count += 1
            if consumed == 0 and not decoder.done:
                raise AssertionError("no progress")
            data = data[consumed:]
    return bytes(body), bytes(leftover), count


def decode_error(data, **kwargs):
    decoder = ChunkedDecoder(**kwargs)
    try:
        run(decoder, [data])
    except ChunkedError as exc:
        return exc
    return None


class TestChunkedDecoder(TestCase):
    def test_simple_body(self):
        decoder = ChunkedDecoder()
        body, leftover, count = run(decoder, [WIKI])
        self.assertEqual(body, b"Wikipedia")
        self.assertEqual(leftover, b"")
        self.assertEqual(count, 2)
        self.assertTrue(decoder.done)
        self.assertEqual(decoder.total, 9)
        self.assertEqual(decoder.trailers, [])

    def test_empty_body(self):
        decoder = ChunkedDecoder()
        self.assertEqual(run(decoder, [b"0\r\n\r\n"])[:2], (b"", b""))
        self.assertTrue(decoder.done)

    def test_decode_return_values(self):
        decoder = ChunkedDecoder()
        data = memoryview(WIKI + NEXT)
        consumed, payload = decoder.decode(data)
        self.assertEqual(consumed, 7)  # "4\r\n" + "Wiki"
        self.assertEqual(bytes(payload), b"Wiki")
        data = data[consumed:]
        consumed, payload = decoder.decode(data)
        self.assertEqual(consumed, 10)  # "\r\n5\r\npedia"
        self.assertEqual(bytes(payload), b"pedia")
        data = data[consumed:]
        consumed, payload = decoder.decode(data)
        self.assertIsNone(payload)
        self.assertTrue(decoder.done)
        self.assertEqual(consumed, 7)  # "\r\n0\r\n\r\n"
        self.assertEqual(bytes(data[consumed:]), NEXT)
        self.assertEqual(decoder.decode(data[consumed:]), (0, None))
        self.assertEqual(decoder.decode(b""), (0, None))

    def test_partial_line_is_consumed(self):
        decoder = ChunkedDecoder()
        self.assertEqual(decoder.decode(b"1"), (1, None))
        self.assertEqual(decoder.decode(b"a;x=y\r"), (6, None))
        consumed, payload = decoder.decode(b"\nabc")
        self.assertEqual((consumed, bytes(payload)), (4, b"abc"))
        self.assertEqual(decoder.total, 26)

    def test_payload_is_slice_of_input_without_copy(self):
        buf = bytearray(b"3\r\nabc\r\n0\r\n\r\n")
        consumed, payload = ChunkedDecoder().decode(buf)
        buf[3] = ord("X")
        self.assertEqual(bytes(payload), b"Xbc")

    def test_pipelined_leftover(self):
        decoder = ChunkedDecoder()
        body, leftover, _ = run(decoder, [WIKI + NEXT])
        self.assertEqual(body, b"Wikipedia")
        self.assertEqual(leftover, NEXT)

    def test_every_split_position_all_input_types(self):
        message = (
            b"4\r\nWiki\r\n1a;name=value;q=\"a \\\" b\"\r\nabcdefghijklmnopqrstuvwxyz\r\n"
            b"0\r\nX-Sum: 42\r\n\r\n" + NEXT
        )
        expected = b"Wikiabcdefghijklmnopqrstuvwxyz"
        for kind in ("bytes", "bytearray", "memoryview"):
            for cut in range(len(message) + 1):
                decoder = ChunkedDecoder()
                body, leftover, _ = run(decoder, [message[:cut], message[cut:]], kind)
                self.assertEqual(body, expected, "split at %d (%s)" % (cut, kind))
                self.assertEqual(leftover, NEXT, "split at %d (%s)" % (cut, kind))
                self.assertEqual(decoder.trailers, [("X-Sum", "42")])

    def test_every_pair_of_split_positions(self):
        message = WIKI + b"XY"
        for first in range(len(message) + 1):
            for second in range(first, len(message) + 1):
                pieces = [message[:first], message[first:second], message[second:]]
                body, leftover, _ = run(ChunkedDecoder(), pieces)
                self.assertEqual((body, leftover), (b"Wikipedia", b"XY"))

    def test_one_byte_at_a_time(self):
        message = b"A;ext\r\n0123456789\r\n00\r\nA: 1\r\nB:2\r\n\r\nZ"
        decoder = ChunkedDecoder()
        pieces = [message[i : i + 1] for i in range(len(message))]
        body, leftover, count = run(decoder, pieces, "bytes")
        self.assertEqual(body, b"0123456789")
        self.assertEqual(count, 10)
        self.assertEqual(leftover, b"Z")
        self.assertEqual(decoder.trailers, [("A", "1"), ("B", "2")])

    def test_hex_sizes(self):
        for size_line in (b"a", b"A", b"0a", b"000000000000000000000000000A", b"a \t"):
            decoder = ChunkedDecoder()
            body, _, _ = run(decoder, [size_line + b"\r\n0123456789\r\n0\r\n\r\n"])
            self.assertEqual(body, b"0123456789", size_line)

    def test_chunk_extensions(self):
        for ext in (
            b";a",
            b";a=b",
            b" ; a = b ; c",
            b';name="quoted ; \\" value"',
            b";a=b;c=\"\"",
        ):
            decoder = ChunkedDecoder()
            body, _, _ = run(decoder, [b"3" + ext + b"\r\nabc\r\n0" + ext + b"\r\n\r\n"])
            self.assertEqual(body, b"abc", ext)

    def test_trailers(self):
        decoder = ChunkedDecoder()
        run(decoder, [b"0\r\nX-Checksum: abc\r\nX-Other:   spaced value \t\r\nEmpty:\r\n\r\n"])
        self.assertEqual(
            decoder.trailers,
            [("X-Checksum", "abc"), ("X-Other", "spaced value"), ("Empty", "")],
        )

    def test_large_body_keeps_no_state(self):
        decoder = ChunkedDecoder(max_line=16)
        body_size = 100000
        head = b"%x\r\n" % body_size
        total = 0
        consumed, payload = decoder.decode(head)
        self.assertEqual((consumed, payload), (len(head), None))
        piece = memoryview(bytearray(1000))
        for _ in range(body_size // 1000):
            consumed, payload = decoder.decode(piece)
            self.assertEqual(consumed, 1000)
            total += len(payload)
            self.assertLessEqual(len(decoder._line), 17)
        self.assertEqual(total, body_size)
        run(decoder, [b"\r\n0\r\n\r\n"])
        self.assertTrue(decoder.done)

    def test_max_size_exact_and_exceeded(self):
        decoder = ChunkedDecoder(max_size=9)
        self.assertEqual(run(decoder, [WIKI])[0], b"Wikipedia")
        decoder = ChunkedDecoder(max_size=8)
        got = []
        with self.assertRaises(ChunkedError) as ctx:
            data = memoryview(WIKI)
            while len(data):
                consumed, payload = decoder.decode(data)
                if payload is not None:
                    got.append(bytes(payload))
                data = data[consumed:]
        self.assertEqual(ctx.exception.status, 413)
        # refused when the size line arrives, before any byte of that chunk is delivered
        self.assertEqual(got, [b"Wiki"])

    def test_too_many_hex_digits(self):
        self.assertEqual(decode_error(b"1000000000000000\r\n").status, 400)
        self.assertEqual(decode_error(b"1000000000000000\r\n", max_size=10).status, 413)

    def test_malformed_inputs_are_400(self):
        for data in (
            b"\r\n",  # empty size line
            b"zz\r\n",
            b"-1\r\n",
            b"+1\r\n",
            b"0x10\r\n",
            b" 1\r\nx\r\n0\r\n\r\n",
            b"4\nWiki\r\n0\r\n\r\n",  # bare LF
            b"4\r\nWikiX\r\n",  # data longer than announced
            b"4\r\nWiki\rX",
            b"4\r\nWiki\n\r\n",
            b"1;\r\nx\r\n",
            b"1;=x\r\nx\r\n",
            b"1;a=\r\nx\r\n",
            b"1;a=\"open\r\nx\r\n",
            b"1;a=b c\r\nx\r\n",
            b"1\x00\r\nx\r\n",
            b"1;a\rb\r\nx\r\n",
            b"0\r\n folded: x\r\n\r\n",
            b"0\r\nno colon\r\n\r\n",
            b"0\r\n: empty name\r\n\r\n",
            b"0\r\nbad name: x\r\n\r\n",
            b"0\r\nX: a\x01b\r\n\r\n",
            b"0\r\n\n",
        ):
            exc = decode_error(data)
            self.assertIsNotNone(exc, data)
            self.assertEqual(exc.status, 400, data)
            self.assertTrue(exc.message, data)
            self.assertIsInstance(exc, ValueError)

    def test_malformed_split_at_every_position(self):
        data = b"4\r\nWiki\r\n5;a=\"x\r\npedia\r\n"
        for cut in range(len(data) + 1):
            with self.assertRaises(ChunkedError):
                run(ChunkedDecoder(), [data[:cut], data[cut:]])

    def test_line_limits(self):
        self.assertIsNone(decode_error(b"1;abcd\r\nx\r\n0\r\n\r\n", max_line=6))
        exc = decode_error(b"1;abcde\r\nx\r\n0\r\n\r\n", max_line=6)
        self.assertEqual(exc.status, 400)
        exc = decode_error(b"0\r\nX-Long: 1234567890\r\n\r\n", max_line=10)
        self.assertEqual(exc.status, 431)
        # an endless line is refused once it passes the limit, without finding its end
        decoder = ChunkedDecoder(max_line=10)
        with self.assertRaises(ChunkedError):
            for _ in range(20):
                decoder.decode(b"1;a")
        self.assertLessEqual(len(decoder._line), 11)

    def test_line_limit_split_at_every_position(self):
        ok = b"1;abcd\r\nx\r\n0\r\nA:bcde\r\n\r\n"
        bad = b"1;abcde\r\nx\r\n0\r\n\r\n"
        for cut in range(len(ok) + 1):
            self.assertEqual(run(ChunkedDecoder(max_line=6), [ok[:cut], ok[cut:]])[0], b"x")
        for cut in range(len(bad) + 1):
            with self.assertRaises(ChunkedError):
                run(ChunkedDecoder(max_line=6), [bad[:cut], bad[cut:]])

    def test_too_many_trailers(self):
        trailers = b"".join([b"T%d: v\r\n" % i for i in range(4)])
        decoder = ChunkedDecoder(max_trailers=4)
        run(decoder, [b"0\r\n" + trailers + b"\r\n"])
        self.assertEqual(len(decoder.trailers), 4)
        exc = decode_error(b"0\r\n" + trailers + b"T9: v\r\n\r\n", max_trailers=4)
        self.assertEqual(exc.status, 431)

    def test_error_is_sticky(self):
        decoder = ChunkedDecoder()
        with self.assertRaises(ChunkedError):
            decoder.decode(b"zz\r\n")
        with self.assertRaises(ChunkedError) as ctx:
            decoder.decode(b"0\r\n\r\n")
        self.assertEqual(ctx.exception.status, 400)
        self.assertFalse(decoder.done)
