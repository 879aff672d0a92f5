"""Authentication through a running server (contract §7, §8.4; W20, W46): server-wide
``require_authentication`` and per-route ``require_authentication``, Basic/Bearer/Token.
Static files behind authentication are in ``test_server_auth_static`` (each module loads
only what its tests need, to fit a 128k heap)."""

from unit import TestCase

from server_kit import make, preload

from adafruit_httpserver import Basic, Bearer, Response, Token, require_authentication
from adafruit_httpserver.authentication import AuthenticationError

preload("authentication", "_answers")


def _basic(user, password):
    from binascii import b2a_base64  # pylint: disable=import-outside-toplevel

    return "Basic " + b2a_base64(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii").strip()


class TestServerWide(TestCase):
    def _server(self, auths):
        server, client = make()
        server.require_authentication(auths)
        server.route("/secret")(lambda request: Response(request, "secret"))
        return server, client

    def test_missing_credentials_get_401_with_a_challenge(self):
        _, client = self._server([Basic("user", "password")])
        response = client.get("/secret")
        self.assertEqual(response.status, 401)
        self.assertEqual(response.reason, "Unauthorized")
        self.assertEqual(response.headers.get("WWW-Authenticate"), 'Basic charset="UTF-8"')
        self.assertIn(b"\r\nWWW-Authenticate: ", response.raw)
        self.assertNotIn(b"secret", response.body)

    def test_basic(self):
        _, client = self._server([Basic("user", "password")])
        self.assertEqual(client.get("/secret", {"Authorization": _basic("user", "password")}).text, "secret")
        self.assertEqual(client.get("/secret", {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}).status, 200)
        self.assertEqual(client.get("/secret", {"Authorization": _basic("user", "wrong")}).status, 401)
        self.assertEqual(client.get("/secret", {"Authorization": "Basic !!!"}).status, 401)

    def test_W46_scheme_is_case_insensitive(self):
        _, client = self._server([Basic("user", "password")])
        header = "basic " + _basic("user", "password").split(" ")[1]
        self.assertEqual(client.get("/secret", {"Authorization": header}).status, 200)

    def test_bearer_and_token(self):
        _, client = self._server([Bearer("b-tok"), Token("t-tok")])
        self.assertEqual(client.get("/secret", {"Authorization": "Bearer b-tok"}).status, 200)
        self.assertEqual(client.get("/secret", {"Authorization": "Token t-tok"}).status, 200)
        self.assertEqual(client.get("/secret", {"Authorization": "Token b-tok"}).status, 401)
        self.assertEqual(client.get("/secret", {"Authorization": "Bearer b-tok-longer"}).status, 401)
        self.assertEqual(client.get("/secret", {"Authorization": "Bearer b-to"}).status, 401)

    def test_W20_challenge_names_a_configured_scheme(self):
        _, client = self._server([Bearer("b-tok")])
        challenge = client.get("/secret").headers.get("WWW-Authenticate")
        self.assertTrue(challenge.startswith("Bearer"), challenge)

    def test_401_keeps_the_connection(self):
        _, client = self._server([Token("t")])
        conn = client.connect()
        self.assertEqual(conn.request("GET", "/secret").status, 401)
        self.assertEqual(conn.request("GET", "/secret", {"Authorization": "Token t"}).body, b"secret")

    def test_401_for_a_post_does_not_read_the_body(self):
        server, client = self._server([Token("t")])
        calls = []
        server.route("/upload", "POST")(lambda request: calls.append(1))
        raw = client.raw(b"POST /upload HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
        self.assertTrue(raw.startswith(b"HTTP/1.1 401 "), raw)
        self.assertEqual(calls, [])


class TestPerRoute(TestCase):
    def _server(self):
        server, client = make()

        @server.route("/open")
        def open_route(request):
            return Response(request, "open")

        @server.route("/closed")
        def closed_route(request):
            require_authentication(request, [Token("t"), Basic("a", "b")])
            return Response(request, "closed")

        return server, client

    def test_require_authentication_in_a_handler_gives_401(self):
        _, client = self._server()
        self.assertEqual(client.get("/open").text, "open")
        response = client.get("/closed")
        self.assertEqual(response.status, 401)
        self.assertIsNotNone(response.headers.get("WWW-Authenticate"))

    def test_401_is_not_an_error_for_poll(self):
        server, client = make(raise_errors=False)

        @server.route("/closed")
        def closed_route(request):
            require_authentication(request, [Token("t")])
            return Response(request, "closed")

        self.assertEqual(client.get("/closed").status, 401)
        self.assertEqual(client.errors, [])

    def test_valid_credentials_pass(self):
        _, client = self._server()
        self.assertEqual(client.get("/closed", {"Authorization": "Token t"}).text, "closed")
        self.assertEqual(client.get("/closed", {"Authorization": _basic("a", "b")}).text, "closed")

    def test_authentication_error_message(self):
        _, client = self._server()
        seen = []

        @client.server.route("/catch")
        def catch(request):
            try:
                require_authentication(request, [Token("t")])
            except AuthenticationError as error:
                seen.append(str(error))
            return Response(request, "caught")

        self.assertEqual(client.get("/catch").text, "caught")
        self.assertEqual(seen, ["Request is not authenticated by any of the provided authentications"])
