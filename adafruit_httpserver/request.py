"""`Request`: what a handler gets. The server builds it from the parsed request head; the
body arrives before the handler is called (or is streamed, see ``Route``)."""

_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_FIELDS = ("File", "Files", "FormData", "QueryParams", "_debug_unsupported_form_content_type")


def __getattr__(name):
    # The field storages load on first use; user code still imports them from here.
    if name not in _FIELDS:
        raise AttributeError(name)
    from . import _fields  # pylint: disable=import-outside-toplevel

    return getattr(_fields, name)


class Request:  # pylint: disable=too-many-instance-attributes
    """An incoming HTTP request.

    ``path`` is percent-decoded and normalised (``.``/``..``/``//`` resolved);
    ``query_params`` values are decoded too."""

    # Read from the class until set: fewer attributes per request (RAM on a board).
    _body = b""
    _query_params = None
    _cookies = None
    _form_data = None
    _client = None  # the server's connection, when the server made this request
    _client_error = False  # a parse error of the body happened (a 400 if it escapes)
    _head_size = 0

    def __init__(self, server, connection, client_address, raw_request=None):
        if raw_request is None:
            raise ValueError("raw_request cannot be None")
        from . import _http  # pylint: disable=import-outside-toplevel

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
    def query_params(self):
        """The query string's parameters (``QueryParams``), percent-decoded."""
        if self._query_params is None:
            from ._fields import QueryParams  # pylint: disable=import-outside-toplevel

            self._query_params = QueryParams(self._query, debug=getattr(self.server, "debug", False))
        return self._query_params

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
        from ._fields import raw_request  # pylint: disable=import-outside-toplevel

        return raw_request(self)

    @property
    def cookies(self):
        """Cookies sent by the client, as a dict (a piece without ``=`` is ignored)."""
        if self._cookies is None:
            from ._fields import parse_cookies  # pylint: disable=import-outside-toplevel

            self._cookies = parse_cookies(self.headers.get("Cookie") or "")
        return self._cookies

    @property
    def form_data(self):
        """Parsed form fields and files of a POST, PUT, PATCH or DELETE, else None."""
        if self._form_data is None and self.method in _BODY_METHODS:
            from ._fields import FormData, client_error  # pylint: disable=import-outside-toplevel

            self._form_data = client_error(self, FormData, self._body, self.headers, debug=self.server.debug)
        return self._form_data

    def json(self):
        """The body parsed as JSON, or None when there is no body. Invalid JSON raises
        ``ValueError``; if the handler lets it escape, the client gets 400."""
        if not self._body:
            return None
        import json  # pylint: disable=import-outside-toplevel
        from ._fields import client_error  # pylint: disable=import-outside-toplevel

        return client_error(self, json.loads, self._body)

    def __repr__(self):
        query = str(self.query_params) if self._query else ""
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
    if "%" in path or "/." in path or "//" in path:
        from ._text import normalize_path  # pylint: disable=import-outside-toplevel

        path = normalize_path(path)
    request.path = path
    request._query = query
    request.headers = headers


def _from_parsed(server, client, method, target, version, headers, head_size):
    """Builds a Request from a head the connection has already parsed."""
    request = object.__new__(Request)
    _setup(request, server, client.sock, client.address, method, target, version, headers)
    request._client = client
    request._head_size = head_size
    return request
