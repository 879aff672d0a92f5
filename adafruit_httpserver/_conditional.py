"""Sans-IO helpers for what only some requests ask of a static file, loaded when they do:
conditional requests (ETag, dates), byte ranges and gzip negotiation.

* ``select(response, size, modified, etag, stamp)``: status and byte span of a file answer
* ``parse_range(value, size)`` -> ``(start, end_inclusive)``, ``None`` (ignore the header and
  send the whole file) or ``UNSATISFIABLE`` (answer 416 with ``Content-Range: bytes */size``)
* ``etag_matches(if_none_match, etag)``, ``if_range_matches(value, etag, last_modified)``
* ``parse_http_date(text)`` on POSIX seconds, without ``time.strptime``/``calendar``
* ``accepts_gzip(accept_encoding)``
"""

from ._static import MONTHS
from .status import Status

UNSATISFIABLE = -1

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DIGITS = "0123456789"


def select(response, size, modified, etag, stamp):
    """Applies the request's If-None-Match, If-Modified-Since, Range and If-Range to the
    answer of a ``size``-byte file: sets the response's status (304, 206, 416) and
    ``Content-Range``, and returns the ``(start, length)`` of the body to send (length None
    for a 304). ``stamp`` is the file's ``Last-Modified`` date, None when the clock is not
    real."""
    request = response._request
    asked = request.headers
    start, length = 0, size
    tags = ", ".join(asked.get_list("If-None-Match"))
    if tags:
        fresh = etag_matches(tags, etag)
    else:
        since = asked.get("If-Modified-Since")
        since = parse_http_date(since) if since and stamp else None
        fresh = since is not None and modified <= since
    span = None
    if fresh:
        response._status = Status(304, "Not Modified")
        length = None
    elif asked.get("Range") and request.method == "GET":
        if_range = asked.get("If-Range")
        if if_range is None or if_range_matches(if_range, etag, stamp):
            span = parse_range(asked.get("Range"), size)
    if span == UNSATISFIABLE:
        response._status = Status(416, "Range Not Satisfiable")
        response._headers.set("Content-Range", "bytes */%d" % size)
        length = 0
    elif span is not None:
        start, length = span[0], span[1] - span[0] + 1
        response._status = Status(206, "Partial Content")
        response._headers.set("Content-Range", "bytes %d-%d/%d" % (span[0], span[1], size))
    return start, length


def accepts_gzip(value):
    """True/False: does this ``Accept-Encoding`` accept gzip? None when there is none."""
    if value is None:
        return None
    star = False
    for item in str(value).split(","):
        parts = item.split(";")
        coding = parts[0].strip().lower()
        quality = 1.0
        for parameter in parts[1:]:
            name, _, number = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            return quality > 0
        if coding == "*":
            star = quality > 0
    return star


# -- dates ---------------------------------------------------------------------------------


