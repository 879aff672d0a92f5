"""route.py: §6.1-§6.3, W41-W42 and the segment matcher."""

from unit import TestCase

from adafruit_httpserver.methods import GET, POST, PUT
from adafruit_httpserver.route import Route, as_route


def handler(request):  # pylint: disable=unused-argument
    return None


def match(path, url, append_slash=False):
    return Route(path, GET, handler, append_slash=append_slash).match_path(url)


class TestConstruction(TestCase):
    def test_attributes(self):
        route = Route("/a/<id>", [GET, POST], handler)
        self.assertEqual(route.path, "/a/<id>")
        self.assertEqual(route.methods, {GET, POST})
        self.assertIs(route.handler, handler)
        self.assertEqual(route.parameters_names, ["id"])

    def test_defaults(self):
        route = Route("/")
        self.assertEqual(route.methods, {"GET"})
        self.assertIsNone(route.handler)
        self.assertEqual(route.parameters_names, [])

    def test_methods_conversion(self):
        self.assertEqual(Route("/", (GET, PUT)).methods, {GET, PUT})
        self.assertEqual(Route("/", {POST}).methods, {POST})
        self.assertEqual(Route("/", [GET, GET]).methods, {GET})
        self.assertEqual(Route("/", "DELETE").methods, {"DELETE"})
        self.assertIsInstance(Route("/", [GET]).methods, set)

    def test_keyword_construction(self):
        route = Route(path="/x", methods=POST, handler=handler, append_slash=True)
        self.assertEqual(route.methods, {POST})
        self.assertTrue(route.matches(POST, "/x/")[0])

    def test_repr(self):
        route = Route("/x", GET, handler)
        self.assertEqual(repr(route), "<Route path='/x', methods={'GET'}, handler=%r>" % handler)
        self.assertEqual(repr(Route("/")), "<Route path='/', methods={'GET'}, handler=None>")

    def test_parameters_names_in_order(self):
        self.assertEqual(Route("/<a>/x/<b>/<c>").parameters_names, ["a", "b", "c"])


class TestValidation(TestCase):
    def assertInvalid(self, path, message, append_slash=False):
        with self.assertRaises(ValueError) as context:
            Route(path, append_slash=append_slash)
        self.assertEqual(str(context.exception), message)

    def test_must_start_with_slash(self):
        for path in ("", "a", "a/b", "<id>"):
            self.assertInvalid(path, "Path must start with a slash.")

    def test_append_slash_with_trailing_slash(self):
        for path in ("/", "/a/"):
            self.assertInvalid(
                path, "Cannot use append_slash=True when path ends with /", append_slash=True
            )

    def test_double_slashes(self):
        for path in ("//", "/a//b", "/a//"):
            self.assertInvalid(path, "Path cannot contain double slashes.")

    def test_unnamed_parameter(self):
        for path in ("/<>", "/a/<>/b"):
            self.assertInvalid(path, "All URL parameters must be named.")

    def test_parameters_between_slashes(self):
        for path in ("/a<id>", "/<id>a", "/a/x<id>/b", "/<a><b>", "/<a>.json", "/<a<b>"):
            self.assertInvalid(path, "All URL parameters must be between slashes.")

    def test_dots_between_slashes(self):
        for path in ("/a...", "/...a", "/a/x..../b", "/....b", "/a/b...c", "/x.....", "/.....x"):
            self.assertInvalid(path, "... and .... must be between slashes")

    def test_more_than_four_dots(self):
        for path in ("/.....", "/a/......", "/...../b"):
            self.assertInvalid(path, "Path cannot contain more than 4 dots in a row.")

    def test_valid_paths(self):
        for path in (
            "/",
            "/a",
            "/a/",
            "/a/b.txt",
            "/a/../b",
            "/./x",
            "/a/...",
            "/a/..../b",
            "/<a>/<b>",
            "/a>b",
            "/<a",
            "/a+b(c)[d]{e}|f^g$h\\i*j?k",
        ):
            self.assertEqual(Route(path).path, path)

    def test_check_order(self):
        self.assertInvalid("a//", "Path must start with a slash.")
        self.assertInvalid("//x/", "Cannot use append_slash=True when path ends with /", True)
        self.assertInvalid("//<>", "Path cannot contain double slashes.")
        self.assertInvalid("/<>/x<a>", "All URL parameters must be named.")
        self.assertInvalid("/x<a>/a...", "All URL parameters must be between slashes.")
        self.assertInvalid("/...../a...", "... and .... must be between slashes")


