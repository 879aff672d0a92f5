"""Exceptions raised by the library. Messages are part of the public contract."""


class ServerStoppedError(Exception):
    """Raised by ``Server.poll()`` when the server is stopped."""


class AuthenticationError(Exception):
    """Raised by ``require_authentication()`` when no authentication matches.

    ``auths`` holds the authentications that were checked (``None`` when raised elsewhere);
    the server uses it to choose the ``WWW-Authenticate`` challenge."""

    auths = None


class InvalidPathError(Exception):
    """Base class for rejected file paths."""


class ParentDirectoryReferenceError(InvalidPathError):
    """A path contains a ``..`` segment."""

    def __init__(self, path):
        super().__init__("Parent directory reference in path: %s" % (path,))


class BackslashInPathError(InvalidPathError):
    """A path contains a backslash."""

    def __init__(self, path):
        super().__init__("Backslash in path: %s" % (path,))


class ServingFilesDisabledError(Exception):
    """No route matched and the server has no ``root_path``."""


class FileNotExistsError(Exception):
    """The requested file does not exist (or is not a regular file)."""

    def __init__(self, path):
        super().__init__("File does not exist: %s" % (path,))


class WebsocketError(Exception):
    """A websocket protocol error; ``code`` is the close code to send (or ``None``)."""

    def __init__(self, message, code=None):
        super().__init__("WebSocket error: %s" % (message,))
        self.code = code
