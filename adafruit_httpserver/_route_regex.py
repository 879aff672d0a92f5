"""The regular expression equivalent to a route's matcher, for ``Route.path_pattern``:
loaded only when that is read (routing never needs it)."""


_REGEX_SPECIALS = "\\.^$*+?{}[]|()"


def route_regex(tokens, append_slash):
    """The compiled regular expression that matches what a route's ``tokens`` match:
    literal strings, parameter indexes (>= 0, a captured segment), -1 (an uncaptured
    segment, ``...``) and -2 (one or more characters, ``....``)."""
    import re  # pylint: disable=import-outside-toplevel

    parts = ["^"]
    for token in tokens:
        if isinstance(token, str):
            for char in token:
                parts.append("\\" + char if char in _REGEX_SPECIALS else char)
        elif token == -2:
            parts.append(".+")
        else:
            parts.append("([^/]+)" if token >= 0 else "[^/]+")
    if append_slash:
        parts.append("/?")
    parts.append("$")
    flags = getattr(re, "DOTALL", 0)
    source = "".join(parts)
    return re.compile(source, flags) if flags else re.compile(source)
