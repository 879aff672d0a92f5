"""HTTP status codes and reason phrases."""


class Status:
    """An HTTP status: a numeric ``code`` and its reason phrase ``text``.

    Compares equal to another ``Status`` with the same code and text, to a ``(code, text)``
    tuple, and to an ``int`` equal to its code. Hashes like its code."""

    def __init__(self, code, text):
        self.code = code
        self.text = text

    def __eq__(self, other):
        if isinstance(other, Status):
            return self.code == other.code and self.text == other.text
        if isinstance(other, tuple):
            return len(other) == 2 and self.code == other[0] and self.text == other[1]
        if isinstance(other, int) and not isinstance(other, bool):
            return self.code == other
        return NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        if result is NotImplemented:
            return result
        return not result

    def __hash__(self):
        return hash(self.code)

    def __repr__(self):
        return '<Status %s, "%s">' % (self.code, self.text)

    def __str__(self):
        return "%s %s" % (self.code, self.text)


SWITCHING_PROTOCOLS_101 = Status(101, "Switching Protocols")
OK_200 = Status(200, "OK")
CREATED_201 = Status(201, "Created")
ACCEPTED_202 = Status(202, "Accepted")
NO_CONTENT_204 = Status(204, "No Content")
PARTIAL_CONTENT_206 = Status(206, "Partial Content")
MOVED_PERMANENTLY_301 = Status(301, "Moved Permanently")
FOUND_302 = Status(302, "Found")
TEMPORARY_REDIRECT_307 = Status(307, "Temporary Redirect")
PERMANENT_REDIRECT_308 = Status(308, "Permanent Redirect")
BAD_REQUEST_400 = Status(400, "Bad Request")
UNAUTHORIZED_401 = Status(401, "Unauthorized")
FORBIDDEN_403 = Status(403, "Forbidden")
NOT_FOUND_404 = Status(404, "Not Found")
METHOD_NOT_ALLOWED_405 = Status(405, "Method Not Allowed")
TOO_MANY_REQUESTS_429 = Status(429, "Too Many Requests")
INTERNAL_SERVER_ERROR_500 = Status(500, "Internal Server Error")
NOT_IMPLEMENTED_501 = Status(501, "Not Implemented")
SERVICE_UNAVAILABLE_503 = Status(503, "Service Unavailable")
