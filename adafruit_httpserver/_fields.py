"""Query parameters and form data: ``QueryParams``, ``File``, ``Files`` and ``FormData``.

``adafruit_httpserver.request`` re-exports these names."""

from .headers import Headers
from .interfaces import _IFieldStorage, _IXSSSafeFieldStorage

def _decode_utf8(data):
    """``data`` as text: UTF-8, or (for invalid UTF-8) one character per byte."""
    try:
        return str(data, "utf-8")
    except UnicodeError:
        return "".join([chr(byte) for byte in data])


def _unquote(text):
    """Form/query decoding: percent-escapes decoded and ``+`` as a space; if the result is
    not valid UTF-8, the text with only ``+`` replaced."""
    from ._text import percent_decode  # pylint: disable=import-outside-toplevel

    try:
        return percent_decode(text, plus_is_space=True)
    except ValueError:
        return text.replace("+", " ")


def _add_pairs(storage, text):
    """Adds the ``name=value`` pairs of ``text`` (``&``-separated, decoded) to ``storage``;
    empty segments are skipped and a name without ``=`` gets ``""``."""
    for segment in text.split("&"):
        if not segment:
            continue
        name, equals, value = segment.partition("=")
        storage._add_field_value(_unquote(name), _unquote(value) if equals else "")  # pylint: disable=protected-access


def _debug_unsupported_form_content_type(content_type):
    """Printed in debug mode when a form body has a content type that is not parsed."""
    print(
        "WARNING: Unsupported Content-Type: %s. Only `application/x-www-form-urlencoded`, "
        "`multipart/form-data` and `text/plain` form bodies are parsed." % (content_type,)
    )


class QueryParams(_IXSSSafeFieldStorage):
    """The parameters of a query string. Names and values are percent-decoded and ``+`` is
    a space; empty segments are skipped; a name without ``=`` gets the value ``""``."""

    def __init__(self, query_string, *, debug=False):
        super().__init__()
        self.debug = debug
        if query_string:
            _add_pairs(self, query_string)

    def __str__(self):
        return "&".join([name + "=" + str(value) for name, value in self.items()])


class File:
    """An uploaded file: ``filename``, ``content_type`` and ``content`` (``str`` for
    ``text/plain`` files that are valid UTF-8, otherwise ``bytes``)."""

    def __init__(self, filename, content_type, content, *, path=None, size=None):
        self.filename = filename
        self.content_type = content_type
        self.content = content
        self.path = path
        """Where a streamed upload was saved (``Server.route(files_to=...)``), else None."""
        self._size = size

    @property
    def content_bytes(self):
        """The content as bytes (UTF-8 encoded when it is text)."""
        content = self.content
        return content.encode("utf-8") if isinstance(content, str) else content

    @property
    def size(self):
        """The size of the content in bytes."""
        if self.content is None:
            return self._size or 0
        return len(self.content_bytes)

    def __repr__(self):
        return "<File filename=%r, content_type=%r, size=%d>" % (
            self.filename,
            self.content_type,
            self.size,
        )


class Files(_IFieldStorage):
    """Uploaded ``File`` objects keyed by form field name (values are not escaped)."""


def _content_length(headers, available):
    """How many bytes of the body belong to the form: the Content-Length when it is a valid
    number (at most ``available``), otherwise all of it."""
    value = headers.get_directive("Content-Length")
    if value is not None:
        value = value.strip()
        if value and not value.strip("0123456789"):
            number = int(value)
            if number < available:
                return number
    return available


