"""Sans-IO helpers every static file needs: path checks, ETags and HTTP dates.

* ``check_path(path)`` / ``within_root(root, path)``
* ``make_etag(size, mtime)``
* ``http_date(seconds)`` on POSIX seconds, written without ``time.strftime`` (MicroPython has
  none); ``EPOCH_OFFSET`` converts the runtime's own epoch (2000 on some MicroPython boards)
  to POSIX: ``http_date(os.stat(path)[8] + EPOCH_OFFSET)``; ``clock_is_real()``.

What only some requests need (conditional requests, ranges, gzip) is in ``_conditional``.
"""

import time

from .exceptions import BackslashInPathError, InvalidPathError, ParentDirectoryReferenceError

try:
    from os.path import realpath as _realpath, sep as _sep
except ImportError:  # MicroPython and CircuitPython have no os.path
    _realpath = None  # type: ignore[assignment]
    _sep = "/"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_POSIX_2000 = 946684800
_POSIX_2020 = 1577836800


def _epoch_offset():
    gmtime = getattr(time, "gmtime", None) or getattr(time, "localtime", None)
    try:
        if gmtime(0)[0] == 2000:
            return _POSIX_2000
    except (TypeError, OverflowError, OSError, ValueError):
        pass
    return 0


EPOCH_OFFSET = _epoch_offset()


def clock_is_real():
    """True when ``time.time()`` looks set (after 2020-01-01): boards without an RTC or
    network time start counting at 1970 or 2000."""
    return time.time() + EPOCH_OFFSET > _POSIX_2020


def _civil_from_days(days):
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    return year_of_era + era * 400 + (1 if month <= 2 else 0), month, day


def http_date(seconds):
    """IMF-fixdate for POSIX ``seconds``: ``"Sun, 06 Nov 1994 08:49:37 GMT"``."""
    seconds = int(seconds)
    days = seconds // 86400
    rest = seconds - days * 86400
    year, month, day = _civil_from_days(days)
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        _DAYS[(days + 3) % 7],  # 1970-01-01 was a Thursday
        day,
        MONTHS[month - 1],
        year,
        rest // 3600,
        rest // 60 % 60,
        rest % 60,
    )


def make_etag(size, mtime):
    """A strong ETag from a file's size and modification time: ``"<hex size>-<hex mtime>"``."""
    return '"%x-%x"' % (int(size), int(mtime))


def check_path(path, shown=None):
    """Raises ``BackslashInPathError`` for a backslash, ``ParentDirectoryReferenceError``
    for a ``..`` segment and ``InvalidPathError`` for a NUL byte in ``path`` (already
    decoded); the messages show ``shown`` (default: ``path``)."""
    shown = path if shown is None else shown
    if "\\" in path:
        raise BackslashInPathError(shown)
    if ".." in path.split("/"):
        raise ParentDirectoryReferenceError(shown)
    if "\x00" in path:
        raise InvalidPathError("NUL byte in path: %s" % (shown,))


def within_root(root, full_path):
    """False when ``full_path`` leaves ``root`` once symlinks are resolved. Runtimes without
    ``os.path.realpath`` (MicroPython, CircuitPython) have no symlinks to follow: True."""
    if _realpath is None:
        return True
    real_root = _realpath(root)
    real = _realpath(full_path)
    if real == real_root:
        return True
    if not real_root.endswith(_sep):
        real_root += _sep
    return real.startswith(real_root)
