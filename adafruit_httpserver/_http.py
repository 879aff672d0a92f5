"""Sans-IO HTTP/1.x pieces: finding and parsing a request head, deciding body framing and
persistence, percent-decoding. Bytes in, values out; no sockets here.

Text from the client is sliced, never indexed or iterated character by character:
MicroPython keeps every character it gets that way for good (it interns them), so a client
sending new characters would fill a board's heap."""

from ._compat import CPYTHON, const
from .headers import TOKEN_CHARS as _TOKEN, Headers


NO_BODY = const(0)
LENGTH = const(1)
CHUNKED = const(2)

# Reason phrases of the answers the server makes itself (one string: a dict would cost
# more RAM on a board).
_REASONS = (
    "|100 Continue|400 Bad Request|404 Not Found|405 Method Not Allowed|408 Request Timeout"
    "|409 Conflict|411 Length Required|413 Content Too Large|414 URI Too Long|416 Range Not Satisfiable"
    "|417 Expectation Failed|431 Request Header Fields Too Large|500 Internal Server Error"
    "|501 Not Implemented|503 Service Unavailable|505 HTTP Version Not Supported|"
)


def reason(status, default="Error"):
    """The reason phrase for ``status``, or ``default``."""
    start = _REASONS.find("|%d " % status)
    return _REASONS[start + 5 : _REASONS.find("|", start + 1)] if start >= 0 else default


