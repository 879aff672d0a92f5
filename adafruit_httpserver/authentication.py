"""HTTP authentication: ``Basic``, ``Token`` and ``Bearer`` credentials and their checks."""

from binascii import a2b_base64, b2a_base64

from .exceptions import AuthenticationError

_BASE64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


class Basic:
    """Basic authentication with a username and a password."""

    def __init__(self, username, password):
        self._credentials = ("%s:%s" % (username, password)).encode("utf-8")
        self._value = b2a_base64(self._credentials).decode("ascii").strip()

    def __str__(self):
        return "Basic " + self._value


class Token:
    """Token authentication (``Authorization: Token <token>``)."""

    prefix = "Token"

    def __init__(self, token):
        self._value = token

    def __str__(self):
        return "%s %s" % (self.prefix, self._value)


class Bearer(Token):
    """Bearer token authentication (``Authorization: Bearer <token>``)."""

    prefix = "Bearer"


def _equal(given, expected):
    """Compares two byte strings in time that depends only on their lengths."""
    difference = len(given) ^ len(expected)
    size = len(expected)
    if not size:
        return not given
    for index in range(len(given)):
        difference |= given[index] ^ expected[index % size]
    return difference == 0


def _split(value):
    """``"Scheme  credentials "`` -> ``("scheme", "credentials")``."""
    value = value.strip()
    cut = value.find(" ")
    tab = value.find("\t")
    if cut < 0 or 0 <= tab < cut:
        cut = tab
    if cut < 0:
        return value.lower(), ""
    return value[:cut].lower(), value[cut + 1 :].strip()


def _decode_basic(credentials):
    """The decoded bytes of a Basic token68, or ``None`` when it is not base64."""
    data = credentials.encode("utf-8")
    for byte in data:
        if byte not in _BASE64_CHARS:
            return None
    data = data.rstrip(b"=")
    if b"=" in data:
        return None
    data += b"=" * (-len(data) % 4)
    try:
        return a2b_base64(data)
    except ValueError:
        return None


def check_authentication(request, auths):
    """True when one of the request's ``Authorization`` headers matches one of ``auths``.

    The scheme is case-insensitive; credentials are compared in full, in constant time, and
    Basic credentials are compared after base64 decoding."""
    if not auths:
        return False
    matched = False
    for header in request.headers.get_list("Authorization"):
        if header is None:
            continue
        scheme, credentials = _split(str(header))
        decoded = None
        for auth in auths:
            expected_scheme, expected = _split(str(auth))
            if scheme != expected_scheme:
                continue
            if isinstance(auth, Basic):
                if decoded is None:
                    decoded = _decode_basic(credentials) or b""
                # pylint: disable=protected-access
                matched |= _equal(decoded, auth._credentials)
            else:
                matched |= _equal(credentials.encode("utf-8"), expected.encode("utf-8"))
    return matched


def require_authentication(request, auths):
    """Raises ``AuthenticationError`` (with ``auths`` attached) unless the request is
    authenticated by one of ``auths``."""
    if not check_authentication(request, auths):
        error = AuthenticationError(
            "Request is not authenticated by any of the provided authentications"
        )
        error.auths = auths
        raise error


def challenge(auths):
    """The ``WWW-Authenticate`` value for a 401: Basic when any Basic authentication is
    configured (or none at all), otherwise Bearer, otherwise Token."""
    if not auths:
        return 'Basic charset="UTF-8"'
    bearer = False
    for auth in auths:
        if isinstance(auth, Basic):
            return 'Basic charset="UTF-8"'
        if isinstance(auth, Bearer):
            bearer = True
    return "Bearer" if bearer else "Token"
