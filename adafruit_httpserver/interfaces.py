"""Shared interfaces: the socket shapes the library relies on and the field storages.

The storages map each field name to a list of values. Insertion order is kept in a separate
list of names, because dicts are not ordered on MicroPython.
"""

from .headers import _IFieldStorage  # noqa: F401  (lives there: Headers, its main subclass, is always loaded)



class _ISocket:
    """What the library uses on a connection socket: ``settimeout``, ``setblocking``,
    ``recv_into`` (CircuitPython, CPython) or ``recv``/``readinto`` (MicroPython), ``send``,
    ``close``; on a listening socket also ``setsockopt``, ``bind``, ``listen`` and ``accept``."""


class _ISocketPool:
    """What the library uses on a socket source (a ``socketpool.SocketPool`` or the ``socket``
    module): ``AF_INET``, ``SOCK_STREAM``, ``SOL_SOCKET``, ``SO_REUSEADDR``,
    ``socket(family, type)`` and ``getaddrinfo(host, port)``."""


# Order matters: "&" first, so the other entities are not escaped twice.
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&apos;"))


def _encode_html_entities(value):
    """HTML-escapes a text value. ``None`` and bytes-like values are returned unchanged;
    anything else is converted with ``str()`` first."""
    if value is None or isinstance(value, (bytes, bytearray)):
        return value
    if not isinstance(value, str):
        value = str(value)
    for char, entity in _ENTITIES:
        if char in value:
            value = value.replace(char, entity)
    return value


def _debug_warning_nonencoded_output():
    """Printed (in debug mode, once per storage) when raw values are read with ``safe=False``."""
    print(
        "WARNING: safe=False returns raw, user-supplied values.\n"
        "Inserting them into HTML without encoding them makes the page open to "
        "Cross-Site Scripting (XSS).\n"
        "Encode them before use, or keep the default safe=True."
    )


class _IXSSSafeFieldStorage(_IFieldStorage):
    """A field storage whose getters HTML-escape text values unless ``safe=False``.

    Defaults are returned as given and ``bytes`` values are returned unescaped."""

    debug = False
    _warned = False

    def _warn_nonencoded(self):
        if self.debug and not self._warned:
            self._warned = True
            _debug_warning_nonencoded_output()

    def get(self, field_name, default=None, *, safe=True):
        """The first value of ``field_name`` (escaped when ``safe``), or ``default`` as given."""
        if not safe:
            self._warn_nonencoded()
        values = self._storage.get(self._key(field_name))
        if not values:
            return default
        return _encode_html_entities(values[0]) if safe else values[0]

    def get_list(self, field_name, *, safe=True):
        """A new list with every value of ``field_name`` (escaped when ``safe``)."""
        if not safe:
            self._warn_nonencoded()
        values = self._storage.get(self._key(field_name))
        if not values:
            return []
        if safe:
            return [_encode_html_entities(value) for value in values]
        return list(values)

    def __getitem__(self, field_name):
        return _encode_html_entities(super().__getitem__(field_name))
