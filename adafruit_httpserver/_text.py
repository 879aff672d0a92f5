"""Text helpers needed only for some requests, loaded on first use: percent-decoding (paths,
query strings, forms, file names), path normalisation, header parameters and header text."""

from ._http import HTTPError

_HEX = b"0123456789abcdef"


def percent_decode(text, plus_is_space=False):
    """Decodes ``%XX`` escapes (UTF-8). Invalid escapes are kept as they are; invalid UTF-8
    raises ``ValueError``."""
    if plus_is_space and "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    raw = text.encode("utf-8")
    out = bytearray()
    index = 0
    end = len(raw)
    while index < end:
        byte = raw[index]
        if byte == 37 and index + 3 <= end:
            high = _HEX.find(raw[index + 1 : index + 2].lower())
            low = _HEX.find(raw[index + 2 : index + 3].lower())
            if high >= 0 and low >= 0:
                out.append(high * 16 + low)
                index += 3
                continue
        out.append(byte)
        index += 1
    return bytes(out).decode("utf-8")


def normalize_path(path):
    """Percent-decodes a request path and resolves ``.``, ``..`` and empty segments.

    Raises ``HTTPError(400)`` for NUL bytes, invalid UTF-8 or ``..`` above the root."""
    try:
        decoded = percent_decode(path)
    except UnicodeError:
        raise HTTPError(400, "Request path is not valid UTF-8") from None
    if "\x00" in decoded:
        raise HTTPError(400, "NUL byte in request path")
    if "/." not in decoded and "//" not in decoded:
        return decoded
    segments = []
    for segment in decoded.split("/")[1:]:
        if segment == "..":
            if not segments:
                raise HTTPError(400, "Request path leaves the root")
            segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    trailing = decoded.endswith("/") or decoded.endswith("/.") or decoded.endswith("/..")
    result = "/" + "/".join(segments)
    if trailing and segments:
        result += "/"
    return result


def header_parameter(text, parameter):
    """The value of ``parameter`` (lower-case) in ``directive; a=1; b="x;y"``, or ``None``.

    Names match exactly, case-insensitively. Quoted values may contain ``;``, ``=`` and
    backslash escapes; unquoted values end at the next ``;``."""
    length = len(text)
    start = 0
    while start < length:
        end = start
        while end < length and text[end : end + 1] not in "=;":
            end += 1
        if end >= length or text.startswith(";", end):
            start = end + 1
            continue
        name = text[start:end].strip().lower()
        end += 1
        while end < length and text[end : end + 1] in " \t":
            end += 1
        if text.startswith('"', end):
            end += 1
            chars = []
            while end < length:
                char = text[end : end + 1]
                if char == "\\" and end + 1 < length:
                    chars.append(text[end + 1 : end + 2])
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


def parse_header_text(text):
    """``name: value`` lines (CRLF or LF endings) as a list of pairs. Blank lines are skipped;
    an indented line continues the previous value (obs-fold); a line without a name raises
    ``ValueError``."""
    pairs = []
    for line in text.split("\n"):
        if line and line[-1] == "\r":
            line = line[:-1]
        if not line.strip():
            continue
        if pairs and line[0] in " \t":
            name, value = pairs[-1]
            pairs[-1] = (name, (value + " " + line.strip()).strip())
            continue
        colon = line.find(":")
        name = line[:colon].strip() if colon > 0 else ""
        if not name:
            raise ValueError("Invalid header line: %r" % (line,))
        pairs.append((name, line[colon + 1 :].strip()))
    return pairs
