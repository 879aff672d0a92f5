"""headers.py: §4.1 shared storage behaviour, §4.2 Headers, and W23-W28."""

from unit import TestCase

from adafruit_httpserver._http import check_header
from adafruit_httpserver.headers import Headers


class TestHeadersConstruction(TestCase):
    def test_empty(self):
        for headers in (Headers(), Headers(None), Headers({}), Headers("")):
            self.assertEqual(len(headers), 0)
            self.assertEqual(headers.fields, [])
            self.assertEqual(repr(headers), "<Headers {}>")

    def test_from_text_crlf(self):
        headers = Headers(
            "Host: example.com\r\nContent-Type: text/html\r\nX-Multi: 1\r\nX-Multi: 2"
        )
        self.assertEqual(headers.get("host"), "example.com")
        self.assertEqual(headers.get("CONTENT-TYPE"), "text/html")
        self.assertEqual(headers.get_list("x-multi"), ["1", "2"])
        self.assertEqual(headers.fields, ["host", "content-type", "x-multi"])

    def test_from_text_strips_whole_string_and_skips_blank_lines(self):
        headers = Headers("\r\n  A: 1\r\n\r\nB: 2\r\n\r\n")
        self.assertEqual(headers.items(), [("a", "1"), ("b", "2")])

    def test_W23_bare_lf_line_endings(self):
        headers = Headers("A: 1\nB: 2\n")
        self.assertEqual(headers.items(), [("a", "1"), ("b", "2")])

    def test_W23_mixed_line_endings(self):
        headers = Headers("A: 1\r\nB: 2\nC: 3")
        self.assertEqual(headers.fields, ["a", "b", "c"])

    def test_W23_no_space_after_colon(self):
        headers = Headers("Host:a\r\nX:  padded value  ")
        self.assertEqual(headers.get("host"), "a")
        self.assertEqual(headers.get("x"), "padded value")

    def test_W23_split_at_first_colon_only(self):
        headers = Headers("Host: localhost:5000\r\nX-Time: 12:30:00")
        self.assertEqual(headers.get("Host"), "localhost:5000")
        self.assertEqual(headers.get("X-Time"), "12:30:00")

    def test_W23_whitespace_around_name_stripped(self):
        headers = Headers("X-A : 1")
        self.assertEqual(headers.get("x-a"), "1")

    def test_W23_other_unicode_line_breaks_stay_in_values(self):
        for char in ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"):
            headers = Headers("X-Value: a" + char + "b\r\nNext: 1")
            self.assertEqual(headers.get("x-value"), "a" + char + "b")
            self.assertEqual(headers.get("next"), "1")
            self.assertEqual(len(headers), 2)

    def test_W23_lone_cr_stays_in_value(self):
        headers = Headers("X: a\rb\r\nY: 1")
        self.assertEqual(headers.get("x"), "a\rb")
        self.assertEqual(headers.get("y"), "1")

    def test_W23_obs_fold_joins_with_a_space(self):
        headers = Headers("X-Long: first\r\n  second\r\n\tthird\r\nY: 1")
        self.assertEqual(headers.get("x-long"), "first second third")
        self.assertEqual(headers.get("y"), "1")

    def test_empty_value(self):
        headers = Headers("X-Empty:\r\nX-Also-Empty: ")
        self.assertEqual(headers.get("x-empty"), "")
        self.assertEqual(headers.get("x-also-empty"), "")

    def test_line_without_colon_raises_value_error(self):
        with self.assertRaises(ValueError):
            Headers("Host example.com")
        with self.assertRaises(ValueError):
            Headers("A: 1\r\nbroken")
        with self.assertRaises(ValueError):
            Headers(": no name")

    def test_from_dict_keeps_values_as_given(self):
        headers = Headers({"A": 5, "B": None, "C": "x"})
        self.assertEqual(headers.get("A"), 5)
        self.assertIsNone(headers.get("b", "default"))
        self.assertIn("b", headers)
        self.assertEqual(headers.get("c"), "x")

    def test_from_pairs(self):
        headers = Headers([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X", "y")])
        self.assertEqual(headers.get_list("set-cookie"), ["a=1", "b=2"])
        self.assertEqual(headers.original_items()[0], ("Set-Cookie", "a=1"))

    def test_from_headers_is_a_copy(self):
        original = Headers()
        original.add("X-A", "1")
        original.add("X-A", "2")
        copy = Headers(original)
        copy.add("X-A", "3")
        self.assertEqual(original.get_list("x-a"), ["1", "2"])
        self.assertEqual(copy.get_list("x-a"), ["1", "2", "3"])
        self.assertEqual(copy.original_items()[0], ("X-A", "1"))


class TestHeadersCaseInsensitivity(TestCase):
    def test_lookups_ignore_case(self):
        headers = Headers({"Content-Type": "text/html"})
        for name in ("content-type", "Content-Type", "CONTENT-TYPE", "cOnTeNt-TyPe"):
            self.assertEqual(headers.get(name), "text/html")
            self.assertEqual(headers[name], "text/html")
            self.assertIn(name, headers)

    def test_iteration_keys_fields_items_are_lowercase(self):
        headers = Headers()
        headers.add("X-First", "1")
        headers.add("Content-Type", "text/plain")
        headers.add("x-first", "2")
        self.assertEqual(list(headers), ["x-first", "content-type"])
        self.assertEqual(headers.keys(), ["x-first", "content-type"])
        self.assertEqual(headers.fields, ["x-first", "content-type"])
        self.assertEqual(
            headers.items(), [("x-first", "1"), ("x-first", "2"), ("content-type", "text/plain")]
        )
        self.assertEqual(headers.values(), ["1", "2", "text/plain"])

    def test_missing_key_raises_lowercased_key_error(self):
        headers = Headers()
        with self.assertRaises(KeyError) as context:
            headers["X-Foo"]  # pylint: disable=pointless-statement
        self.assertEqual(context.exception.args[0], "x-foo")

    def test_repr_uses_lowercase_names(self):
        headers = Headers()
        headers.add("X-A", "1")
        headers.add("X-A", "2")
        headers.add("B", "3")
        self.assertEqual(repr(headers), "<Headers {'x-a': ['1', '2'], 'b': ['3']}>")


class TestHeadersOriginalCase(TestCase):
    def test_original_items_keep_first_written_case_and_order(self):
        headers = Headers()
        headers.add("X-Custom", "1")
        headers.add("content-type", "text/html")
        headers.add("x-custom", "2")
        headers.add("Set-Cookie", "a=b")
        self.assertEqual(
            headers.original_items(),
            [
                ("X-Custom", "1"),
                ("X-Custom", "2"),
                ("content-type", "text/html"),
                ("Set-Cookie", "a=b"),
            ],
        )

    def test_set_keeps_the_first_written_name(self):
        headers = Headers({"X-Server": "a"})
        headers["x-server"] = "b"
        self.assertEqual(headers.original_items(), [("X-Server", "b")])

    def test_delete_then_add_uses_the_new_name(self):
        headers = Headers({"X-Server": "a"})
        del headers["x-server"]
        headers.add("X-SERVER", "b")
        self.assertEqual(headers.original_items(), [("X-SERVER", "b")])

    def test_insertion_order_is_kept_for_many_names(self):
        headers = Headers()
        names = ["H%d" % index for index in range(40)]
        for name in names:
            headers.add(name, name)
        self.assertEqual([name for name, _ in headers.original_items()], names)
        self.assertEqual(headers.fields, [name.lower() for name in names])

    def test_text_parsed_names_keep_case(self):
        headers = Headers("Content-Type: a\r\nX-Api-Key: b")
        self.assertEqual(headers.original_items(), [("Content-Type", "a"), ("X-Api-Key", "b")])


class TestHeadersMethods(TestCase):
    def test_add_allows_repeated_names(self):
        headers = Headers()
        headers.add("Set-Cookie", "a=1")
        headers.add("Set-Cookie", "b=2")
        self.assertEqual(headers.get("set-cookie"), "a=1")
        self.assertEqual(headers.get_list("Set-Cookie"), ["a=1", "b=2"])
        self.assertEqual(len(headers), 1)

    def test_get_default(self):
        headers = Headers()
        self.assertIsNone(headers.get("missing"))
        self.assertEqual(headers.get("missing", "d"), "d")

    def test_get_list_missing(self):
        self.assertEqual(Headers().get_list("missing"), [])

    def test_W27_get_list_returns_a_copy(self):
        headers = Headers({"A": "1"})
        values = headers.get_list("a")
        values.append("2")
        self.assertEqual(headers.get_list("a"), ["1"])

    def test_set_and_setitem_replace_all_values(self):
        headers = Headers()
        headers.add("A", "1")
        headers.add("A", "2")
        headers.set("a", "3")
        self.assertEqual(headers.get_list("A"), ["3"])
        headers["A"] = "4"
        self.assertEqual(headers.get_list("a"), ["4"])
        headers["New"] = "n"
        self.assertEqual(headers.fields, ["a", "new"])

    def test_setdefault_adds_when_absent(self):
        headers = Headers()
        result = headers.setdefault("Connection", "close")
        self.assertEqual(result, ["close"])
        self.assertEqual(headers.get("connection"), "close")
        self.assertEqual(headers.original_items(), [("Connection", "close")])

    def test_setdefault_keeps_existing_values(self):
        headers = Headers({"Content-Type": "text/html"})
        self.assertEqual(headers.setdefault("content-type", "text/plain"), ["text/html"])
        self.assertEqual(headers.get("Content-Type"), "text/html")

    def test_setdefault_default_is_none(self):
        headers = Headers()
        self.assertEqual(headers.setdefault("X"), [None])
        self.assertIn("x", headers)

    def test_W27_setdefault_returns_a_copy(self):
        headers = Headers({"A": "1"})
        values = headers.setdefault("A", "2")
        values.append("3")
        self.assertEqual(headers.get_list("a"), ["1"])

    def test_update_replaces_each_name(self):
        headers = Headers()
        headers.add("A", "1")
        headers.add("A", "2")
        headers.add("B", "x")
        result = headers.update({"a": "3", "C": "4"})
        self.assertIsNone(result)
        self.assertEqual(headers.get_list("a"), ["3"])
        self.assertEqual(headers.get("b"), "x")
        self.assertEqual(headers.get("c"), "4")
        self.assertEqual(headers.fields, ["a", "b", "c"])

    def test_update_with_headers_takes_all_values(self):
        headers = Headers({"A": "old"})
        other = Headers()
        other.add("a", "1")
        other.add("A", "2")
        other.add("X-New", "n")
        headers.update(other)
        self.assertEqual(headers.get_list("a"), ["1", "2"])
        self.assertEqual(headers.original_items()[-1], ("X-New", "n"))

    def test_delete(self):
        headers = Headers({"A": "1", "B": "2"})
        del headers["a"]
        self.assertNotIn("A", headers)
        self.assertEqual(headers.fields, ["b"])
        self.assertEqual(len(headers), 1)
        with self.assertRaises(KeyError):
            del headers["missing"]

    def test_contains_len_iter(self):
        headers = Headers({"A": "1", "B": "2"})
        self.assertTrue("a" in headers)
        self.assertTrue("B" in headers)
        self.assertFalse("c" in headers)
        self.assertEqual(len(headers), 2)
        self.assertEqual(sorted(iter(headers)), ["a", "b"])

    def test_getitem_first_value(self):
        headers = Headers()
        headers.add("A", "1")
        headers.add("A", "2")
        self.assertEqual(headers["a"], "1")


class TestHeadersCopy(TestCase):
    def test_W24_copy_keeps_none_values(self):
        headers = Headers({"Content-Type": None})
        copy = headers.copy()
        self.assertIsNone(copy.get("content-type", "missing"))
        self.assertIn("content-type", copy)

    def test_W24_copy_keeps_empty_last_value(self):
        headers = Headers({"A": "1", "X-Empty": ""})
        copy = headers.copy()
        self.assertEqual(copy.get("x-empty"), "")

    def test_W24_copy_keeps_types_and_whitespace(self):
        headers = Headers({"Content-Length": 5, "X": "trailing  "})
        copy = headers.copy()
        self.assertEqual(copy.get("content-length"), 5)
        self.assertEqual(copy.get("x"), "trailing  ")

    def test_W24_copy_does_not_split_crlf_values(self):
        headers = Headers({"X": "a\r\nInjected: 1"})
        copy = headers.copy()
        self.assertEqual(copy.fields, ["x"])
        self.assertEqual(copy.get("x"), "a\r\nInjected: 1")

    def test_copy_is_independent(self):
        headers = Headers()
        headers.add("Set-Cookie", "a=1")
        copy = headers.copy()
        copy.add("Set-Cookie", "b=2")
        copy.add("X-New", "1")
        del headers["set-cookie"]
        self.assertEqual(copy.get_list("set-cookie"), ["a=1", "b=2"])
        self.assertEqual(copy.original_items()[0], ("Set-Cookie", "a=1"))
        self.assertEqual(headers.fields, [])
        self.assertIsInstance(copy, Headers)


class TestGetDirective(TestCase):
    def test_part_before_semicolon(self):
        headers = Headers({"Content-Type": "text/html; charset=utf-8"})
        self.assertEqual(headers.get_directive("content-type"), "text/html")

    def test_strips_quotes_and_spaces(self):
        headers = Headers({"X": '  "value"  ; a=b'})
        self.assertEqual(headers.get_directive("x"), "value")

    def test_default_when_absent(self):
        self.assertIsNone(Headers().get_directive("x"))
        self.assertEqual(Headers().get_directive("x", "d"), "d")

    def test_first_value_only(self):
        headers = Headers()
        headers.add("X", "one; a")
        headers.add("X", "two")
        self.assertEqual(headers.get_directive("x"), "one")

    def test_non_text_value(self):
        self.assertEqual(Headers({"Content-Length": 12}).get_directive("content-length"), "12")


class TestGetParameter(TestCase):
    def test_basic(self):
        headers = Headers({"Content-Type": "text/html; charset=utf-8"})
        self.assertEqual(headers.get_parameter("Content-Type", "charset"), "utf-8")

    def test_default(self):
        headers = Headers({"Content-Type": "text/html"})
        self.assertIsNone(headers.get_parameter("content-type", "charset"))
        self.assertEqual(headers.get_parameter("content-type", "charset", "d"), "d")
        self.assertEqual(Headers().get_parameter("missing", "x", "d"), "d")

    def test_quoted_values(self):
        headers = Headers({"Content-Disposition": 'form-data; name="field"; filename="a b.txt"'})
        self.assertEqual(headers.get_parameter("content-disposition", "name"), "field")
        self.assertEqual(headers.get_parameter("content-disposition", "filename"), "a b.txt")

    def test_W25_get_parameter_exact_name_and_equals_in_value(self):
        headers = Headers({"Content-Disposition": 'form-data; names="x"; name="y"'})
        self.assertEqual(headers.get_parameter("content-disposition", "name"), "y")
        headers = Headers({"Content-Disposition": 'form-data; names="x"'})
        self.assertIsNone(headers.get_parameter("content-disposition", "name"))
        headers = Headers({"Content-Type": "multipart/form-data; boundary=abc=def=="})
        self.assertEqual(headers.get_parameter("content-type", "boundary"), "abc=def==")

    def test_W25_filename_star_is_not_filename(self):
        headers = Headers(
            {"Content-Disposition": "attachment; filename*=UTF-8''a.txt; filename=\"b.txt\""}
        )
        self.assertEqual(headers.get_parameter("content-disposition", "filename"), "b.txt")

    def test_W25_parameter_name_is_case_insensitive(self):
        headers = Headers({"Content-Type": "text/plain; CharSet=ascii"})
        self.assertEqual(headers.get_parameter("content-type", "charset"), "ascii")
        self.assertEqual(headers.get_parameter("content-type", "CHARSET"), "ascii")

    def test_W25_quoted_value_with_semicolon_equals_and_escapes(self):
        headers = Headers(
            {"Content-Disposition": 'form-data; name="a;b=c"; filename="say \\"hi\\".txt"'}
        )
        self.assertEqual(headers.get_parameter("content-disposition", "name"), "a;b=c")
        self.assertEqual(
            headers.get_parameter("content-disposition", "filename"), 'say "hi".txt'
        )

    def test_W25_quoted_boundary_with_equals(self):
        headers = Headers({"Content-Type": 'multipart/form-data; boundary="==abc=="'})
        self.assertEqual(headers.get_parameter("content-type", "boundary"), "==abc==")

    def test_spaces_around_parameter(self):
        headers = Headers({"Content-Type": "text/plain ;  charset =  utf-8  ; x=1"})
        self.assertEqual(headers.get_parameter("content-type", "charset"), "utf-8")
        self.assertEqual(headers.get_parameter("content-type", "x"), "1")

    def test_empty_quoted_value(self):
        headers = Headers({"Content-Disposition": 'form-data; name="f"; filename=""'})
        self.assertEqual(headers.get_parameter("content-disposition", "filename"), "")

    def test_unterminated_quote_takes_the_rest(self):
        headers = Headers({"X": 'a; p="unterminated'})
        self.assertEqual(headers.get_parameter("x", "p"), "unterminated")


class TestCheckHeader(TestCase):
    def test_valid_names_and_values(self):
        check_header("Content-Type", "text/html")
        check_header("X-Custom_Header.v2", "anything at all \t with tabs")
        check_header("!#$%&'*+-.^_`|~", "")
        check_header("X-Int", 5)
        check_header("X-None", None)
        self.assertTrue(True)

    def test_W28_rejects_crlf_and_nul_in_values(self):
        for value in ("a\r\nInjected: 1", "a\nb", "a\rb", "a\x00b"):
            with self.assertRaises(ValueError) as context:
                check_header("X-Test", value)
            self.assertIn("X-Test", str(context.exception))

    def test_W28_rejects_non_token_names(self):
        for name in ("", "Bad Name", "Bad:Name", "X\r\nY", "X(y)", "é", "a\"b", "x/y"):
            with self.assertRaises(ValueError):
                check_header(name, "v")
        with self.assertRaises(ValueError):
            check_header(None, "v")
