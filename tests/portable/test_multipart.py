"""Sans-IO tests for the streaming multipart/form-data parser (CPython and MicroPython)."""

from unit import TestCase

from adafruit_httpserver._multipart import (
    DONE,
    PART_BEGIN,
    PART_DATA,
    PART_END,
    MultipartError,
    MultipartParser,
    parse_options,
)

BOUNDARY = b"XyZ123"

BINARY = bytes(range(256)) + b"\r\n--XyZ12\r\n--XyZ\r\r\n-" + bytes(range(255, -1, -1))

BODY = (
    b"preamble to ignore\r\n"
    b"--XyZ123\r\n"
    b'Content-Disposition: form-data; name="field"\r\n'
    b"\r\n"
    b"value with --XyZ123 inside\r\n"
    b"--XyZ123  \t\r\n"
    b'content-disposition: form-data; name="upload"; filename="a \\"q\\".bin"\r\n'
    b"CONTENT-TYPE: application/octet-stream\r\n"
    b"\r\n" + BINARY + b"\r\n"
    b"--XyZ123\r\n"
    b'Content-Disposition: form-data; name="empty"\r\n'
    b"\r\n"
    b"\r\n"
    b"--XyZ123\r\n"
    b"Content-Disposition: form-data; name=crlf\r\n"
    b"\r\n"
    b"ends with CRLF\r\n\r\n"
    b"--XyZ123--\r\n"
    b"epilogue, also ignored --XyZ123\r\n"
)

EXPECTED = [
    ("field", None, "text/plain", b"value with --XyZ123 inside"),
    ("upload", 'a "q".bin', "application/octet-stream", BINARY),
    ("empty", None, "text/plain", b""),
    ("crlf", None, "text/plain", b"ends with CRLF\r\n"),
]


def _as(kind, data):
    if kind == "bytearray":
        return bytearray(data)
    if kind == "memoryview":
        return memoryview(bytearray(data))
    return bytes(data)


def collect(parser, pieces, kind="bytes", finish=True):
    """Feeds ``pieces``; checks the event grammar; returns [(name, filename, type, data)]."""
    parts = []
    current = None
    done = 0
    for piece in pieces:
        for event, value in parser.feed(_as(kind, piece)):
            if done:
                raise AssertionError("event after DONE")
            if event == PART_BEGIN:
                if current is not None:
                    raise AssertionError("PART_BEGIN inside a part")
                current = (value, bytearray())
            elif event == PART_DATA:
                if current is None:
                    raise AssertionError("PART_DATA outside a part")
                if not isinstance(value, (bytes, memoryview)) or not len(value):
                    raise AssertionError("bad PART_DATA value %r" % (value,))
                current[1].extend(value)
            elif event == PART_END:
                if current is None or value is not current[0]:
                    raise AssertionError("unmatched PART_END")
                part = current[0]
                parts.append((part.name, part.filename, part.content_type, bytes(current[1])))
                current = None
            elif event == DONE:
                if current is not None:
                    raise AssertionError("DONE inside a part")
                done += 1
            else:
                raise AssertionError("unknown event %r" % (event,))
    if finish:
        parser.finish()
    return parts


def pieces_of(body, step):
    """``body`` in ``step``-byte slices, made one at a time (small heaps)."""
    for index in range(0, len(body), step):
        yield body[index : index + step]


def parse(body, boundary=BOUNDARY, **kwargs):
    return collect(MultipartParser(boundary, **kwargs), [body])


def error_of(body, boundary=BOUNDARY, **kwargs):
    try:
        parse(body, boundary, **kwargs)
    except MultipartError as exc:
        return str(exc)
    return None


