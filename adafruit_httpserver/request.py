"""`Request`: what a handler gets. The server builds it from the parsed request head; the
body arrives before the handler is called (or is streamed, see ``Route``)."""

from . import _http
from ._fields import (  # noqa: F401  (re-exported: user code imports them from here)
    File,
    Files,
    FormData,
    QueryParams,
    _debug_unsupported_form_content_type,
)
from .headers import Headers

_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class Request:  # pylint: disable=too-many-instance-attributes
    """An incoming HTTP request.

    ``path`` is percent-decoded and normalised (``.``/``..``/``//`` resolved);
    ``query_params`` values are decoded too."""

    def __init__(self, server, connection, client_address, raw_request=None):
        if raw_request is None:
            raise ValueError("raw_request cannot be None")
        raw = bytes(raw_request)
        try:
            end = _http.find_head_end(raw, 0, len(raw))
            if end < 0:
                raise _http.HTTPError(400, "No blank line after the request head")
            method, target, version, headers = _http.parse_head(raw[:end])
            _setup(self, server, connection, client_address, method, target, version, headers)
        except ValueError as error:
            raise ValueError("Unparseable raw_request: ", raw_request) from error
        self._head_size = end
        self._body = raw[end:]

    @property
    def body(self):
        """The request body as bytes (empty when there is none)."""
        return self._body

    @body.setter
    def body(self, value):
        self._body = value

    @property
    def raw_request(self):
        """The request head (re-serialised) and body as bytes."""
        target = self._target
        lines = [self.method + " " + target + " " + self.http_version]
        for name, value in self.headers.original_items():
            lines.append(name + ": " + str(value))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + bytes(self._body or b"")

    @property
    def cookies(self):
        """Cookies sent by the client, as a dict (a piece without ``=`` is ignored)."""
        if self._cookies is None:
            cookies = {}
            for piece in (self.headers.get("Cookie") or "").split(";"):
                name, sep, value = piece.strip().partition("=")
                if sep and name:
                    value = value.strip()
                    if len(value) > 1 and value[0] == value[-1] == '"':
                        value = value[1:-1]
                    cookies[name.strip()] = value
            self._cookies = cookies
        return self._cookies

    @property
    def form_data(self):
        """Parsed form fields and files of a POST, PUT, PATCH or DELETE, else None."""
        if self._form_data is None and self.method in _BODY_METHODS:
            try:
                self._form_data = FormData(self._body, self.headers, debug=self.server.debug)
            except ValueError:
                self._client_error = True
                raise
        return self._form_data

    def json(self):
        """The body parsed as JSON, or None when there is no body. Invalid JSON raises
        ``ValueError``; if the handler lets it escape, the client gets 400."""
        if not self._body:
            return None
        import json  # pylint: disable=import-outside-toplevel

        try:
            return json.loads(self._body)
        except ValueError:
            self._client_error = True
            raise

    def __repr__(self):
        query = str(self.query_params)
        target = self.path + ("?" + query if query else "")
        return '<Request "%s %s">' % (self.method, target)


def _setup(request, server, connection, client_address, method, target, version, headers):
    request.server = server
    request.connection = connection
    request.client_address = client_address
    request.method = method
    request.http_version = version
    request._target = target
    path, _, query = target.partition("?")
    if "://" in path:  # absolute-form target
        slash = path.find("/", path.find("://") + 3)
        path = path[slash:] if slash >= 0 else "/"
    request.path = _http.normalize_path(path) if path != "*" else path
    debug = getattr(server, "debug", False)
    request.query_params = QueryParams(query, debug=debug)
    request.headers = Headers()
    for name, value in headers:
        request.headers.add(name, value)
    request._body = b""
    request._cookies = None
    request._form_data = None
    request._client = None
    request._client_error = False
    request._head_size = 0


def _from_parsed(server, client, method, target, version, headers, head_size):
    """Builds a Request from a head the connection has already parsed."""
    request = object.__new__(Request)
    _setup(request, server, client.sock, client.address, method, target, version, headers)
    request._client = client
    request._head_size = head_size
    return request
