"""``Route`` and the ``as_route`` decorator.

Paths are matched segment by segment, without ``re``. A route path is made of literal text
(matched exactly, regex metacharacters included) and whole segments that are:

* ``<name>``: one non-empty segment, passed to the handler as ``name``;
* ``...``: one non-empty segment, not captured;
* ``....``: one or more characters, ``/`` included, not captured.
"""

from .methods import GET

# Tokens of a path besides literal strings and parameter indexes (_route_regex knows these
# values too).
_ONE = -1  # "..."
_REST = -2  # "...."


def _is_parameter(segment):
    return (
        len(segment) > 2
        and segment[0] == "<"
        and segment[-1] == ">"
        and "<" not in segment[1:-1]
        and ">" not in segment[1:-1]
    )


def _validate(path, append_slash):
    # pylint: disable=too-many-branches
    if not path.startswith("/"):
        raise ValueError("Path must start with a slash.")
    if append_slash and path.endswith("/"):
        raise ValueError("Cannot use append_slash=True when path ends with /")
    if "//" in path:
        raise ValueError("Path cannot contain double slashes.")
    if "<>" in path:
        raise ValueError("All URL parameters must be named.")
    for segment in path.split("/"):
        opening = segment.find("<")
        if opening >= 0 and segment.find(">", opening) > opening and not _is_parameter(segment):
            raise ValueError("All URL parameters must be between slashes.")
    runs = []  # (start, end) of every run of 3 or more dots
    index = 0
    length = len(path)
    while index < length:
        if path[index] == ".":
            end = index
            while end < length and path[end] == ".":
                end += 1
            if end - index >= 3:
                runs.append((index, end))
            index = end
        else:
            index += 1
    for start, end in runs:
        if path[start - 1] != "/" or (end < length and path[end] != "/"):
            raise ValueError("... and .... must be between slashes")
    for start, end in runs:
        if end - start > 4:
            raise ValueError("Path cannot contain more than 4 dots in a row.")


class Route:
    """A path with methods and a handler; see the module documentation for path syntax."""

    # Read from the class unless a route says otherwise: an app's routes then keep only
    # the attributes they use (RAM on a board).
    max_body_size = None
    body_to = None
    files_to = None
    append_slash = False
    _pattern = None  # the regular expression, once path_pattern was read
    _memoize = False  # several "...." in the path: matching remembers failed states
    _literal = None  # the whole path, when it has no parameters or wildcards

    def __init__(  # pylint: disable=too-many-arguments
        self,
        path="",
        methods=GET,
        handler=None,
        *,
        append_slash=False,
        max_body_size=None,
        body_to=None,
        files_to=None,
    ):
        _validate(path, append_slash)
        # Where the request body goes (see the Server.route documentation).
        if max_body_size is not None:
            self.max_body_size = max_body_size
        if body_to is not None:
            self.body_to = body_to
        if files_to is not None:
            self.files_to = files_to
        if append_slash:
            self.append_slash = append_slash
        self.path = path
        if isinstance(methods, (set, list, tuple, frozenset)):
            self.methods = set(methods)
        else:
            self.methods = {methods}
        self.handler = handler
        self.parameters_names = []
        # literal strings, parameter indexes (>= 0), _ONE and _REST
        tokens = []
        literal = ""
        rest_count = 0
        for segment in path.split("/")[1:]:
            literal += "/"
            if _is_parameter(segment):
                kind = len(self.parameters_names)
                self.parameters_names.append(segment[1:-1])
            elif segment == "...":
                kind = _ONE
            elif segment == "....":
                kind = _REST
                rest_count += 1
            else:
                literal += segment
                continue
            tokens.append(literal)
            tokens.append(kind)
            literal = ""
        if literal:
            tokens.append(literal)
        self._tokens = tokens
        if rest_count > 1:
            self._memoize = True
        if len(tokens) == 1 and isinstance(tokens[0], str):
            self._literal = tokens[0]  # matched by a plain comparison

    def _match(self, path, position, token_index, values, failed):
        # pylint: disable=too-many-arguments
        tokens = self._tokens
        count = len(tokens)
        length = len(path)
        while token_index < count:
            token = tokens[token_index]
            if isinstance(token, str):
                if not path.startswith(token, position):
                    return False
                position += len(token)
            elif token == _REST:
                if position >= length:
                    return False
                if token_index + 1 == count:
                    return True
                # The next token is a literal starting with "/": try each "/" from the right.
                end = path.rfind("/", position + 1)
                while end > position:
                    # failed: a bitmap of (position, token) states known not to match, so
                    # several "...." in one route cannot make matching exponential.
                    key = end * count + token_index
                    if failed is None or not failed[key >> 3] & (1 << (key & 7)):
                        mark = len(values)
                        if self._match(path, end, token_index + 1, values, failed):
                            return True
                        del values[mark:]
                        if failed is not None:
                            failed[key >> 3] |= 1 << (key & 7)
                    end = path.rfind("/", position + 1, end)
                return False
            else:
                end = path.find("/", position)
                if end < 0:
                    end = length
                if end == position:
                    return False
                if token >= 0:
                    values.append(path[position:end])
                position = end
            token_index += 1
        return position == length

    def match_path(self, path):
        """The URL parameters (``{name: value}``) when ``path`` matches, whatever the
        method; ``None`` otherwise."""
        literal = self._literal
        if literal is not None:
            if path == literal or self.append_slash and path[:-1] == literal and path[-1:] == "/":
                return {}
            return None
        values = []
        if not self._match(path, 0, 0, values, self._failed_states(path)):
            if not (self.append_slash and len(path) > 1 and path.endswith("/")):
                return None
            values = []
            path = path[:-1]
            if not self._match(path, 0, 0, values, self._failed_states(path)):
                return None
        return dict(zip(self.parameters_names, values))

    def _failed_states(self, path):
        if not self._memoize:
            return None
        return bytearray(((len(path) + 1) * len(self._tokens) >> 3) + 1)

    def matches(self, method, path):
        """``(True, {name: value})`` when ``method`` is one of the route's methods and
        ``path`` matches, else ``(False, None)``."""
        if method not in self.methods:
            return False, None
        parameters = self.match_path(path)
        if parameters is None:
            return False, None
        return True, parameters

    @property
    def path_pattern(self):
        """A compiled regular expression equivalent to the matcher (built on first use)."""
        if self._pattern is None:
            from ._route_regex import route_regex  # pylint: disable=import-outside-toplevel

            self._pattern = route_regex(self._tokens, self.append_slash)
        return self._pattern

    def __repr__(self):
        return "<Route path=%r, methods=%r, handler=%r>" % (self.path, self.methods, self.handler)


def as_route(path, methods=GET, *, append_slash=False, **body_options):
    """Decorator that replaces a handler function with a ``Route`` for it. Takes the same
    body options as ``Server.route`` (``max_body_size``, ``body_to``, ``files_to``)."""

    def route_decorator(func):
        if isinstance(func, Route):
            raise ValueError("as_route can be used only once per function.")
        return Route(path, methods, func, append_slash=append_slash, **body_options)

    return route_decorator
