"""Routing through a running server: registration order and parameters (contract §6.4),
wildcards, ``append_slash``, stacked decorators, ``add_routes`` with ``Route`` and
``as_route``, and the path rulings of DESIGN §5 (decoded, normalised, literal)."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import GET, POST, Response, Route, as_route

preload("_fields", "interfaces")


def _echo(request, **params):
    keys = sorted(params)
    return Response(request, request.method + " " + ",".join(k + "=" + params[k] for k in keys))


class TestRouting(TestCase):
    def test_first_registered_matching_route_wins(self):
        server, client = make()
        server.route("/items/<name>")(lambda request, name: Response(request, "param " + name))
        server.route("/items/special")(lambda request: Response(request, "literal"))
        server.route("/other/special")(lambda request: Response(request, "literal"))
        server.route("/other/<name>")(lambda request, name: Response(request, "param " + name))
        self.assertEqual(client.get("/items/special").text, "param special")
        self.assertEqual(client.get("/other/special").text, "literal")
        self.assertEqual(client.get("/other/x").text, "param x")

    def test_method_is_part_of_the_match(self):
        server, client = make()
        server.route("/thing", GET)(lambda request: Response(request, "get"))
        server.route("/thing", [POST, "PUT"])(lambda request: Response(request, "write"))
        self.assertEqual(client.get("/thing").text, "get")
        self.assertEqual(client.post("/thing", b"x").text, "write")
        self.assertEqual(client.put("/thing", b"x").text, "write")

    def test_parameters_are_passed_as_keyword_arguments(self):
        server, client = make()
        server.route("/u/<user>/post/<post_id>")(_echo)
        self.assertEqual(client.get("/u/ann/post/42").text, "GET post_id=42,user=ann")

    def test_parameter_never_matches_an_empty_segment_or_a_slash(self):
        server, client = make()
        server.route("/u/<user>")(_echo)
        self.assertEqual(client.get("/u/ann").status, 200)
        self.assertEqual(client.get("/u/ann/x").status, 404)
        self.assertEqual(client.get("/u/").status, 404)

    def test_three_dots_match_one_segment(self):
        server, client = make()
        server.route("/a/.../c")(lambda request: Response(request, "one"))
        self.assertEqual(client.get("/a/b/c").text, "one")
        self.assertEqual(client.get("/a/b/b/c").status, 404)

    def test_four_dots_match_any_rest(self):
        server, client = make()
        server.route("/files/....")(lambda request: Response(request, request.path))
        self.assertEqual(client.get("/files/x").text, "/files/x")
        self.assertEqual(client.get("/files/x/y/z.txt").text, "/files/x/y/z.txt")
        self.assertEqual(client.get("/files").status, 404)

    def test_append_slash(self):
        server, client = make()
        server.route("/slash", append_slash=True)(lambda request: Response(request, "s"))
        server.route("/strict")(lambda request: Response(request, "t"))
        self.assertEqual(client.get("/slash").text, "s")
        self.assertEqual(client.get("/slash/").text, "s")
        self.assertEqual(client.get("/strict").text, "t")
        self.assertEqual(client.get("/strict/").status, 404)

    def test_stacked_route_decorators_return_the_function(self):
        server, client = make()

        @server.route("/a")
        @server.route("/b/<value>")
        @server.route("/c/<value>", POST)
        def handler(request, value="default"):
            return Response(request, value)

        self.assertTrue(callable(handler))
        self.assertEqual(handler.__name__, "handler")
        self.assertEqual(client.get("/a").text, "default")
        self.assertEqual(client.get("/b/x").text, "x")
        self.assertEqual(client.post("/c/y", b"1").text, "y")

    def test_catch_all_kwargs(self):
        server, client = make()

        @server.route("/<first>/<second>")
        def handler(request, **params):
            return Response(request, params["first"] + "+" + params["second"])

        self.assertEqual(client.get("/one/two").text, "one+two")

    def test_add_routes_with_route_and_as_route(self):
        server, client = make()

        @as_route("/decorated/<n>", [GET, POST])
        def decorated(request, n):
            return Response(request, "decorated " + n)

        self.assertIsInstance(decorated, Route)
        server.add_routes(
            [
                Route("/positional", GET, lambda request: Response(request, "positional")),
                Route(path="/keyword", methods=POST, handler=lambda request: Response(request, "kw")),
                decorated,
            ]
        )
        self.assertEqual(client.get("/positional").text, "positional")
        self.assertEqual(client.post("/keyword", b"x").text, "kw")
        self.assertEqual(client.get("/decorated/3").text, "decorated 3")
        self.assertEqual(client.post("/decorated/4", b"x").text, "decorated 4")

    def test_routes_added_after_start_are_served(self):
        server, client = make()
        self.assertEqual(client.get("/late").status, 404)
        server.route("/late")(lambda request: Response(request, "late"))
        self.assertEqual(client.get("/late").text, "late")

    def test_query_string_is_not_part_of_the_path(self):
        server, client = make()
        server.route("/q")(lambda request: Response(request, request.path + "|" + request.query_params.get("a")))
        self.assertEqual(client.get("/q?a=1&b=2").text, "/q|1")


class TestPathRulings(TestCase):
    def test_ruling_regex_metacharacters_in_routes_are_literal(self):
        server, client = make()
        server.route("/a+b")(lambda request: Response(request, "plus"))
        server.route("/x(y)?")(lambda request: Response(request, "paren"))
        self.assertEqual(client.get("/a+b").text, "plus")
        self.assertEqual(client.get("/aab").status, 404)
        # on the wire "?" starts the query, so the route's literal "?" must be sent encoded
        self.assertEqual(client.get("/x(y)?").status, 404)
        self.assertEqual(client.get("/x(y)%3F").text, "paren")
        self.assertEqual(client.get("/xy").status, 404)

    def test_ruling_path_is_percent_decoded_before_routing(self):
        server, client = make()
        server.route("/hello world")(lambda request: Response(request, "space"))
        server.route("/user/<name>")(lambda request, name: Response(request, name))
        self.assertEqual(client.get("/hello%20world").text, "space")
        self.assertEqual(client.get("/user/J%C3%BCrgen").text, "J\u00fcrgen")
        self.assertEqual(client.get("/user/a%2Bb").text, "a+b")

    def test_W43_path_is_normalised_before_routing(self):
        server, client = make()
        server.route("/a/b")(lambda request: Response(request, request.path))
        self.assertEqual(client.get("/a//b").text, "/a/b")
        self.assertEqual(client.get("/a/./b").text, "/a/b")
        self.assertEqual(client.get("/x/../a/b").text, "/a/b")
        self.assertEqual(client.get("/x/%2E%2E/a/b").text, "/a/b")

    def test_path_leaving_the_root_is_a_bad_request(self):
        server, client = make()
        server.route("/etc/passwd")(lambda request: Response(request, "no"))
        self.assertEqual(client.get("/../etc/passwd").status, 400)
        self.assertEqual(client.get("/%2e%2e/etc/passwd").status, 400)

    def test_absolute_form_target_routes_on_its_path(self):
        server, client = make()
        server.route("/abs")(lambda request: Response(request, request.path))
        self.assertEqual(client.get("http://example.com/abs").text, "/abs")
