"""``Headers``: a case-insensitive, multi-valued header storage."""

from .interfaces import _IFieldStorage

# RFC 9110 "tchar": the characters allowed in a header field name.
_TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def check_header(name, value):
    """Raises ``ValueError`` unless ``name`` is an RFC 9110 token and ``value`` (as text)
    contains no CR, LF or NUL. ``None`` values are accepted (they are not sent)."""
    if not isinstance(name, str) or not name:
        raise ValueError("Invalid header name %r: it must be a non-empty string" % (name,))
    for char in name:
        if char not in _TCHARS:
            raise ValueError(
                "Invalid header name %r: only RFC 9110 token characters are allowed" % (name,)
            )
    if value is None:
        return
    text = value if isinstance(value, str) else str(value)
    if "\r" in text or "\n" in text or "\x00" in text:
        raise ValueError(
            "Invalid value for header %s: %r (CR, LF and NUL are not allowed)" % (name, text)
        )


def _parameter(text, parameter):
    """The value of ``parameter`` (lower-case) in ``directive; a=1; b="x;y"``, or ``None``.

    Names match exactly, case-insensitively. Quoted values may contain ``;``, ``=`` and
    backslash escapes; unquoted values end at the next ``;``."""
    length = len(text)
    start = 0
    while start < length:
        end = start
        while end < length and text[end] not in "=;":
            end += 1
        if end >= length or text[end] == ";":
            start = end + 1
            continue
        name = text[start:end].strip().lower()
        end += 1
        while end < length and text[end] in " \t":
            end += 1
        if end < length and text[end] == '"':
            end += 1
            chars = []
            while end < length:
                char = text[end]
                if char == "\\" and end + 1 < length:
                    chars.append(text[end + 1])
                    end += 2
                    continue
                end += 1
                if char == '"':
                    break
                chars.append(char)
            value = "".join(chars)
            end = text.find(";", end)
        else:
            stop = text.find(";", end)
            value = text[end : length if stop < 0 else stop].strip(" \t")
            end = stop
        if name == parameter:
            return value
        if end < 0:
            break
        start = end + 1
    return None


class Headers(_IFieldStorage):
    """HTTP headers. Names are case-insensitive: lookups, iteration, ``keys()``, ``fields``
    and ``items()`` use lower-case names, while ``original_items()`` gives each name as it
    was first written (for output).

    ``Headers(text)`` parses ``name: value`` lines (CRLF or LF endings); ``Headers(dict)``,
    ``Headers(headers)`` and ``Headers([(name, value), ...])`` add every pair."""

    def __init__(self, headers=None):
        super().__init__()
        # lower-case name -> name as first written, only where the two differ
        self._names = {}
        if headers is None:
            return
        if isinstance(headers, str):
            self._parse(headers)
        elif isinstance(headers, Headers):
            headers._copy_into(self)  # pylint: disable=protected-access
        elif hasattr(headers, "items"):
            for name, value in headers.items():
                self.add(name, value)
        else:
            for name, value in headers:
                self.add(name, value)

    def _key(self, field_name):
        return field_name.lower()

    def _parse(self, text):
        last = None
        for line in text.split("\n"):
            if line and line[-1] == "\r":
                line = line[:-1]
            if not line.strip():
                continue
            if last is not None and line[0] in " \t":
                # obs-fold: a continuation line joins the previous value with one space
                values = self._storage[last]
                values[-1] = (values[-1] + " " + line.strip()).strip()
                continue
            colon = line.find(":")
            name = line[:colon].strip() if colon > 0 else ""
            if not name:
                raise ValueError("Invalid header line: %r" % (line,))
            self.add(name, line[colon + 1 :].strip())
            last = name.lower()

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
        found = _parameter(value, parameter.lower())
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

    def _validate_for_output(self):
        """Raises ``ValueError`` for a name or value that must not be sent (see
        ``check_header``)."""
        for name, value in self.original_items():
            check_header(name, value)

    def __setitem__(self, name, value):
        self.set(name, value)

    def __delitem__(self, name):
        key = name.lower()
        del self._storage[key]
        self._keys.remove(key)
        self._names.pop(key, None)
