"""Board profiles: a tiny loader for tests and benchmarks (CPython only).

    from boards import profiles          # or: sys.path.insert(0, "boards"); import profiles
    p = profiles.load("pico_w_circuitpython")
    server = Server(pool, **profiles.server_kwargs(p))
    heap = p["test_heapsize"]            # e.g. "128k" for `micropython -X heapsize=128k`

The library never imports this module; it is not part of the package.
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

#: The MicroPython test lane's default ``-X heapsize=`` cap: the smallest lane of a
#: Pico W class board (BOARDS.md class A). tests/test_boards.py keeps the two in step.
DEFAULT_TEST_HEAPSIZE = "128k"
DEFAULT_PROFILE = "pico_w_circuitpython"

#: Server keyword arguments a profile's ``recommended`` may name (plus ``https_ok``).
SERVER_KEYS = (
    "max_connections",
    "max_request_line_size",
    "max_header_size",
    "max_body_size",
    "request_buffer_size",
)
RECOMMENDED_KEYS = SERVER_KEYS + ("https_ok",)


def names():
    """Sorted profile names (the JSON file names without ``.json``)."""
    return sorted(n[:-5] for n in os.listdir(HERE) if n.endswith(".json"))


def load(name):
    """The profile ``name`` as a dict (``name`` may also be a path to a JSON file)."""
    path = name if name.endswith(".json") else os.path.join(HERE, name + ".json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_all():
    """``{name: profile}`` for every profile."""
    return {n: load(n) for n in names()}


def server_kwargs(profile):
    """``profile["recommended"]`` without ``https_ok``: ready for ``Server(pool, **kwargs)``."""
    if isinstance(profile, str):
        profile = load(profile)
    return {k: v for k, v in profile["recommended"].items() if k != "https_ok"}


def heapsize_bytes(text):
    """``"128k"`` -> 131072; accepts the ``k``/``m`` suffixes ``micropython -X heapsize=`` takes."""
    text = str(text).strip().lower()
    scale = 1
    if text.endswith("k"):
        scale, text = 1024, text[:-1]
    elif text.endswith("m"):
        scale, text = 1024 * 1024, text[:-1]
    return int(text) * scale


def derive_heapsize(profile):
    """Recompute ``test_heapsize`` from ``profile["heap_budget"]`` (see boards/README.md)."""
    hb = profile["heap_budget"]
    budget = (
        hb["free_bytes"] - hb["network_reserve_bytes"] - hb["app_reserve_bytes"] - hb["tls_reserve_bytes"]
    )
    step = hb["round_to_bytes"]
    rounded = int(budget * hb["word_size_factor"] / step + 0.5) * step
    return "%dk" % (min(rounded, hb["cap_bytes"]) // 1024)


def lane_heapsize(name=None):
    """The ``-X heapsize=`` value for profile ``name`` (default: the lane default)."""
    if not name:
        return DEFAULT_TEST_HEAPSIZE
    return load(name)["test_heapsize"]


if __name__ == "__main__":  # pragma: no cover - a quick listing
    for _name in names():
        _p = load(_name)
        print("%-30s %-14s %6s  %s" % (_name, _p["runtime"], _p["test_heapsize"], server_kwargs(_p)))
