"""``Headers``: a case-insensitive, multi-valued header storage, and ``_IFieldStorage``,
the base of every field storage (re-exported by ``interfaces``)."""

# Characters allowed in a method or header name (RFC 9110 "token").
TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _IFieldStorage:
    """A mapping of field names to lists of values, in insertion order."""

    def __init__(self):
        self._storage = {}
        self._keys = []

    def _key(self, field_name):  # pylint: disable=no-self-use
        return field_name

    def _add_field_value(self, field_name, value):
        key = self._key(field_name)
        values = self._storage.get(key)
        if values is None:
            self._storage[key] = [value]
            self._keys.append(key)
        else:
            values.append(value)

    def get(self, field_name, default=None):
        """The first value of ``field_name``, or ``default``."""
        values = self._storage.get(self._key(field_name))
        return values[0] if values else default

    def get_list(self, field_name):
        """A new list with every value of ``field_name`` (empty when absent)."""
        values = self._storage.get(self._key(field_name))
        return list(values) if values else []

    @property
    def fields(self):
        """The field names, in insertion order."""
        return list(self._keys)

    def keys(self):
        """The field names, in insertion order."""
        return list(self._keys)

    def items(self):
        """``(name, value)`` pairs, one per value, grouped by name."""
        return [(key, value) for key in self._keys for value in self.get_list(key)]

    def values(self):
        """Every value of every field, in order."""
        return [value for key in self._keys for value in self.get_list(key)]

    def __getitem__(self, field_name):
        key = self._key(field_name)
        values = self._storage.get(key)
        if not values:
            raise KeyError(key)
        return values[0]

    def __iter__(self):
        return iter(list(self._keys))

    def __len__(self):
        return len(self._keys)

    def __contains__(self, field_name):
        return self._key(field_name) in self._storage

    def _dict_repr(self):
        storage = self._storage
        return "{" + ", ".join([repr(key) + ": " + repr(storage[key]) for key in self._keys]) + "}"

    def __repr__(self):
        return "<" + type(self).__name__ + " " + self._dict_repr() + ">"


class Headers(_IFieldStorage):
    """HTTP headers. Names are case-insensitive: lookups, iteration, ``keys()``, ``fields``
    and ``items()`` use lower-case names, while ``original_items()`` gives each name as it
    was first written (for output).

    ``Headers(text)`` parses ``name: value`` lines (CRLF or LF endings; names and values are
    trimmed; a line starting with a space or tab continues the previous value, as RFC 9112
    obs-fold); ``Headers(dict)``, ``Headers(headers)`` and ``Headers([(name, value), ...])``
    add every pair."""

    def __init__(self, headers=None):  # pylint: disable=super-init-not-called
        self._storage = {}  # (as _IFieldStorage.__init__, inlined: one Headers per response)
        self._keys = []
        # lower-case name -> name as first written, only where the two differ
        self._names = {}
        if headers is None:
            return
        if isinstance(headers, str):
            from ._text import parse_header_text  # pylint: disable=import-outside-toplevel

            headers = parse_header_text(headers)
        if isinstance(headers, Headers):
            headers._copy_into(self)  # pylint: disable=protected-access
        elif hasattr(headers, "items"):
            for name, value in headers.items():
                self.add(name, value)
        else:
            for name, value in headers:
                self.add(name, value)

    def _key(self, field_name):
        return field_name.lower()

    def _copy_into(self, other):
        for key in self._keys:
            other._storage[key] = list(self._storage[key])  # pylint: disable=protected-access
            other._keys.append(key)  # pylint: disable=protected-access
        for key in self._names:
            other._names[key] = self._names[key]  # pylint: disable=protected-access

    def add(self, field_name, value):
        """Adds a value for ``field_name``, keeping the values already there."""
        key = field_name.lower()
        values = self._storage.get(key)
        if values is None:
            self._storage[key] = [value]
            self._keys.append(key)
            if key != field_name:
                self._names[key] = field_name
        else:
            values.append(value)

    def get_directive(self, name, default=None):
        """The first value up to its first ``;``, stripped of quotes and spaces."""
        value = self.get(name)
        if value is None:
            return default
        if not isinstance(value, str):
            value = str(value)
        return value.split(";", 1)[0].strip(' \t"')

    def get_parameter(self, name, parameter, default=None):
        """The value of ``parameter`` in the first value of header ``name``, e.g.
        ``get_parameter("Content-Type", "charset")``. The parameter name matches exactly
        (case-insensitively); quoted values are unquoted."""
        value = self.get(name)
        if value is None:
            return default
        if not isinstance(value, str):
            value = str(value)
        from ._text import header_parameter  # pylint: disable=import-outside-toplevel

        found = header_parameter(value, parameter.lower())
        return default if found is None else found

    def set(self, name, value):
        """Replaces every value of ``name`` with ``value``."""
        key = name.lower()
        if key in self._storage:
            self._storage[key] = [value]
        else:
            self.add(name, value)

    def setdefault(self, name, default=None):
        """Adds ``default`` when ``name`` is absent; returns a copy of the values list."""
        key = name.lower()
        if key not in self._storage:
            self.add(name, default)
        return list(self._storage[key])

    def update(self, headers):
        """Replaces the values of every name present in ``headers`` (a dict, a ``Headers``
        whose full value lists are taken, or an iterable of pairs)."""
        if isinstance(headers, Headers):
            for key in headers._keys:  # pylint: disable=protected-access
                name = headers._names.get(key, key)  # pylint: disable=protected-access
                values = headers._storage[key]  # pylint: disable=protected-access
                self.set(name, values[0])
                self._storage[key] = list(values)
            return
        pairs = headers.items() if hasattr(headers, "items") else headers
        for name, value in pairs:
            self.set(name, value)

    def copy(self):
        """An independent copy (values are kept as they are, ``None`` included)."""
        other = Headers()
        self._copy_into(other)
        return other

    def original_items(self):
        """``(name, value)`` pairs with each name as first written, in insertion order."""
        names = self._names
        return [
            (names.get(key, key), value) for key in self._keys for value in self._storage[key]
        ]

    def __setitem__(self, name, value):
        self.set(name, value)

    def __delitem__(self, name):
        key = name.lower()
        del self._storage[key]
        self._keys.remove(key)
        self._names.pop(key, None)
