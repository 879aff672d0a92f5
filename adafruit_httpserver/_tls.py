"""The TLS server context for ``Server(https=True)``, loaded only then."""

from ._compat import CIRCUITPYTHON


def create_ssl_context(certfile, keyfile):
    """A server-side context loaded with ``certfile`` and ``keyfile``, made the way each
    runtime's ``ssl`` allows."""
    try:
        import ssl  # pylint: disable=import-outside-toplevel
    except ImportError:
        ssl = None
    if ssl is None or not hasattr(ssl, "SSLContext"):
        raise NotImplementedError("SSL not available on this platform")
    if certfile is None or keyfile is None:
        raise ValueError("Both certfile and keyfile must be specified for HTTPS")
    if CIRCUITPYTHON:
        context = ssl.create_default_context()
        context.load_verify_locations(cadata="")
    elif hasattr(ssl, "create_default_context"):
        context = ssl.create_default_context(purpose=ssl.Purpose.CLIENT_AUTH)
        context.verify_mode = ssl.CERT_NONE
        context.check_hostname = False
    else:  # MicroPython
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    return context
