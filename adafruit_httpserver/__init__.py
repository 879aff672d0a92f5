"""A drop-in, non-blocking HTTP/1.1 server for CircuitPython, MicroPython and CPython,
compatible with the ``adafruit_httpserver`` 4.8.2 API.

Names are imported from their modules on first use, so ``from adafruit_httpserver import
Server, Request, Response`` loads only what those need."""

__version__ = "4.8.2"
__repo__ = "https://github.com/adafruit/Adafruit_CircuitPython_HTTPServer.git"

# module, then the names it provides (one string: a dict would cost more RAM on a board)
_WHERE = (
    "authentication Basic Bearer Token check_authentication require_authentication\n"
    "exceptions AuthenticationError BackslashInPathError FileNotExistsError InvalidPathError"
    " ParentDirectoryReferenceError ServerStoppedError ServingFilesDisabledError\n"
    "headers Headers\n"
    "mime_types MIMETypes\n"
    "request FormData QueryParams Request\n"
    "response Response ChunkedResponse FileResponse JSONResponse Redirect SSEResponse Websocket"
    " MultipartMixedReplaceResponse\n"
    "route Route as_route\n"
    "server Server NO_REQUEST CONNECTION_TIMED_OUT REQUEST_HANDLED_NO_RESPONSE"
    " REQUEST_HANDLED_RESPONSE_SENT\n"
    "methods CONNECT DELETE GET HEAD OPTIONS PATCH POST PUT TRACE"
)


def __getattr__(name):
    module = None
    for line in _WHERE.split("\n"):
        words = line.split(" ")
        if name in words[1:]:
            module = words[0]
            break
    if module is None and (name == "Status" or name[-4:-3] == "_" and name[-3:].isdigit()):
        module = "status"
    if module is None:
        # MicroPython resolves "from . import submodule" through this function.
        try:
            return __import__("adafruit_httpserver." + name, None, None, [name])
        except ImportError:
            raise AttributeError("module 'adafruit_httpserver' has no attribute '%s'" % name) from None
    value = getattr(__import__("adafruit_httpserver." + module, None, None, [name]), name)
    globals()[name] = value
    return value
