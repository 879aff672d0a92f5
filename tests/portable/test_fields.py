"""_fields.py and interfaces.py: §4.1, §4.3-§4.6 and W29-W38."""

from unit import TestCase

import adafruit_httpserver._fields as fields
import adafruit_httpserver.interfaces as interfaces
from adafruit_httpserver._fields import File, Files, FormData, QueryParams
from adafruit_httpserver.headers import Headers
from adafruit_httpserver.interfaces import (
    _encode_html_entities,
    _IFieldStorage,
    _ISocket,
    _ISocketPool,
    _IXSSSafeFieldStorage,
)


def form(data, content_type, length=True):
    headers = Headers()
    if content_type is not None:
        headers.add("Content-Type", content_type)
    if length:
        headers.add("Content-Length", str(len(data)))
    return headers


def part(name, body, filename=None, content_type=None):
    head = 'Content-Disposition: form-data; name="%s"' % name
    if filename is not None:
        head += '; filename="%s"' % filename
    if content_type:
        head += "\r\nContent-Type: " + content_type
    return head, body


def multipart(parts, boundary="XyZ"):
    out = b""
    for head, body in parts:
        out += b"--" + boundary.encode() + b"\r\n" + head.encode() + b"\r\n\r\n" + body + b"\r\n"
    return out + b"--" + boundary.encode() + b"--\r\n"


class Capture:
    # Replaces a module's print (module globals shadow builtins) to capture output.

    def __init__(self, module):
        self.module = module
        self.lines = []

    def __enter__(self):
        self.module.print = self.print
        return self

    def print(self, *args):
        self.lines.append(" ".join([str(arg) for arg in args]))

    def __exit__(self, *exc):
        del self.module.print
        return False


