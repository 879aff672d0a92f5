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

    def __hash__(self):
        return hash(self.code)

    def __repr__(self):
        return '<Status %s, "%s">' % (self.code, self.text)

    def __str__(self):
        return "%s %s" % (self.code, self.text)


# The constants (``OK_200``, ``NOT_FOUND_404``, ...) are made on first use, so a board
# pays only for the ones its code names.
_REASONS = (
    "101 Switching Protocols|"
    "200 OK|"
    "201 Created|"
    "202 Accepted|"
    "204 No Content|"
    "206 Partial Content|"
    "301 Moved Permanently|"
    "302 Found|"
    "307 Temporary Redirect|"
    "308 Permanent Redirect|"
    "400 Bad Request|"
    "401 Unauthorized|"
    "403 Forbidden|"
    "404 Not Found|"
    "405 Method Not Allowed|"
    "429 Too Many Requests|"
    "500 Internal Server Error|"
    "501 Not Implemented|"
    "503 Service Unavailable|"
)


def __getattr__(name):
    code = name[-3:]
    start = _REASONS.find(code + " ") if name[-4:-3] == "_" and code.isdigit() else -1
    if start < 0:
        raise AttributeError(name)
    text = _REASONS[start + 4 : _REASONS.find("|", start)]
    if name != text.upper().replace(" ", "_").replace("-", "_") + "_" + code:
        raise AttributeError(name)
    status = Status(int(code), text)
    globals()[name] = status
    return status