class FormData(_IXSSSafeFieldStorage):
    """The fields of a form body (urlencoded, multipart or text/plain), plus the uploaded
    ``files``. Text values are HTML-escaped by ``get``/``get_list`` unless ``safe=False``."""

    def __init__(self, data, headers, *, debug=False):
        super().__init__()
        self.debug = debug
        if headers is None:
            headers = Headers()
        self.content_type = headers.get_directive("Content-Type")
        self.files = Files()
        if data is None:
            data = b""
        elif not isinstance(data, bytes):
            data = bytes(data)
        length = _content_length(headers, len(data))
        if length < len(data):
            data = data[:length]

        enctype = (self.content_type or "").lower()
        if enctype == "application/x-www-form-urlencoded":
            self._parse_urlencoded(data)
        elif enctype == "multipart/form-data":
            if data:
                self._parse_multipart(data, headers.get_parameter("Content-Type", "boundary"))
        elif enctype == "text/plain":
            self._parse_text_plain(data)
        elif debug:
            _debug_unsupported_form_content_type(self.content_type)

    def _parse_urlencoded(self, data):
        _add_pairs(self, _decode_utf8(data))

    def _parse_text_plain(self, data):
        for line in _decode_utf8(data).split("\n"):
            if line.endswith("\r"):
                line = line[:-1]
            equals = line.find("=")
            if equals < 0:
                continue
            self._add_field_value(line[:equals], line[equals + 1 :])

    def _parse_multipart(self, data, boundary):
        if not boundary:
            raise ValueError("Malformed multipart body: no boundary in Content-Type")
        dash = b"--" + boundary.encode("utf-8")
        delimiter = b"\r\n" + dash
        if data.startswith(dash) and _is_delimiter(data, len(dash)):
            position = 0
        else:
            position = _find_delimiter(data, delimiter, 0)
            if position < 0:
                raise ValueError("Malformed multipart body: no boundary delimiter found")
            position += 2  # skip the CRLF that belongs to the preamble
        size = len(data)
        while True:
            position += len(dash)
            if data[position : position + 2] == b"--":
                return  # close delimiter
            # transport padding, then the line break that ends the delimiter line
            while position < size and data[position] in (32, 9):
                position += 1
            if data[position : position + 2] == b"\r\n":
                position += 2
            elif data[position : position + 1] == b"\n":
                position += 1
            else:
                return  # truncated after a delimiter
            end = _find_delimiter(data, delimiter, position)
            if end < 0:
                return  # an unterminated last part is dropped
            self._add_part(data[position:end])
            position = end + 2

    def _add_part(self, part):
        if part.startswith(b"\r\n"):
            head, body = "", part[2:]
        else:
            split = part.find(b"\r\n\r\n")
            if split < 0:
                return  # no blank line: not a valid part
            head, body = _decode_utf8(part[:split]), part[split + 4 :]
        try:
            headers = Headers(head)
        except ValueError:
            return
        name = headers.get_parameter("Content-Disposition", "name")
        if name is None:
            return
        filename = headers.get_parameter("Content-Disposition", "filename")
        part_type = headers.get_directive("Content-Type")
        if filename is not None:
            part_type = part_type or "text/plain"
            content = _maybe_text(body) if part_type.lower() == "text/plain" else body
            self.files._add_field_value(name, File(filename, part_type, content))
        elif part_type is None or part_type.lower().startswith("text/"):
            self._add_field_value(name, _maybe_text(body))
        else:
            self._add_field_value(name, body)

    def __repr__(self):
        return "<FormData " + self._dict_repr() + ", files=" + self.files._dict_repr() + ">"


def _maybe_text(body):
    try:
        return str(body, "utf-8")
    except UnicodeError:
        return body


def _find_delimiter(data, delimiter, start):
    """The index of the next real delimiter (``delimiter`` followed by ``--``, spaces/tabs
    or a line break), or -1."""
    while True:
        index = data.find(delimiter, start)
        if index < 0 or _is_delimiter(data, index + len(delimiter)):
            return index
        start = index + 1


def _is_delimiter(data, end):
    """True when the boundary text ending at ``end`` is a delimiter: followed by ``--``,
    spaces/tabs, a line break or the end of the data."""
    after = data[end : end + 2]
    return not after or after == b"--" or after[0] in (13, 10, 32, 9)


def client_error(request, parse, *args, **kwargs):
    """Runs a parser over what the client sent; if it raises ``ValueError``, the request is
    marked so that the server answers 400 (not 500) should the handler let it escape."""
    try:
        return parse(*args, **kwargs)
    except ValueError:
        request._client_error = True
        raise


def parse_cookies(header):
    """``name=value; ...`` as a dict; pieces without ``=`` are ignored, quotes removed."""
    cookies = {}
    for piece in header.split(";"):
        name, sep, value = piece.strip().partition("=")
        if sep and name:
            value = value.strip()
            if len(value) > 1 and value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            cookies[name.strip()] = value
    return cookies


def raw_request(request):
    """The request head (re-serialised) and body, as bytes."""
    lines = [request.method + " " + request._target + " " + request.http_version]
    for name, value in request.headers.original_items():
        lines.append(name + ": " + str(value))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + bytes(request._body or b"")
