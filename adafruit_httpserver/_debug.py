"""Debug output of ``Server(debug=True)``. These functions are reached as
``adafruit_httpserver.server._debug_*`` (loaded on first use); assign your own function to
one of those names to customise the output."""


def _debug_warning_exposed_files(root_path):
    print(
        "WARNING: Setting root_path to '%s' will expose all files on your device through the "
        "webserver, including settings.toml with your Wi-Fi password. Consider a subdirectory "
        "such as '/static'." % root_path
    )


def _debug_started_server(server):
    scheme = "https" if server.https else "http"
    print("Started development server on %s://%s:%s" % (scheme, server.host, server.port))


def _debug_response_sent(response, elapsed_seconds):
    request = response._request
    client_ip = request.client_address[0] if request.client_address else "?"
    query = str(request.query_params) if request._query else ""  # (no query: no parser)
    target = request.path + ("?" + query if query else "")
    request_size = request._head_size + len(request._body or b"")
    status = response._status
    print(
        '%s -- "%s %s" %d -- "%d %s" %d -- %dms'
        % (
            client_ip,
            request.method,
            target,
            request_size,
            status.code,
            status.text,
            response._size,
            round(elapsed_seconds * 1000),
        )
    )


def _debug_stopped_server(server):  # pylint: disable=unused-argument
    print("Stopped development server")


def _debug_exception_in_handler(error):
    from ._compat import print_exception  # pylint: disable=import-outside-toplevel

    print_exception(error)