class TestMatching(TestCase):
    def test_literal(self):
        route = Route("/about", GET, handler)
        self.assertEqual(route.matches(GET, "/about"), (True, {}))
        self.assertEqual(route.matches(GET, "/about/"), (False, None))
        self.assertEqual(route.matches(GET, "/abou"), (False, None))
        self.assertEqual(route.matches(GET, "/aboutx"), (False, None))
        self.assertEqual(Route("/").matches(GET, "/"), (True, {}))
        self.assertEqual(Route("/").matches(GET, ""), (False, None))

    def test_method_must_be_listed_case_sensitively(self):
        route = Route("/x", [GET, POST], handler)
        self.assertEqual(route.matches(POST, "/x"), (True, {}))
        self.assertEqual(route.matches(PUT, "/x"), (False, None))
        self.assertEqual(route.matches("get", "/x"), (False, None))

    def test_match_path_ignores_method(self):
        route = Route("/x/<id>", POST, handler)
        self.assertEqual(route.match_path("/x/1"), {"id": "1"})
        self.assertIsNone(route.match_path("/y/1"))
        self.assertEqual(route.matches(GET, "/x/1"), (False, None))

    def test_parameters(self):
        route = Route("/users/<user>/posts/<post>", GET, handler)
        self.assertEqual(
            route.matches(GET, "/users/ann/posts/42"), (True, {"user": "ann", "post": "42"})
        )
        self.assertEqual(route.matches(GET, "/users//posts/42"), (False, None))
        self.assertEqual(route.matches(GET, "/users/a/b/posts/42"), (False, None))

    def test_parameter_values_are_raw_text(self):
        self.assertEqual(match("/<x>", "/%20a"), {"x": "%20a"})
        self.assertEqual(match("/<x>", "/a.b-c~"), {"x": "a.b-c~"})
        self.assertEqual(match("/<x>", "/ a b "), {"x": " a b "})

    def test_W41_regex_metacharacters_are_literal(self):
        self.assertEqual(match("/a+b", "/a+b"), {})
        self.assertIsNone(match("/a+b", "/aab"))
        self.assertIsNone(match("/a.c", "/abc"))
        self.assertEqual(match("/a.c", "/a.c"), {})
        self.assertIsNone(match("/colou?r", "/color"))
        self.assertEqual(match("/colou?r", "/colou?r"), {})
        self.assertEqual(match("/(x)|[y]{2}^$\\*", "/(x)|[y]{2}^$\\*"), {})
        self.assertIsNone(match("/(x)|[y]", "/x"))

    def test_W42_any_name_is_a_parameter(self):
        route = Route("/item/<my-id>/<name with space>")
        self.assertEqual(route.parameters_names, ["my-id", "name with space"])
        self.assertEqual(route.match_path("/item/7/x"), {"my-id": "7", "name with space": "x"})
        self.assertIsNone(route.match_path("/item/<my-id>"))

    def test_one_segment_wildcard(self):
        self.assertEqual(match("/a/.../c", "/a/b/c"), {})
        self.assertIsNone(match("/a/.../c", "/a//c"))
        self.assertIsNone(match("/a/.../c", "/a/b/x/c"))
        self.assertIsNone(match("/a/...", "/a/"))
        self.assertEqual(match("/a/...", "/a/file.txt"), {})

    def test_rest_wildcard(self):
        self.assertEqual(match("/a/....", "/a/b"), {})
        self.assertEqual(match("/a/....", "/a/b/c/d.txt"), {})
        self.assertEqual(match("/a/....", "/a/x/"), {})
        self.assertIsNone(match("/a/....", "/a/"))
        self.assertIsNone(match("/a/....", "/a"))
        self.assertIsNone(match("/a/....", "/b/x"))

    def test_rest_wildcard_in_the_middle(self):
        self.assertEqual(match("/a/..../z", "/a/b/c/z"), {})
        self.assertEqual(match("/a/..../z", "/a/b/z"), {})
        self.assertIsNone(match("/a/..../z", "/a/z"))
        self.assertEqual(match("/..../<last>", "/x/y/z"), {"last": "z"})
        self.assertEqual(match("/<first>/..../<last>", "/a/b/c/d"), {"first": "a", "last": "d"})
        self.assertEqual(match("/..../x/..../y", "/1/x/2/x/3/y"), {})
        self.assertIsNone(match("/..../x/..../y", "/1/x/y"))

    def test_many_rest_wildcards_stay_fast(self):
        route = Route("/..../..../..../..../..../z")
        path = "/a" * 300 + "/y"
        self.assertIsNone(route.match_path(path))
        self.assertEqual(route.match_path("/a" * 300 + "/z"), {})

    def test_wildcards_do_not_capture(self):
        self.assertEqual(match("/.../<id>/....", "/x/7/y/z"), {"id": "7"})

    def test_append_slash(self):
        route = Route("/a", GET, handler, append_slash=True)
        self.assertEqual(route.matches(GET, "/a"), (True, {}))
        self.assertEqual(route.matches(GET, "/a/"), (True, {}))
        self.assertEqual(route.matches(GET, "/a//"), (False, None))
        self.assertEqual(match("/p/<id>", "/p/3/", True), {"id": "3"})
        self.assertIsNone(match("/p/<id>", "/p/3/"))
        self.assertEqual(match("/p/...", "/p/q/", True), {})
        self.assertEqual(match("/p/....", "/p/q/", True), {})

    def test_dot_segments_are_literal(self):
        self.assertEqual(match("/a/../b", "/a/../b"), {})
        self.assertIsNone(match("/a/../b", "/b"))

    def test_duplicate_names_last_wins(self):
        self.assertEqual(match("/<a>/<a>", "/1/2"), {"a": "2"})


