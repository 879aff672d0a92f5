"""authentication.py: §7, W20, W26 and W46."""

from unit import TestCase

import adafruit_httpserver.authentication as authentication
from adafruit_httpserver.authentication import (
    AuthenticationError,
    Basic,
    Bearer,
    Token,
    challenge,
    check_authentication,
    require_authentication,
)
from adafruit_httpserver.exceptions import AuthenticationError as BaseAuthenticationError
from adafruit_httpserver.headers import Headers

MESSAGE = "Request is not authenticated by any of the provided authentications"
USER_PASSWORD_B64 = "dXNlcjpwYXNzd29yZA=="


class FakeRequest:
    def __init__(self, *authorizations):
        self.headers = Headers()
        for value in authorizations:
            self.headers.add("Authorization", value)


def ok(auths, *authorizations):
    return check_authentication(FakeRequest(*authorizations), auths)


class TestCredentialClasses(TestCase):
    def test_basic_str(self):
        self.assertEqual(str(Basic("user", "password")), "Basic " + USER_PASSWORD_B64)
        self.assertEqual(str(Basic("", "")), "Basic Og==")
        self.assertNotIn("\n", str(Basic("a" * 60, "b" * 60)))

    def test_basic_utf8(self):
        self.assertEqual(str(Basic("żółw", "pässword")), "Basic xbzDs8WCdzpww6Rzc3dvcmQ=")

    def test_token_and_bearer(self):
        self.assertEqual(Token.prefix, "Token")
        self.assertEqual(Bearer.prefix, "Bearer")
        self.assertTrue(issubclass(Bearer, Token))
        self.assertEqual(str(Token("abc")), "Token abc")
        self.assertEqual(str(Bearer("abc")), "Bearer abc")

    def test_authentication_error_is_the_exceptions_one(self):
        self.assertIs(AuthenticationError, BaseAuthenticationError)


