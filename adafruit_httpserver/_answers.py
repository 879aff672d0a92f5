"""Answers the server makes without a handler that most requests never need, loaded the
first time one is: 401 when authentication fails, the answers to exceptions that mean a
client error (401, 403, 404, 400), and OPTIONS."""

from . import exceptions
from .methods import GET, HEAD, OPTIONS
from .response import Response


def unauthorized(request, auths):
    from .authentication import challenge  # pylint: disable=import-outside-toplevel

    return Response(request, status=(401, "Unauthorized"), headers={"WWW-Authenticate": challenge(auths)})


def translate(engine, request, error):
    """The answer for exceptions that mean a client error, else None."""
    server = engine.server
    if isinstance(error, exceptions.AuthenticationError):
        return unauthorized(request, getattr(error, "auths", None) or server._auths)
    if isinstance(error, exceptions.InvalidPathError):
        body = str(error) if server.debug else "Invalid path"
        return Response(request, body, status=(403, "Forbidden"))
    if isinstance(error, (exceptions.FileNotExistsError, exceptions.ServingFilesDisabledError)):
        return engine._not_found(request, error)  # pylint: disable=protected-access
    if request._client_error:  # pylint: disable=protected-access
        return Response(request, "Bad Request", status=(400, "Bad Request"))
    return None


def options(request, allowed, routes=None):
    """204 with ``Allow``: the ``allowed`` methods, or every method of ``routes`` (for
    ``OPTIONS *``)."""
    if allowed is None:
        allowed = [OPTIONS]
        for route in routes:
            for name in route.methods:
                if name not in allowed:
                    allowed.append(name)
        if GET in allowed and HEAD not in allowed:
            allowed.append(HEAD)
    return Response(request, status=(204, "No Content"), headers={"Allow": ", ".join(sorted(allowed))})
