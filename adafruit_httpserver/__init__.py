"""A drop-in, non-blocking HTTP/1.1 server for CircuitPython, MicroPython and CPython,
compatible with the ``adafruit_httpserver`` 4.8.2 API.

Names are imported from their modules on first use, so ``from adafruit_httpserver import
Server, Request, Response`` loads only what those need."""

__version__ = "4.8.2"
__repo__ = "https://github.com/adafruit/Adafruit_CircuitPython_HTTPServer.git"

_WHERE = {
    "Basic": "authentication",
    "Bearer": "authentication",
    "Token": "authentication",
    "check_authentication": "authentication",
    "require_authentication": "authentication",
    "AuthenticationError": "exceptions",
    "BackslashInPathError": "exceptions",
    "FileNotExistsError": "exceptions",
    "InvalidPathError": "exceptions",
    "ParentDirectoryReferenceError": "exceptions",
    "ServerStoppedError": "exceptions",
    "ServingFilesDisabledError": "exceptions",
    "Headers": "headers",
    "MIMETypes": "mime_types",
    "FormData": "request",
    "QueryParams": "request",
    "Request": "request",
    "Response": "response",
    "ChunkedResponse": "response",
    "FileResponse": "response",
    "JSONResponse": "response",
    "Redirect": "response",
    "SSEResponse": "response",
    "Websocket": "response",
    "Route": "route",
    "as_route": "route",
    "Server": "server",
    "NO_REQUEST": "server",
    "CONNECTION_TIMED_OUT": "server",
    "REQUEST_HANDLED_NO_RESPONSE": "server",
    "REQUEST_HANDLED_RESPONSE_SENT": "server",
}
_METHODS = ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


def __getattr__(name):
    if name in _METHODS:
        module = "methods"
    elif name == "Status" or name[-4:-3] == "_" and name[-3:].isdigit():
        module = "status"
    else:
        module = _WHERE.get(name)
        if module is None:
            # MicroPython resolves "from . import submodule" through this function.
            try:
                return __import__("adafruit_httpserver." + name, None, None, [name])
            except ImportError:
                raise AttributeError("module 'adafruit_httpserver' has no attribute '%s'" % name) from None
    value = getattr(__import__("adafruit_httpserver." + module, None, None, [name]), name)
    globals()[name] = value
    return value