class TestPathPattern(TestCase):
    def test_equivalent_regex(self):
        cases = (
            ("/a+b", False, ["/a+b", "/aab", "/a+b/"]),
            ("/x/<id>/...", False, ["/x/1/y", "/x//y", "/x/1/y/z", "/x/1/"]),
            ("/x/..../<id>", True, ["/x/a/b/c", "/x/a", "/x/a/b/", "/x//b"]),
            ("/f.json", True, ["/f.json", "/fxjson", "/f.json/"]),
            ("/(a)[b]", False, ["/(a)[b]", "/ab"]),
        )
        for path, append_slash, urls in cases:
            route = Route(path, append_slash=append_slash)
            pattern = route.path_pattern
            self.assertIs(route.path_pattern, pattern)
            for url in urls:
                found = pattern.match(url)
                params = route.match_path(url)
                self.assertEqual(found is not None, params is not None, path + " " + url)
                if found is not None and route.parameters_names:
                    self.assertEqual(found.group(1), params[route.parameters_names[0]])


class TestAsRoute(TestCase):
    def test_replaces_function_with_route(self):
        @as_route("/a/<x>", [GET, POST], append_slash=True)
        def view(request, x):  # pylint: disable=unused-argument
            return x

        self.assertIsInstance(view, Route)
        self.assertEqual(view.path, "/a/<x>")
        self.assertEqual(view.methods, {GET, POST})
        self.assertEqual(view.handler(None, "1"), "1")
        self.assertEqual(view.matches(POST, "/a/b/"), (True, {"x": "b"}))

    def test_default_method_is_get(self):
        route = as_route("/")(handler)
        self.assertEqual(route.methods, {GET})
        self.assertIs(route.handler, handler)

    def test_only_once(self):
        route = as_route("/a")(handler)
        with self.assertRaises(ValueError) as context:
            as_route("/b")(route)
        self.assertEqual(str(context.exception), "as_route can be used only once per function.")

    def test_validation_at_decoration_time(self):
        with self.assertRaises(ValueError):
            as_route("no-slash")(handler)
