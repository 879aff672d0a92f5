"""methods.py (§2.1), status.py (§2.2, W44) and exceptions.py (§3)."""

from unit import TestCase

import adafruit_httpserver.methods as methods
import adafruit_httpserver.status as status
from adafruit_httpserver.exceptions import (
    AuthenticationError,
    BackslashInPathError,
    FileNotExistsError,
    InvalidPathError,
    ParentDirectoryReferenceError,
    ServerStoppedError,
    ServingFilesDisabledError,
    WebsocketError,
)
from adafruit_httpserver.status import Status

STATUS_TABLE = (
    ("SWITCHING_PROTOCOLS_101", 101, "Switching Protocols"),
    ("OK_200", 200, "OK"),
    ("CREATED_201", 201, "Created"),
    ("ACCEPTED_202", 202, "Accepted"),
    ("NO_CONTENT_204", 204, "No Content"),
    ("PARTIAL_CONTENT_206", 206, "Partial Content"),
    ("MOVED_PERMANENTLY_301", 301, "Moved Permanently"),
    ("FOUND_302", 302, "Found"),
    ("TEMPORARY_REDIRECT_307", 307, "Temporary Redirect"),
    ("PERMANENT_REDIRECT_308", 308, "Permanent Redirect"),
    ("BAD_REQUEST_400", 400, "Bad Request"),
    ("UNAUTHORIZED_401", 401, "Unauthorized"),
    ("FORBIDDEN_403", 403, "Forbidden"),
    ("NOT_FOUND_404", 404, "Not Found"),
    ("METHOD_NOT_ALLOWED_405", 405, "Method Not Allowed"),
    ("TOO_MANY_REQUESTS_429", 429, "Too Many Requests"),
    ("INTERNAL_SERVER_ERROR_500", 500, "Internal Server Error"),
    ("NOT_IMPLEMENTED_501", 501, "Not Implemented"),
    ("SERVICE_UNAVAILABLE_503", 503, "Service Unavailable"),
)


class TestMethods(TestCase):
    def test_every_method_constant_equals_its_name(self):
        names = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT")
        for name in names:
            value = getattr(methods, name)
            self.assertIsInstance(value, str)
            self.assertEqual(value, name)


class TestStatus(TestCase):
    def test_attributes(self):
        s = Status(418, "I'm a teapot")
        self.assertEqual(s.code, 418)
        self.assertEqual(s.text, "I'm a teapot")

    def test_str(self):
        self.assertEqual(str(Status(200, "OK")), "200 OK")
        self.assertEqual(str(status.NOT_FOUND_404), "404 Not Found")

    def test_repr(self):
        self.assertEqual(repr(Status(200, "OK")), '<Status 200, "OK">')
        self.assertEqual(repr(status.NOT_FOUND_404), '<Status 404, "Not Found">')

    def test_constant_table(self):
        for name, code, text in STATUS_TABLE:
            value = getattr(status, name)
            self.assertIsInstance(value, Status)
            self.assertEqual(value.code, code)
            self.assertEqual(value.text, text)

    def test_equality_compares_code_and_text(self):
        self.assertTrue(Status(200, "OK") == Status(200, "OK"))
        self.assertFalse(Status(200, "OK") == Status(200, "Okay"))
        self.assertFalse(Status(200, "OK") == Status(201, "OK"))
        self.assertTrue(Status(200, "OK") != Status(201, "OK"))
        self.assertFalse(Status(200, "OK") != Status(200, "OK"))

    def test_W44_equal_to_int_code(self):
        self.assertTrue(status.OK_200 == 200)
        self.assertTrue(200 == status.OK_200)
        self.assertFalse(status.OK_200 == 404)
        self.assertTrue(status.OK_200 != 404)
        self.assertFalse(status.OK_200 != 200)

    def test_W44_equal_to_code_text_tuple(self):
        self.assertTrue(status.OK_200 == (200, "OK"))
        self.assertFalse(status.OK_200 == (200, "Nope"))
        self.assertFalse(status.OK_200 == (200,))
        self.assertTrue(status.OK_200 != (404, "Not Found"))

    def test_W44_other_comparisons_do_not_raise(self):
        self.assertFalse(status.OK_200 == "200 OK")
        self.assertFalse(status.OK_200 == None)  # noqa: E711
        self.assertTrue(status.OK_200 != "200")
        self.assertFalse(status.OK_200 == 200.5)
        self.assertIs(status.OK_200.__eq__("x"), NotImplemented)
        self.assertIs(status.OK_200.__eq__([200, "OK"]), NotImplemented)

    def test_W44_hashable_like_its_code(self):
        self.assertEqual(hash(status.OK_200), hash(200))
        self.assertEqual(hash(Status(404, "x")), hash(404))
        table = {status.OK_200: "ok"}
        self.assertEqual(table[Status(200, "OK")], "ok")
        self.assertIn(Status(404, "Not Found"), {status.NOT_FOUND_404})

    def test_tuple_converts_with_status_star(self):
        value = Status(*(201, "Created"))
        self.assertEqual(value, status.CREATED_201)


class TestExceptions(TestCase):
    def test_server_stopped_error(self):
        self.assertTrue(issubclass(ServerStoppedError, Exception))
        self.assertEqual(str(ServerStoppedError()), "")

    def test_authentication_error(self):
        message = "Request is not authenticated by any of the provided authentications"
        error = AuthenticationError(message)
        self.assertTrue(issubclass(AuthenticationError, Exception))
        self.assertEqual(str(error), message)
        self.assertIsNone(error.auths)
        error.auths = ["x"]
        self.assertEqual(error.auths, ["x"])
        self.assertIsNone(AuthenticationError().auths)

    def test_invalid_path_hierarchy(self):
        self.assertTrue(issubclass(InvalidPathError, Exception))
        self.assertTrue(issubclass(ParentDirectoryReferenceError, InvalidPathError))
        self.assertTrue(issubclass(BackslashInPathError, InvalidPathError))

    def test_parent_directory_message(self):
        error = ParentDirectoryReferenceError("/a/../b")
        self.assertEqual(str(error), "Parent directory reference in path: /a/../b")

    def test_backslash_message(self):
        self.assertEqual(str(BackslashInPathError("a\\b")), "Backslash in path: a\\b")

    def test_serving_files_disabled(self):
        self.assertTrue(issubclass(ServingFilesDisabledError, Exception))
        self.assertEqual(str(ServingFilesDisabledError()), "")

    def test_file_not_exists_is_not_an_os_error(self):
        error = FileNotExistsError("/static/missing.txt")
        self.assertEqual(str(error), "File does not exist: /static/missing.txt")
        self.assertFalse(isinstance(error, OSError))
        self.assertTrue(isinstance(error, Exception))

    def test_websocket_error(self):
        error = WebsocketError("bad frame", 1002)
        self.assertEqual(str(error), "WebSocket error: bad frame")
        self.assertEqual(error.code, 1002)
        self.assertIsNone(WebsocketError("x").code)