class TestEncodeHtmlEntities(TestCase):
    def test_all_entities_in_order(self):
        self.assertEqual(
            _encode_html_entities("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;",
        )
        self.assertEqual(_encode_html_entities("&lt;"), "&amp;lt;")
        self.assertEqual(_encode_html_entities("hello"), "hello")

    def test_none_bytes_unchanged_other_types_stringified(self):
        self.assertIsNone(_encode_html_entities(None))
        self.assertEqual(_encode_html_entities(b"<b>"), b"<b>")
        self.assertEqual(_encode_html_entities(5), "5")


class TestInterfaces(TestCase):
    def test_private_names(self):
        self.assertTrue(isinstance(_ISocket, type) and isinstance(_ISocketPool, type))
        self.assertTrue(issubclass(_IXSSSafeFieldStorage, _IFieldStorage))
        self.assertTrue(callable(interfaces._debug_warning_nonencoded_output))

    def test_field_storage_base(self):
        storage = _IFieldStorage()
        for name, value in (("a", "1"), ("b", "2"), ("a", "3")):
            storage._add_field_value(name, value)  # pylint: disable=protected-access
        self.assertEqual((storage.get("a"), storage.get("x", "d")), ("1", "d"))
        self.assertEqual((storage.get_list("a"), storage.get_list("x")), (["1", "3"], []))
        self.assertEqual((storage.fields, storage.keys(), list(storage)), (["a", "b"],) * 3)
        self.assertEqual(storage.items(), [("a", "1"), ("a", "3"), ("b", "2")])
        self.assertEqual(storage.values(), ["1", "3", "2"])
        self.assertEqual((storage["b"], len(storage)), ("2", 2))
        self.assertTrue("a" in storage and "A" not in storage)
        self.assertEqual(repr(storage), "<_IFieldStorage {'a': ['1', '3'], 'b': ['2']}>")
        with self.assertRaises(KeyError):
            storage["x"]  # pylint: disable=pointless-statement


def raw_items(query):
    return QueryParams(query).items()


class TestQueryParams(TestCase):
    def test_parsing(self):
        params = QueryParams("a=1&b=2&a=3")
        self.assertEqual((params.get("a"), params.get("b")), ("1", "2"))
        self.assertEqual(params.get_list("a"), ["1", "3"])
        self.assertEqual((params.fields, len(params)), (["a", "b"], 2))

    def test_segments(self):
        # no "=" -> empty value; empty segments skipped; split at the first "="
        self.assertEqual(raw_items("flag&&x=1&"), [("flag", ""), ("x", "1")])
        self.assertEqual(raw_items("a=b=c&d=&=v"), [("a", "b=c"), ("d", ""), ("", "v")])

    def test_empty_query_is_falsy(self):
        for params in (QueryParams(""), QueryParams(None)):
            self.assertFalse(params)
            self.assertEqual((len(params), str(params)), (0, ""))
            self.assertEqual(repr(params), "<QueryParams {}>")

    def test_repr_and_str(self):
        self.assertEqual(repr(QueryParams("a=1&a=2")), "<QueryParams {'a': ['1', '2']}>")
        self.assertEqual(str(QueryParams("a=1&b&c=%3Cb%3E")), "a=1&b=&c=&lt;b&gt;")

    def test_W29_percent_decoding_and_plus(self):
        self.assertEqual(
            raw_items("x=%3Ci%3E+c&na%20me=caf%C3%A9&p=a%2Bb&s=%2f&t=1%262&b%3Dc=d"),
            [
                ("x", "&lt;i&gt; c"),
                ("na me", "café"),
                ("p", "a+b"),
                ("s", "/"),
                ("t", "1&amp;2"),
                ("b=c", "d"),
            ],
        )

    def test_W29_invalid_escapes_kept_literally(self):
        self.assertEqual(
            QueryParams("a=100%&b=%zz&c=%4&d=%+1&e=%-1").values(),
            ["100%", "%zz", "%4", "% 1", "%-1"],
        )

    def test_W29_invalid_utf8_keeps_raw_text(self):
        self.assertEqual(QueryParams("a=%FF%FE+x&b=%C3%A9").values(), ["%FF%FE x", "é"])

    def test_debug_flag(self):
        self.assertFalse(QueryParams("a=1").debug)
        self.assertTrue(QueryParams("a=1", debug=True).debug)


class TestXSSSafeGetters(TestCase):
    def setUp(self):
        self.params = QueryParams("x=%3Cscript%3E&x=%22q%27&plain=ok")

    def test_getters_escape_by_default(self):
        params = self.params
        self.assertEqual(params.get("x"), "&lt;script&gt;")
        self.assertEqual(params.get_list("x"), ["&lt;script&gt;", "&quot;q&apos;"])
        self.assertEqual(params.get_list("missing"), [])
        self.assertEqual(
            params.items(), [("x", "&lt;script&gt;"), ("x", "&quot;q&apos;"), ("plain", "ok")]
        )
        self.assertEqual(params.values(), ["&lt;script&gt;", "&quot;q&apos;", "ok"])

    def test_safe_false_returns_raw(self):
        self.assertEqual(self.params.get("x", safe=False), "<script>")
        self.assertEqual(self.params.get_list("x", safe=False), ["<script>", "\"q'"])

    def test_W30_getitem_escaped_like_get(self):
        self.assertEqual(self.params["x"], "&lt;script&gt;")
        with self.assertRaises(KeyError):
            self.params["missing"]  # pylint: disable=pointless-statement

    def test_W30_default_returned_as_given(self):
        default = ["list"]
        self.assertIs(self.params.get("missing", default), default)
        self.assertEqual(self.params.get("missing", 0), 0)
        self.assertEqual(self.params.get("missing", "<b>"), "<b>")
        self.assertIsNone(self.params.get("missing"))

    def test_W27_get_list_is_a_copy(self):
        self.params.get_list("plain", safe=False).append("more")
        self.assertEqual(self.params.get_list("plain"), ["ok"])

    def test_W32_warning_only_in_debug_mode_and_once_per_storage(self):
        calls = []
        original = interfaces._debug_warning_nonencoded_output
        interfaces._debug_warning_nonencoded_output = lambda: calls.append(1)
        try:
            quiet = QueryParams("a=1")
            quiet.get("a", safe=False)
            quiet.get_list("a", safe=False)
            self.assertEqual(calls, [])
            loud = QueryParams("a=1", debug=True)
            loud.get("a")
            self.assertEqual(calls, [])
            loud.get("a", safe=False)
            loud.get("a", safe=False)
            loud.get_list("a", safe=False)
            self.assertEqual(calls, [1])
            QueryParams("a=1", debug=True).get_list("a", safe=False)
            self.assertEqual(calls, [1, 1])
        finally:
            interfaces._debug_warning_nonencoded_output = original

    def test_warning_text_mentions_xss(self):
        with Capture(interfaces) as capture:
            interfaces._debug_warning_nonencoded_output()
        self.assertIn("XSS", capture.lines[0])
        self.assertIn("safe=False", capture.lines[0])


class TestFile(TestCase):
    def test_attributes_and_repr(self):
        file = File("a.txt", "text/plain", "hello")
        self.assertEqual((file.filename, file.content_type), ("a.txt", "text/plain"))
        self.assertEqual((file.content, file.content_bytes, file.size), ("hello", b"hello", 5))
        self.assertEqual(repr(file), "<File filename='a.txt', content_type='text/plain', size=5>")

    def test_bytes_content(self):
        file = File("a.bin", "application/octet-stream", b"\x00\x01\x02")
        self.assertEqual((file.content_bytes, file.size), (b"\x00\x01\x02", 3))

    def test_W38_size_is_bytes_for_text(self):
        file = File("a.txt", "text/plain", "café")
        self.assertEqual((file.size, file.content_bytes), (5, "café".encode("utf-8")))

    def test_files_storage_not_escaped(self):
        files = Files()
        first = File("<a>.txt", "text/plain", "<b>")
        files._add_field_value("f", first)  # pylint: disable=protected-access
        self.assertIs(files.get("f"), first)
        self.assertEqual(files.get_list("f"), [first])
        self.assertEqual((files.get("missing"), files.get("missing", 1)), (None, 1))
        self.assertEqual(
            repr(files),
            "<Files {'f': [<File filename='<a>.txt', content_type='text/plain', size=3>]}>",
        )


URLENCODED = "application/x-www-form-urlencoded"


def parse(data, content_type, length=True):
    return FormData(data, form(data, content_type, length))


class TestFormDataUrlencoded(TestCase):
    def test_basic(self):
        form_data = parse(b"name=Ann&age=7&name=Bob", URLENCODED)
        self.assertEqual(form_data.content_type, URLENCODED)
        self.assertEqual((form_data.get("name"), form_data.get("age")), ("Ann", "7"))
        self.assertEqual(form_data.get_list("name"), ["Ann", "Bob"])
        self.assertIsInstance(form_data.files, Files)
        self.assertEqual(len(form_data.files), 0)

    def test_W29_values_decoded(self):
        form_data = parse(b"text=Hello+World%21+%5E-%24%25&x=%3Cb%3E", URLENCODED)
        self.assertEqual(form_data.get("text"), "Hello World! ^-$%")
        self.assertEqual(form_data.get("x"), "&lt;b&gt;")
        self.assertEqual(form_data.get("x", safe=False), "<b>")

    def test_W33_empty_segments_skipped(self):
        form_data = parse(b"&a=1&&b=2&flag", URLENCODED)
        self.assertEqual(form_data.items(), [("a", "1"), ("b", "2"), ("flag", "")])

    def test_content_type_parameters_and_case(self):
        for content_type in (URLENCODED + "; charset=UTF-8", "Application/X-WWW-Form-Urlencoded"):
            self.assertEqual(parse(b"a=1", content_type).get("a"), "1")

    def test_truncated_to_content_length(self):
        headers = Headers({"Content-Type": URLENCODED, "Content-Length": "3"})
        self.assertEqual(FormData(b"a=1&b=2", headers).fields, ["a"])
        headers["Content-Length"] = "100"
        self.assertEqual(FormData(b"a=1", headers).get("a"), "1")

    def test_W37_missing_content_length_uses_all_data(self):
        self.assertEqual(parse(b"a=1&b=2", URLENCODED, False).fields, ["a", "b"])

    def test_W37_invalid_content_length_does_not_raise(self):
        for value in ("abc", "-1", "", "1.5", " 7 "):
            headers = Headers({"Content-Type": URLENCODED, "Content-Length": value})
            self.assertEqual(FormData(b"a=1&b=2", headers).fields, ["a", "b"])

    def test_invalid_utf8_does_not_raise(self):
        form_data = parse(b"a=\xff&b=2", URLENCODED)
        self.assertEqual(form_data.fields, ["a", "b"])

    def test_bytearray_and_memoryview_data(self):
        headers = form(b"a=1", URLENCODED)
        self.assertEqual(FormData(bytearray(b"a=1"), headers).get("a"), "1")
        self.assertEqual(FormData(memoryview(b"a=1"), headers).get("a"), "1")

    def test_repr(self):
        form_data = parse(b"a=1&a=2", URLENCODED)
        self.assertEqual(repr(form_data), "<FormData {'a': ['1', '2']}, files={}>")


class TestFormDataTextPlain(TestCase):
    def test_lines_split_at_first_equals(self):
        form_data = parse(b"a=1\r\nb=x=y\r\n", "text/plain")
        self.assertEqual(form_data.items(), [("a", "1"), ("b", "x=y")])

    def test_W35_unterminated_last_line_kept_and_no_equals_skipped(self):
        form_data = parse(b"junk\r\na=1\r\n\r\nb=2", "text/plain")
        self.assertEqual(form_data.items(), [("a", "1"), ("b", "2")])

    def test_not_decoded_but_escaped(self):
        form_data = parse(b"a=%3C+<b>\r\n", "text/plain")
        self.assertEqual(form_data.get("a", safe=False), "%3C+<b>")
        self.assertEqual(form_data.get("a"), "%3C+&lt;b&gt;")


MULTIPART = "multipart/form-data; boundary=XyZ"


class TestFormDataMultipart(TestCase):
    def parse(self, data, content_type=MULTIPART):
        return parse(data, content_type)

    def test_fields_and_files(self):
        png = b"\x89PNG\r\n\x1a\n\x00"
        data = multipart(
            [
                part("title", b"Hello <world>"),
                part("upload", b"file text", "a.txt", "text/plain"),
                part("image", png, "i.png", "image/png"),
            ]
        )
        form_data = self.parse(data)
        self.assertEqual(form_data.get("title"), "Hello &lt;world&gt;")
        self.assertEqual(form_data.get("title", safe=False), "Hello <world>")
        self.assertNotIn("upload", form_data)
        upload = form_data.files.get("upload")
        self.assertEqual(upload.filename, "a.txt")
        self.assertEqual(upload.content_type, "text/plain")
        self.assertEqual(upload.content, "file text")
        image = form_data.files.get("image")
        self.assertEqual(image.content_type, "image/png")
        self.assertEqual(image.content, png)
        self.assertEqual(image.size, 9)
        self.assertEqual(
            repr(form_data),
            "<FormData {'title': ['Hello <world>']}, files={"
            "'upload': [<File filename='a.txt', content_type='text/plain', size=9>], "
            "'image': [<File filename='i.png', content_type='image/png', size=9>]}>",
        )

    def test_file_default_type_is_text_plain(self):
        file = self.parse(multipart([part("f", b"abc", "x")])).files.get("f")
        self.assertEqual(file.content_type, "text/plain")
        self.assertEqual(file.content, "abc")

    def test_non_utf8_text_file_stays_bytes(self):
        data = multipart([part("f", b"\xff\xfe", "x.txt", "text/plain")])
        self.assertEqual(self.parse(data).files.get("f").content, b"\xff\xfe")

    def test_text_parts_become_str(self):
        data = multipart(
            [
                part("a", b"plain"),
                part("b", b"<i>", None, "text/html"),
                part("c", "é".encode("utf-8"), None, "text/plain; charset=utf-8"),
            ]
        )
        form_data = self.parse(data)
        self.assertEqual(form_data.get("a"), "plain")
        self.assertEqual(form_data.get("b", safe=False), "<i>")
        self.assertEqual(form_data.get("c"), "é")

    def test_W31_binary_parts_stay_bytes_unescaped(self):
        json_part = part("j", b'{"a": "<b>"}', None, "application/json")
        data = multipart([json_part, part("x", b"\xff<")])
        form_data = self.parse(data)
        self.assertEqual(form_data.get("j"), b'{"a": "<b>"}')
        self.assertEqual(form_data["j"], b'{"a": "<b>"}')
        self.assertEqual(form_data.get_list("x"), [b"\xff<"])

    def test_W34_boundary_inside_data_is_not_a_delimiter(self):
        form_data = self.parse(multipart([part("a", b"x--XyZ y --XyZ\nz"), part("b", b"2")]))
        self.assertEqual(form_data.get("a", safe=False), "x--XyZ y --XyZ\nz")
        self.assertEqual(form_data.get("b"), "2")

    def test_W34_longer_boundary_line_inside_data_is_not_a_delimiter(self):
        form_data = self.parse(multipart([part("a", b"1\r\n--XyZabc\r\n2")]))
        self.assertEqual(form_data.get("a"), "1\r\n--XyZabc\r\n2")

    def test_W34_preamble_and_epilogue_ignored(self):
        data = b"preamble\r\n" + multipart([part("a", b"1")]) + b"epilogue --XyZ\r\n"
        form_data = self.parse(data)
        self.assertEqual(form_data.fields, ["a"])
        self.assertEqual(form_data.get("a"), "1")

    def test_W25_W34_boundary_with_equals_and_quotes(self):
        data = multipart([part("a", b"1")], "----=_Part_0==")
        form_data = self.parse(data, 'multipart/form-data; boundary="----=_Part_0=="')
        self.assertEqual(form_data.get("a"), "1")

    def test_W34_missing_boundary_raises_value_error(self):
        with self.assertRaises(ValueError) as context:
            self.parse(b"--XyZ\r\n\r\n", "multipart/form-data")
        self.assertIn("Malformed multipart body", str(context.exception))

    def test_W34_no_delimiter_raises_value_error(self):
        with self.assertRaises(ValueError) as context:
            self.parse(b"just some bytes")
        self.assertIn("Malformed multipart body", str(context.exception))

    def test_W34_empty_body_is_empty_form(self):
        self.assertEqual(len(self.parse(b"")), 0)
        self.assertEqual(len(self.parse(b"", "multipart/form-data")), 0)

    def test_W34_part_without_blank_line_skipped(self):
        data = b'--XyZ\r\nContent-Disposition: form-data; name="bad"\r\nno blank\r\n' + multipart(
            [part("good", b"ok")]
        )
        self.assertEqual(self.parse(data).fields, ["good"])

    def test_W34_part_without_name_or_bad_headers_skipped(self):
        data = multipart(
            [("Content-Disposition: form-data", b"x"), ("garbage", b"x"), part("ok", b"1")]
        )
        self.assertEqual(self.parse(data).fields, ["ok"])

    def test_W34_truncated_body_keeps_complete_parts(self):
        data = multipart([part("a", b"1"), part("b", b"2")])
        self.assertEqual(self.parse(data[: data.find(b"2") + 1]).fields, ["a"])

    def test_part_with_no_headers_skipped(self):
        self.assertEqual(len(self.parse(b"--XyZ\r\n\r\nbody\r\n--XyZ--\r\n")), 0)

    def test_empty_filename_is_still_a_file(self):
        data = multipart([part("f", b"", "", "application/octet-stream")])
        file = self.parse(data).files.get("f")
        self.assertEqual(file.filename, "")
        self.assertEqual(file.size, 0)

    def test_lf_only_delimiter_lines_are_tolerated(self):
        data = b'--XyZ\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--'
        self.assertEqual(self.parse(data).get("a"), "1")

    def test_repeated_fields_and_files(self):
        data = multipart(
            [part("f", b"1", "1.txt"), part("f", b"2", "2.txt"), part("t", b"a"), part("t", b"b")]
        )
        form_data = self.parse(data)
        self.assertEqual([f.filename for f in form_data.files.get_list("f")], ["1.txt", "2.txt"])
        self.assertEqual(form_data.get_list("t"), ["a", "b"])


class TestFormDataUnsupported(TestCase):
    def test_unsupported_type_empty_and_reported_only_in_debug(self):
        calls = []
        original = fields._debug_unsupported_form_content_type
        fields._debug_unsupported_form_content_type = calls.append
        try:
            form_data = parse(b'{"a": 1}', "application/json")
            self.assertEqual((len(form_data), calls), (0, []))
            self.assertEqual(form_data.content_type, "application/json")
            FormData(b"a=1", form(b"a=1", "application/json; charset=utf-8"), debug=True)
            FormData(b"a=1", form(b"a=1", None), debug=True)
            self.assertEqual(calls, ["application/json", None])
        finally:
            fields._debug_unsupported_form_content_type = original

    def test_unsupported_message_names_type_and_supported_ones(self):
        with Capture(fields) as capture:
            fields._debug_unsupported_form_content_type("application/json")
        for text in ("application/json", URLENCODED, "multipart/form-data", "text/plain"):
            self.assertIn(text, capture.lines[0])

    def test_no_content_type_none_data_and_headers(self):
        for form_data in (FormData(b"a=1", Headers()), FormData(None, None)):
            self.assertIsNone(form_data.content_type)
            self.assertEqual(len(form_data), 0)
            self.assertEqual(repr(form_data), "<FormData {}, files={}>")

    def test_debug_flag(self):
        self.assertFalse(parse(b"a=1", "text/plain").debug)
        self.assertTrue(FormData(b"a=1", form(b"a=1", "text/plain"), debug=True).debug)