class TestMultipartParser(TestCase):
    def test_whole_body(self):
        parser = MultipartParser(BOUNDARY)
        self.assertEqual(collect(parser, [BODY]), EXPECTED)
        self.assertTrue(parser.done)

    def test_str_boundary_and_zero_copy_data(self):
        buf = bytearray(b"--b\r\n\r\nhello\r\n--b--")
        events = MultipartParser("b").feed(buf)
        kinds = [kind for kind, _ in events]
        self.assertEqual(kinds, [PART_BEGIN, PART_DATA, PART_END, DONE])
        data = events[1][1]
        self.assertIsInstance(data, memoryview)
        buf[7] = ord("J")
        self.assertEqual(bytes(data), b"Jello")

    def test_every_split_position_all_input_types(self):
        for kind in ("bytes", "bytearray", "memoryview"):
            for cut in range(len(BODY) + 1):
                parser = MultipartParser(BOUNDARY)
                parts = collect(parser, [BODY[:cut], BODY[cut:]], kind)
                self.assertEqual(parts, EXPECTED, "split at %d (%s)" % (cut, kind))

    def test_every_pair_of_split_positions(self):
        body = b"--b\r\nA: 1\r\n\r\nx\r\n-\r\r\n--b\r\n\r\n\r\n--b--"
        expected = [(None, None, "text/plain", b"x\r\n-\r"), (None, None, "text/plain", b"")]
        for first in range(len(body) + 1):
            for second in range(first, len(body) + 1):
                pieces = [body[:first], body[first:second], body[second:]]
                self.assertEqual(collect(MultipartParser(b"b"), pieces), expected)

    def test_one_byte_at_a_time(self):
        self.assertEqual(collect(MultipartParser(BOUNDARY), pieces_of(BODY, 1)), EXPECTED)

    def test_feed_start_and_end(self):
        buf = bytearray(b"junk" + BODY + b"junk")
        parser = MultipartParser(BOUNDARY)
        events = parser.feed(buf, 4, 4 + 100)
        events += parser.feed(buf, 104, len(buf) - 4)
        self.assertEqual(events[-1], (DONE, None))
        self.assertEqual(len([e for e in events if e[0] == PART_END]), 4)

    def test_boundary_like_text_inside_data(self):
        tricky = (
            b"--b",
            b"\r\n--",
            b"\r\n--a",
            b"\r\n-b",
            b"\r\r\n--",
            b"x\r\n--\r\n--",
            b"\r",
            b"\r\n",
            b"--b--",
            b"\n--b",
        )
        for data in tricky:
            body = b"--bb\r\n\r\n" + data + b"\r\n--bb--"
            for cut in range(len(body) + 1):
                parts = collect(MultipartParser(b"bb"), [body[:cut], body[cut:]])
                self.assertEqual(parts, [(None, None, "text/plain", data)], data)

    def test_crlf_right_before_delimiter(self):
        body = b"--b\r\n\r\n\r\n\r\n\r\n--b\r\n\r\n\r\n--b--"
        self.assertEqual(
            [p[3] for p in parse(body, b"b")],
            [b"\r\n\r\n", b""],
        )

    def test_empty_parts_and_no_headers(self):
        body = b"--b\r\n\r\n\r\n--b\r\n\r\n\r\n--b--"
        self.assertEqual(parse(body, b"b"), [(None, None, "text/plain", b"")] * 2)
        events = MultipartParser(b"b").feed(body)
        self.assertNotIn(PART_DATA, [kind for kind, _ in events])

    def test_no_parts_at_all(self):
        self.assertEqual(parse(b"--b--", b"b"), [])
        self.assertEqual(parse(b"preamble\r\n--b--\r\n", b"b"), [])

    def test_epilogue_ignored_and_done_once(self):
        parser = MultipartParser(b"b")
        events = parser.feed(b"--b\r\n\r\nx\r\n--b--garbage\r\n--b\r\n")
        self.assertEqual([kind for kind, _ in events], [PART_BEGIN, PART_DATA, PART_END, DONE])
        self.assertEqual(parser.feed(b"more --b\r\n stuff"), [])
        parser.finish()

    def test_binary_data_large_parts_in_pieces(self):
        blob = bytes(range(256)) * 12  # 3072 bytes, with CR/LF/"-" bytes everywhere
        body = b"--" + BOUNDARY + b"\r\n\r\n" + blob + b"\r\n--" + BOUNDARY + b"--"
        for step in (1, 7, 100, 511, 512, 513, 4096):
            for kind in ("bytes", "memoryview"):
                # compare piece by piece: nothing is accumulated, on the parser side or here
                parser = MultipartParser(BOUNDARY)
                offset = 0
                kinds = []
                for piece in pieces_of(body, step):
                    for event, value in parser.feed(_as(kind, piece)):
                        if event == PART_DATA:
                            end = offset + len(value)
                            self.assertEqual(bytes(value), blob[offset:end], (step, kind))
                            offset = end
                        elif event not in kinds:
                            kinds.append(event)
                parser.finish()
                self.assertEqual(offset, len(blob), (step, kind))
                self.assertEqual(kinds, [PART_BEGIN, PART_END, DONE])

    def test_lookbehind_is_bounded_and_data_streams(self):
        parser = MultipartParser(BOUNDARY)
        parser.feed(b"--" + BOUNDARY + b"\r\n\r\n")
        piece = b"abc\r\n--XyZ12" * 50  # ends with a delimiter prefix every time
        streamed = 0
        for _ in range(20):
            for kind, value in parser.feed(piece):
                self.assertEqual(kind, PART_DATA)
                self.assertLessEqual(len(value), len(piece) + len(BOUNDARY) + 4)
                streamed += len(value)
            self.assertLessEqual(len(parser._tail), len(BOUNDARY) + 3)
            self.assertLessEqual(streamed, 20 * len(piece))
        self.assertGreaterEqual(streamed, 20 * len(piece) - len(BOUNDARY) - 3)
        events = parser.feed(b"\r\n--" + BOUNDARY + b"--")
        self.assertEqual(events[-1], (DONE, None))

    def test_memoryview_delimiter_around_scratch_window(self):
        for offset in range(480, 540):
            data = b"z" * offset
            body = b"--q\r\n\r\n" + data + b"\r\n--q--"
            parts = collect(MultipartParser(b"q"), [body], "memoryview")
            self.assertEqual(parts[0][3], data, offset)

    def test_header_helpers(self):
        body = (
            b"--b\r\n"
            b'Content-Disposition: form-data; name="f \\\\ x"; filename="C:\\dir\\f.txt"\r\n'
            b"Content-Type: text/csv; charset=utf-8\r\n"
            b"X-Extra:   padded  \r\n"
            b"\r\ndata\r\n--b--"
        )
        parser = MultipartParser(b"b")
        part = parser.feed(body)[0][1]
        self.assertEqual(part.name, "f \\ x")
        self.assertEqual(part.filename, "C:\\dir\\f.txt")
        self.assertEqual(part.content_type, "text/csv; charset=utf-8")
        self.assertEqual(part.disposition, "form-data")
        self.assertEqual(part.get("x-extra"), "padded")
        self.assertEqual(part.get("X-EXTRA"), "padded")
        self.assertIsNone(part.get("missing"))
        self.assertEqual(part.get("missing", "d"), "d")
        self.assertIn(("content-type", "text/csv; charset=utf-8"), part.headers)

    def test_utf8_filename(self):
        body = (
            b'--b\r\nContent-Disposition: form-data; name="f"; filename="\xe2\x82\xac.txt"'
            b"\r\n\r\nx\r\n--b--"
        )
        self.assertEqual(parse(body, b"b")[0][1], "\u20ac.txt")

    def test_parse_options(self):
        self.assertEqual(parse_options("form-data"), ("form-data", {}))
        self.assertEqual(
            parse_options('Form-Data; NAME="a;b"; filename=plain.txt ;x'),
            ("form-data", {"name": "a;b", "filename": "plain.txt"}),
        )
        self.assertEqual(
            parse_options('form-data; name="say \\"hi\\""; name="second"'),
            ("form-data", {"name": 'say "hi"'}),
        )
        self.assertEqual(parse_options('a; filename=""'), ("a", {"filename": ""}))
        self.assertEqual(parse_options('a; b="unterminated'), ("a", {"b": "unterminated"}))
        self.assertEqual(
            parse_options("multipart/form-data; boundary=----WebKitFormBoundaryX"),
            ("multipart/form-data", {"boundary": "----WebKitFormBoundaryX"}),
        )

    def test_missing_closing_delimiter(self):
        for body in (
            b"--b\r\n\r\ndata",
            b"--b\r\n\r\ndata\r\n--b",
            b"--b\r\n\r\ndata\r\n--b\r\n",
            b"--b\r\n\r\ndata\r\n--b-",
        ):
            message = error_of(body, b"b")
            self.assertIsNotNone(message, body)
        self.assertIn("closing", error_of(b"--b\r\n\r\ndata", b"b"))
        self.assertIn("boundary", error_of(b"no boundary here", b"b"))

    def test_missing_blank_line(self):
        message = error_of(b"--b\r\nContent-Disposition: form-data\r\n--b--", b"b")
        self.assertIn("blank line", message)

    def test_oversized_headers(self):
        header = b"X-Long: " + b"v" * 100 + b"\r\n\r\n"
        self.assertIsNone(error_of(b"--b\r\n" + header + b"x\r\n--b--", b"b", max_header_size=112))
        message = error_of(b"--b\r\n" + header + b"x\r\n--b--", b"b", max_header_size=111)
        self.assertIn("111", message)
        # never buffers more than the limit, however the data is split
        parser = MultipartParser(b"b", max_header_size=64)
        parser.feed(b"--b\r\n")
        with self.assertRaises(MultipartError):
            for _ in range(100):
                parser.feed(b"X-Endless: aaaaaaaaa")
        self.assertLessEqual(len(parser._headers), 64)

    def test_malformed_inputs(self):
        for body in (
            b"--bx\r\n\r\n\r\n--b--",  # boundary followed by other bytes
            b"--b-x",
            b"--b \tx",
            b"--b\rx",
            b"--b\r\nno colon here\r\n\r\n\r\n--b--",
            b"--b\r\n: no name\r\n\r\n\r\n--b--",
            b"--b\r\nA: 1\r\n folded\r\n\r\n\r\n--b--",
            b"--b\r\nbad name: 1\r\n\r\n\r\n--b--",
            b"--b" + b" " * 100 + b"\r\n\r\n\r\n--b--",
        ):
            for cut in range(len(body) + 1):
                with self.assertRaises(MultipartError):
                    collect(MultipartParser(b"b"), [body[:cut], body[cut:]])
        self.assertTrue(issubclass(MultipartError, ValueError))

    def test_error_is_sticky(self):
        parser = MultipartParser(b"b")
        with self.assertRaises(MultipartError):
            parser.feed(b"--bx")
        with self.assertRaises(MultipartError):
            parser.feed(b"\r\n--b--")

    def test_invalid_boundaries(self):
        for boundary in (b"", "", b"a" * 257, b"a\r\nb"):
            with self.assertRaises(MultipartError):
                MultipartParser(boundary)