class TestCheckAuthentication(TestCase):
    def test_exact_matches(self):
        self.assertTrue(ok([Basic("user", "password")], "Basic " + USER_PASSWORD_B64))
        self.assertTrue(ok([Token("t0k")], "Token t0k"))
        self.assertTrue(ok([Bearer("t0k")], "Bearer t0k"))

    def test_any_of_several_auths(self):
        auths = [Basic("a", "b"), Bearer("xyz"), Token("123")]
        self.assertTrue(ok(auths, "Bearer xyz"))
        self.assertTrue(ok(auths, "Token 123"))
        self.assertFalse(ok(auths, "Token xyz"))
        self.assertFalse(ok(auths, "Bearer 123"))

    def test_missing_header(self):
        self.assertFalse(ok([Basic("user", "password")]))
        self.assertFalse(ok([Bearer("x")], ""))

    def test_no_auths(self):
        self.assertFalse(ok([], "Bearer x"))
        self.assertFalse(ok(None, "Bearer x"))

    def test_wrong_credentials(self):
        self.assertFalse(ok([Basic("user", "password")], "Basic " + str(Basic("user", "pass"))[6:]))
        self.assertFalse(ok([Bearer("secret")], "Bearer secreT"))
        self.assertFalse(ok([Bearer("secret")], "Bearer secre"))
        self.assertFalse(ok([Bearer("secret")], "Bearer secrets"))
        self.assertFalse(ok([Bearer("secret")], "Bearer "))
        self.assertFalse(ok([Bearer("secret")], "secret"))

    def test_scheme_must_match(self):
        self.assertFalse(ok([Token("t")], "Bearer t"))
        self.assertFalse(ok([Bearer("t")], "Token t"))
        self.assertFalse(ok([Basic("user", "password")], "Bearer " + USER_PASSWORD_B64))

    def test_W46_scheme_case_insensitive(self):
        self.assertTrue(ok([Basic("user", "password")], "basic " + USER_PASSWORD_B64))
        self.assertTrue(ok([Bearer("t")], "BEARER t"))
        self.assertTrue(ok([Token("t")], "token t"))

    def test_W46_token_value_case_sensitive(self):
        self.assertFalse(ok([Bearer("Token")], "Bearer token"))

    def test_W46_every_authorization_header_is_considered(self):
        self.assertTrue(ok([Bearer("good")], "Bearer bad", "Bearer good"))
        self.assertTrue(ok([Basic("user", "password")], "Token x", "Basic " + USER_PASSWORD_B64))
        self.assertFalse(ok([Bearer("good")], "Bearer bad", "Bearer worse"))

    def test_W46_basic_compared_after_base64_decoding(self):
        auths = [Basic("user", "password")]
        self.assertTrue(ok(auths, "Basic dXNlcjpwYXNzd29yZA"))  # padding omitted
        self.assertTrue(ok(auths, "Basic dXNlcjpwYXNzd29yZB=="))  # non-canonical last bits
        self.assertFalse(ok(auths, "Basic dXNlcjpwYXNzd29yZA==!!"))
        self.assertFalse(ok(auths, "Basic dXNlcjpw YXNzd29yZA=="))
        self.assertFalse(ok(auths, "Basic dXNlcj=wYXNzd29yZA=="))
        self.assertFalse(ok(auths, "Basic d"))
        self.assertFalse(ok(auths, "Basic user:password"))

    def test_W26_extra_suffix_is_rejected(self):
        self.assertFalse(ok([Bearer("tok")], "Bearer tok; foo"))
        self.assertFalse(ok([Bearer("tok")], 'Bearer "tok"'))
        self.assertFalse(ok([Basic("user", "password")], "Basic " + USER_PASSWORD_B64 + ";x"))

    def test_W26_surrounding_whitespace_is_trimmed(self):
        self.assertTrue(ok([Bearer("tok")], "  Bearer tok  "))
        self.assertTrue(ok([Bearer("tok")], "Bearer   tok"))
        self.assertTrue(ok([Bearer("tok")], "Bearer\ttok"))

    def test_token_with_inner_space(self):
        self.assertTrue(ok([Token("a b")], "Token a b"))
        self.assertFalse(ok([Token("a b")], "Token a"))

    def test_W46_constant_time_helper_compares_everything(self):
        equal = authentication._equal  # pylint: disable=protected-access
        self.assertTrue(equal(b"abc", b"abc"))
        self.assertFalse(equal(b"abc", b"abd"))
        self.assertFalse(equal(b"xbc", b"abc"))
        self.assertFalse(equal(b"ab", b"abc"))
        self.assertFalse(equal(b"abcd", b"abc"))
        self.assertFalse(equal(b"abcabc", b"abc"))
        self.assertTrue(equal(b"", b""))
        self.assertFalse(equal(b"a", b""))
        self.assertFalse(equal(b"", b"a"))

    def test_only_headers_are_needed(self):
        class Minimal:
            headers = Headers({"authorization": "Bearer x"})

        self.assertTrue(check_authentication(Minimal(), [Bearer("x")]))


class TestRequireAuthentication(TestCase):
    def test_passes_silently(self):
        self.assertIsNone(require_authentication(FakeRequest("Token t"), [Token("t")]))

    def test_raises_with_message_and_auths(self):
        auths = [Bearer("x")]
        with self.assertRaises(AuthenticationError) as context:
            require_authentication(FakeRequest("Bearer y"), auths)
        self.assertEqual(str(context.exception), MESSAGE)
        self.assertIs(context.exception.auths, auths)

    def test_raises_without_header(self):
        with self.assertRaises(AuthenticationError):
            require_authentication(FakeRequest(), [Basic("a", "b")])


class TestChallenge(TestCase):
    def test_W20_challenge_matches_configured_auths(self):
        basic = 'Basic charset="UTF-8"'
        self.assertEqual(challenge([Basic("a", "b")]), basic)
        self.assertEqual(challenge([Bearer("x"), Basic("a", "b")]), basic)
        self.assertEqual(challenge(None), basic)
        self.assertEqual(challenge([]), basic)
        self.assertEqual(challenge([Bearer("x")]), "Bearer")
        self.assertEqual(challenge([Token("x"), Bearer("y")]), "Bearer")
        self.assertEqual(challenge([Token("x")]), "Token")