class HTTPError(ValueError):
    """A request the server must refuse with ``status``; ``message`` says why."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def is_token(text):
    # strip() removes every leading and trailing token character, in C: nothing is left
    # exactly when every character is one.
    return bool(text) and not text.strip(_TOKEN)


def _has_control(value):
    """True when ``value`` holds a control character other than tab (or DEL)."""
    if _isprintable is not None and _isprintable(value):
        return False  # the common case, checked in C where the runtime can
    for byte in value.encode("utf-8"):  # (UTF-8 sequences have no byte below 0x80)
        if byte < 32 and byte != 9 or byte == 127:
            return True
    return False


_isprintable = getattr(str, "isprintable", None)


def find_head_end(buf, start, end):
    """Index just past the blank line that ends a request head in ``buf[:end]``, or -1.

    ``start`` lets a caller resume where the previous search stopped (minus 3 bytes, since
    the terminator may straddle two reads). Bare-LF line endings are accepted."""
    crlf = buf.find(b"\n\r\n", start, end)
    lf = buf.find(b"\n\n", start, crlf + 1 if crlf >= 0 else end)
    if lf >= 0:
        return lf + 2
    return crlf + 3 if crlf >= 0 else -1


def parse_head(data):
    """Parses a request head (request line and header lines, with the blank line that ends
    it). Returns ``(method, target, version, headers)`` where headers is a ``Headers``.
    Raises ``HTTPError`` with 400 or 505."""
    raw = bytes(data)
    try:
        text = raw.decode("utf-8")
    except UnicodeError:
        raise HTTPError(400, "Request head is not valid UTF-8") from None
    # A head whose only control characters are the CRLFs ending its lines is checked in a
    # few C calls; any other (bare LFs, a tab in a value, a control character) takes the
    # line-by-line way.
    clean = raw.endswith(b"\r\n\r\n")
    if clean and _plain is not None:
        parsed = _plain.parse(text)
        if parsed is not None:
            return parsed
        clean = _plain.is_clean(raw)
    elif clean:  # (MicroPython, CircuitPython) the smallest byte tells
        rest = raw[:-4].replace(b"\r\n", b"")
        clean = bool(rest) and min(rest) > 31 and b"\x7f" not in rest
    if clean:
        lines = text[:-4].split("\r\n")
    else:
        # Cut at the blank line that ends the head (LF LF or LF CR LF): no line is empty.
        text = text[:-2] if text[-2:] == "\n\n" else text[:-3]
        lines = [line[:-1] if line[-1:] == "\r" else line for line in text.split("\n")]
    request_line = lines[0]
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise HTTPError(400, "Malformed request line")
    method, target, version = parts
    if not method or method.strip(_TOKEN):
        raise HTTPError(400, "Malformed method")
    if not (target[:1] == "/" or target == "*" or "://" in target):
        raise HTTPError(400, "Malformed request target")
    if not clean and ("\t" in target or _has_control(target)):  # (no spaces: split on them)
        raise HTTPError(400, "Malformed request target")
    if version != "HTTP/1.1" and version != "HTTP/1.0":
        major, dot, minor = version[5:6], version[6:7], version[7:8]
        if len(version) != 8 or not version.startswith("HTTP/") or dot != ".":
            raise HTTPError(400, "Malformed HTTP version")
        if not (major.isdigit() and minor.isdigit()):
            raise HTTPError(400, "Malformed HTTP version")
        if major != "1":
            raise HTTPError(505, "Only HTTP/1.0 and HTTP/1.1 are supported")
    headers = Headers()
    add_lines(headers, lines, clean)
    return method, target, version, headers


def add_lines(headers, lines, clean):
    """Adds the header lines ``lines[1:]`` to ``headers``; raises HTTPError (400) for a
    malformed one. ``clean``: no line holds a control character."""
    # Filled here directly rather than through Headers.add: this runs for every request.
    storage = headers._storage  # pylint: disable=protected-access
    keys = headers._keys  # pylint: disable=protected-access
    names = headers._names  # pylint: disable=protected-access
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name.strip(_TOKEN):
            if line[:1] in " \t":  # (line is not empty here)
                raise HTTPError(400, "Obsolete header line folding is not accepted")
            raise HTTPError(400, "Malformed header line")
        if not clean and _has_control(line):  # (the name is a token: this looks at the value)
            raise HTTPError(400, "Control character in header value")
        value = value.strip(" \t")
        key = name.lower()
        values = storage.get(key)
        if values is None:
            storage[key] = [value]
            keys.append(key)
            if key != name:
                names[key] = name
        else:
            values.append(value)


# CPython's shortcuts for the common request (see _plain.py); a board is spared the code.
if CPYTHON:
    from . import _plain  # pylint: disable=cyclic-import

    HeadLines = _plain.HeadLines
else:
    _plain = HeadLines = None  # type: ignore[assignment]


def body_framing(headers):
    """How the request body is delimited: ``(NO_BODY, 0)``, ``(LENGTH, n)`` or
    ``(CHUNKED, None)``. ``headers`` is a ``Headers``. Raises ``HTTPError`` (400, 501)."""
    if type(headers) is HeadLines and headers._text is not None:  # pylint: disable=protected-access,unidiomatic-typecheck
        return NO_BODY, 0  # (parse_head left them unparsed: no body)
    present = headers._storage  # pylint: disable=protected-access
    if "content-length" not in present and "transfer-encoding" not in present:
        return NO_BODY, 0
    encodings = headers.get_list("Transfer-Encoding")
    lengths = headers.get_list("Content-Length")
    if encodings:
        if lengths:
            raise HTTPError(400, "Both Transfer-Encoding and Content-Length were sent")
        codings = [c.strip().lower() for c in ",".join(encodings).split(",") if c.strip()]
        if codings != ["chunked"]:
            raise HTTPError(501, "Unsupported Transfer-Encoding: " + ", ".join(encodings))
        return CHUNKED, None
    if not lengths:
        return NO_BODY, 0
    values = set(v.strip() for v in ",".join(lengths).split(","))
    if len(values) != 1:
        raise HTTPError(400, "Conflicting Content-Length values")
    value = values.pop()
    if not value.isdigit() or len(value) > 15:
        raise HTTPError(400, "Malformed Content-Length")
    length = int(value)
    return (LENGTH, length) if length else (NO_BODY, 0)


def wants_keep_alive(version, headers):
    """Whether the client allows the connection to stay open after this exchange."""
    if type(headers) is HeadLines and headers._text is not None:  # pylint: disable=protected-access,unidiomatic-typecheck
        text = headers._connection  # pylint: disable=protected-access
    else:
        values = headers._storage.get("connection")  # pylint: disable=protected-access
        text = None if values is None else ",".join(values).lower()
    if text is None:
        return version != "HTTP/1.0"
    tokens = [token.strip() for token in text.split(",")] if "," in text else [text.strip()]
    if "close" in tokens:
        return False
    if version == "HTTP/1.0":
        return "keep-alive" in tokens
    return True


def check_header(name, value):
    """Raises ``ValueError`` unless ``name`` is an RFC 9110 token and ``value`` (as text)
    contains no CR, LF or NUL. ``None`` values are accepted (they are not sent)."""
    if not isinstance(name, str) or not is_token(name):
        raise ValueError("Invalid header name %r: only RFC 9110 token characters are allowed" % (name,))
    if value is None:
        return
    text = value if isinstance(value, str) else str(value)
    if "\r" in text or "\n" in text or "\x00" in text:
        raise ValueError(
            "Invalid value for header %s: %r (CR, LF and NUL are not allowed)" % (name, text)
        )
