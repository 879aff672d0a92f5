"""Routing and dispatch for the engine: a request head has arrived, find what answers it
(route, static file, 401/404/405/OPTIONS), receive its body the way the route wants, call
the handler and start its response; errors become 4xx/500 answers."""

from . import _http
from . import server as _server_module
from ._states import BODY, CLOSED, RESPOND, STREAM
from .methods import GET, HEAD as HEAD_METHOD, OPTIONS
from .request import _from_parsed
from .response import Response
from ._http import _plain

# Ranks of what poll() reports (see server._RESULTS).
_NO_RESPONSE = 2
_SENT = 3


class Dispatch:
    """Mixed into ``Engine`` (which provides ``server`` and ``dispatching``)."""

    def _begin(self, client, head, now):
        """A request head has arrived: route it, then read its body or answer at once."""
        server = self.server
        method, target, version, header_list, head_size = head
        try:
            request = _from_parsed(server, client, method, target, version, header_list, head_size)
            framing, length = _http.body_framing(request.headers)
        except _http.HTTPError as error:
            client.reject(error.status, error.message)
            return 0
        client.request = request
        client.started = now
        client.keep_alive = _http.wants_keep_alive(version, request.headers)
        client.head_only = method == HEAD_METHOD  # whatever answers, no body goes out
        client.handler, client.params, route = self._resolve(request, client)
        streamed = route is not None and (route.body_to is not None or route.files_to is not None)
        if streamed and framing == _http.NO_BODY and method in ("POST", "PUT", "PATCH"):
            framing = _http.LENGTH  # an empty upload still replaces what body_to names
        if framing == _http.NO_BODY:
            return self._dispatch(client, now)
        if client.handler is None:
            # Answered without reading the body, so the connection cannot be reused.
            client.keep_alive = False
            client.linger = True
            return self._dispatch(client, now)
        expect = request.headers.get("Expect")
        if expect is not None and expect.lower() != "100-continue":
            client.reject(417, "Only 100-continue is supported")
            return 0
        limit = route.max_body_size if route is not None else None
        if limit is None and not streamed:
            limit = server.max_body_size
        if framing == _http.LENGTH and limit is not None and length > limit:
            client.reject(413, "Request body larger than %d bytes" % limit)
            return 0
        sink = None
        if streamed:
            try:
                sink = self._open_sink(request, route)
            except _http.HTTPError as error:
                client.reject(error.status, error.message)
                return 0
            except Exception as error:  # pylint: disable=broad-except
                from ._answers import translate  # pylint: disable=import-outside-toplevel

                answer = translate(self, request, error)
                if answer is None:
                    self._fail(client, error, now)
                    raise
                sink = answer
            if isinstance(sink, Response):  # the route refused the body unread
                client.handler, client.params = None, sink
                client.keep_alive = False
                client.linger = True
                return self._dispatch(client, now)
        if expect is not None:
            client.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        client.start_body(length if framing == _http.LENGTH else None, limit, sink, now)
        if client.state != BODY:
            return 0  # refused (no memory for the body)
        return self._read_body(client, now)

    def _read_body(self, client, now):
        try:
            complete = client.read_body(now)
        except Exception as error:  # pylint: disable=broad-except
            self._fail(client, error, now)  # the route's writer failed
            raise
        return self._dispatch(client, now) if complete else 0

    def _open_sink(self, request, route):
        from ._body import open_sink  # pylint: disable=import-outside-toplevel

        return open_sink(request, route, self.server.max_body_size)

    def _resolve(self, request, client):
        """What answers ``request``: ``(handler, params, route)``; a None handler means an
        early answer (401, 404, 405, OPTIONS), which is then in ``params``."""
        server = self.server
        if server._auths:
            from .authentication import check_authentication  # pylint: disable=import-outside-toplevel

            if not check_authentication(request, server._auths):
                from ._answers import unauthorized  # pylint: disable=import-outside-toplevel

                return None, unauthorized(request, server._auths), None
        method = request.method
        allowed = []
        fallback = None
        for route in server._routes:
            params = route.match_path(request.path)
            if params is None:
                continue
            if method in route.methods:
                return route.handler, params, route
            if fallback is None and method == HEAD_METHOD and GET in route.methods:
                fallback = (route.handler, params, route)
            for name in route.methods:
                if name not in allowed:
                    allowed.append(name)
        if fallback is not None:
            return fallback
        if not allowed:
            if server.root_path is None:
                if method == OPTIONS and request.path == "*":
                    from ._answers import options  # pylint: disable=import-outside-toplevel

                    return None, options(request, None, server._routes), None
                return None, self._not_found(request, None), None
            if method in (GET, HEAD_METHOD):
                return _serve_file, {}, None
            allowed = [GET]
        if GET in allowed and HEAD_METHOD not in allowed:
            allowed.append(HEAD_METHOD)
        if OPTIONS not in allowed:
            allowed.append(OPTIONS)
        if method == OPTIONS:
            from ._answers import options  # pylint: disable=import-outside-toplevel

            return None, options(request, allowed), None
        answer = Response(
            request,
            "Method Not Allowed",
            status=(405, "Method Not Allowed"),
            headers={"Allow": ", ".join(sorted(allowed))},
        )
        return None, answer, None

    def _not_found(self, request, error):
        if not self.server.debug:
            body = "File not found"
        elif error is None:
            body = "No route for %s and file serving is disabled" % request.path
        else:
            body = "File not found: %s" % request.path
        return Response(request, body, status=(404, "Not Found"))

    def _dispatch(self, client, now):
        """Calls the handler and starts writing its response."""
        server = self.server
        request = client.request
        handler, params = client.handler, client.params
        client.handler = client.params = None
        client.state = RESPOND
        self.dispatching = True
        try:
            if client.sink is not None:
                sink, client.sink = client.sink, None
                try:
                    sink.close(request)
                except BaseException:
                    sink.abort()  # the body did not end well: nothing half-written stays
                    raise
            elif client.body is not None:
                request._body = client.take_body()
            if handler is None:
                response = params
            else:
                try:
                    response = handler(request, **params)
                except Exception as error:  # pylint: disable=broad-except
                    from ._answers import translate  # pylint: disable=import-outside-toplevel

                    response = translate(self, request, error)
                    if response is None:
                        raise
            if response is None:
                client.keep_alive = False
                client.finishing = True
                self.dispatching = False
                client.flush(now)
                return _NO_RESPONSE
            client.response = response
            if server._headers._keys:  # pylint: disable=protected-access
                for name, value in server._headers.original_items():
                    response._headers.setdefault(name, value)
            elif (
                _plain is not None
                and type(response) is Response  # pylint: disable=unidiomatic-typecheck
                and response._request is request  # pylint: disable=protected-access
                and not response._headers._keys  # pylint: disable=protected-access
                and not response._cookies  # pylint: disable=protected-access
            ):
                body = response._body  # pylint: disable=protected-access
                if isinstance(body, str):
                    body = body.encode("utf-8")
                if type(body) is bytes and _plain.send(client, response, body, now):  # pylint: disable=unidiomatic-typecheck
                    return _SENT
            response._send()
        except _http.HTTPError as error:  # e.g. a malformed multipart body
            self.dispatching = False
            client.reject(error.status, error.message)
            client.flush(now)
            return 0
        except Exception as error:  # pylint: disable=broad-except
            self._fail(client, error, now)
            raise
        finally:
            self.dispatching = False
        if client.state == RESPOND and not client.finishing:
            # Headers sent and the response stays open (SSE, MJPEG): the server keeps
            # flushing what its owner writes.
            client.state = STREAM
            client.keep_alive = False
            client.release_buffer()  # input is only watched for EOF now
            self.response_done(client, now)
        return _SENT  # the engine flushes the response next, within this poll's send budget

    def _fail(self, client, error, now):
        """A handler, response or route writer raised: answer 500 if nothing has been
        sent yet, else close; poll() then re-raises the error."""
        self.dispatching = False
        if self.server.debug:
            _server_module._debug_exception_in_handler(error)
        if client.state == CLOSED:
            return
        if client.head_sent:
            client.close()
        else:
            client.reject(500, "Internal Server Error")
            client.flush(now)


def _serve_file(request):
    """Static files under ``root_path``: ``index.html`` for ``/dir/``, 301 for ``/dir``
    (see ``_files.serve_path``)."""
    from ._files import serve_path  # pylint: disable=import-outside-toplevel

    return serve_path(request)