def _days_from_civil(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    if month <= 2:
        year -= 1
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month - 3 if month > 2 else month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _number(text):
    if not text or len(text) > 4 or text.strip(_DIGITS):
        return None
    return int(text)


def _month(text):
    for index, name in enumerate(MONTHS):
        if name == text:
            return index + 1
    return 0


def parse_http_date(text):
    """POSIX seconds of an HTTP date, or None when ``text`` is not one.

    Accepts the three formats HTTP recipients must read: IMF-fixdate
    (``Sun, 06 Nov 1994 08:49:37 GMT``), RFC 850 (``Sunday, 06-Nov-94 08:49:37 GMT``, two-digit
    years below 70 are 20xx) and asctime (``Sun Nov  6 08:49:37 1994``). The weekday is not
    checked."""
    if not isinstance(text, str):
        return None
    words = text.split()
    year_digits = 4
    if len(words) == 6 and words[5] == "GMT" and words[0].endswith(","):
        day, month, year, clock = words[1], words[2], words[3], words[4]
    elif len(words) == 4 and words[3] == "GMT" and words[0].endswith(","):
        parts = words[1].split("-")
        if len(parts) != 3:
            return None
        day, month, year, clock = parts[0], parts[1], parts[2], words[2]
        year_digits = 2
    elif len(words) == 5 and not words[0].endswith(","):
        month, day, clock, year = words[1], words[2], words[3], words[4]
    else:
        return None
    if len(year) != year_digits:
        return None
    month = _month(month)
    day = _number(day)
    year = _number(year)
    clock = clock.split(":")
    if not month or day is None or year is None or len(clock) != 3:
        return None
    if year_digits == 2:
        year += 2000 if year < 70 else 1900
    hour, minute, second = _number(clock[0]), _number(clock[1]), _number(clock[2])
    if hour is None or minute is None or second is None:
        return None
    if not 1 <= day <= _DAYS_IN_MONTH[month - 1] or hour > 23 or minute > 59 or second > 60:
        return None
    if month == 2 and day == 29 and (year % 4 or (year % 100 == 0 and year % 400)):
        return None
    if second == 60:  # a leap second
        second = 59
    return _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second


# -- ETags and conditional requests -------------------------------------------------------------


def _opaque_tags(value):
    """The entity tags of an If-None-Match/If-Range list as ``(weak, "opaque")`` pairs."""
    tags = []
    index = 0
    end = len(value)
    while index < end:
        if value[index : index + 1] in " \t,":
            index += 1
            continue
        weak = value.startswith("W/", index)
        if weak:
            index += 2
        if value.startswith('"', index):
            close = value.find('"', index + 1)
            if close < 0:
                close = end - 1
            tags.append((weak, value[index : close + 1]))
            index = close + 1
        else:  # not a valid entity-tag: skip to the next list element
            comma = value.find(",", index)
            index = end if comma < 0 else comma
    return tags


def _strip_weak(etag):
    return etag[2:] if etag.startswith("W/") else etag


def etag_matches(if_none_match_value, etag):
    """True when an If-None-Match value matches ``etag`` (``*``, or any listed tag by the
    weak comparison), so the answer is 304 Not Modified."""
    if not if_none_match_value or not etag:
        return False
    if if_none_match_value.strip() == "*":
        return True
    opaque = _strip_weak(etag)
    for _weak, tag in _opaque_tags(if_none_match_value):
        if tag == opaque:
            return True
    return False


def if_range_matches(value, etag, last_modified_http_date):
    """True when an If-Range value still matches, so the Range header applies.

    An entity tag must match ``etag`` by the strong comparison (a weak tag never matches);
    a date must equal ``last_modified_http_date`` exactly. Anything else is False (send the
    whole file)."""
    if not value:
        return False
    value = value.strip()
    if value.startswith('"') or value.startswith("W/"):
        if value.startswith("W/") or not etag or etag.startswith("W/"):
            return False
        return value == etag
    if not last_modified_http_date:
        return False
    sent = parse_http_date(value)
    return sent is not None and sent == parse_http_date(last_modified_http_date)


# -- Range -----------------------------------------------------------------------------------


def _position(text, size):
    """A non-negative decimal, or None. Numbers with more digits than ``size`` are larger
    than it: they come back as ``size + 1`` (no big integers on small boards)."""
    if not text or text.strip(_DIGITS):  # not isdigit(): it accepts other scripts' digits
        return None
    significant = text.lstrip("0")
    if len(significant) > len(str(size)):
        return size + 1
    return int(significant) if significant else 0


def parse_range(header_value, size):
    """Reads a ``Range`` header for a ``size``-byte file.

    Returns ``(start, end)`` (inclusive, ``end`` clamped to ``size - 1``) for one satisfiable
    byte range; ``None`` when the header must be ignored and the whole file sent (not a
    ``bytes=`` range, malformed, several ranges, or a suffix range of an empty file); and
    ``UNSATISFIABLE`` (-1) when it asks for bytes past the end (416). ``bytes=-n`` with ``n``
    at least ``size`` is the whole file."""
    if not header_value:
        return None
    equals = header_value.find("=")
    if equals < 0 or header_value[:equals].strip().lower() != "bytes":
        return None
    spec = None
    for item in header_value[equals + 1 :].split(","):
        item = item.strip()
        if not item:
            continue
        if spec is not None:
            return None  # several ranges: answered with the whole file
        spec = item
    if spec is None:
        return None
    dash = spec.find("-")
    if dash < 0:
        return None
    first, last = spec[:dash].strip(), spec[dash + 1 :].strip()
    if not first:
        suffix = _position(last, size)
        if suffix is None:
            return None
        if suffix == 0:
            return UNSATISFIABLE
        if size == 0:
            return None
        return (size - suffix if suffix < size else 0), size - 1
    start = _position(first, size)
    if start is None:
        return None
    if last:
        end = _position(last, size)
        if end is None or end < start:
            return None
    else:
        end = size - 1
    if start >= size:
        return UNSATISFIABLE
    return start, (end if end < size else size - 1)
