"""Board profiles in boards/*.json: shape, sources, server keys, and the MicroPython lane cap."""

import json
import os
import re

import pytest

from boards import profiles

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAGS = ("M", "C", "D", "unknown")
REQUIRED = (
    "name",
    "runtime",
    "mcu",
    "ram",
    "free_heap_after_boot",
    "max_sockets",
    "tls",
    "tcp_buffers",
    "recommended",
    "test_heapsize",
    "notes",
)
# Sections that carry sourced figures, and the figure field(s) each must hold.
SOURCED = {
    "ram": ("sram_bytes", "psram_bytes"),
    "free_heap_after_boot": ("bytes",),
    "max_sockets": ("value",),
    "tls": ("works", "cost_bytes"),
    "tcp_buffers": ("window_bytes", "send_buffer_bytes"),
    "heap_budget": ("free_bytes", "network_reserve_bytes", "app_reserve_bytes", "tls_reserve_bytes"),
}
REQUIRED_TARGETS = (
    "pico_w_circuitpython",
    "pico_w_micropython",
    "pico2_w_circuitpython",
    "pico2_w_micropython",
    "esp32s2_circuitpython",
    "esp32s3_circuitpython",
    "esp32c3_circuitpython",
    "esp32c6_circuitpython",
    "esp32_micropython",
)
NAMES = profiles.names()


def _figures(value):
    """Every number inside ``value`` (bools excluded)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _figures(item)
    elif isinstance(value, list):
        for item in value:
            yield from _figures(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def test_required_targets_exist():
    missing = [n for n in REQUIRED_TARGETS if n not in NAMES]
    assert not missing, missing


@pytest.mark.parametrize("name", NAMES)
def test_profile_parses_and_names_itself(name):
    with open(os.path.join(ROOT, "boards", name + ".json"), encoding="utf-8") as f:
        data = json.load(f)
    assert data == profiles.load(name)
    assert data["name"] == name
    assert data["runtime"] in ("circuitpython", "micropython")
    assert isinstance(data["mcu"], str) and data["mcu"]
    assert isinstance(data["notes"], str) and data["notes"]


@pytest.mark.parametrize("name", NAMES)
def test_profile_has_every_field(name):
    data = profiles.load(name)
    missing = [k for k in REQUIRED if k not in data]
    assert not missing, missing
    for section, fields in SOURCED.items():
        assert isinstance(data.get(section), dict), section
        for field in fields:
            assert field in data[section], (section, field)
    assert data["tls"]["works"] in ("yes", "no", "experimental", "unknown")
    free = data["free_heap_after_boot"]["bytes"]
    assert free is None or (isinstance(free, int) and free > 0)


@pytest.mark.parametrize("name", NAMES)
def test_every_figure_has_a_tag_and_a_source(name):
    data = profiles.load(name)
    for section in SOURCED:
        block = data[section]
        if section != "heap_budget":
            assert block.get("tag") in TAGS, (section, block.get("tag"))
        if list(_figures({k: v for k, v in block.items() if k != "tag"})):
            source = block.get("source")
            assert isinstance(source, str) and source.strip(), (section, "figure without a source")
    # Null figures must be marked unknown (with the BOARDS.md text saying so).
    if data["free_heap_after_boot"]["bytes"] is None:
        assert data["free_heap_after_boot"]["tag"] == "unknown"
        assert data["free_heap_after_boot"]["source"].strip()
    else:
        assert data["free_heap_after_boot"]["tag"] in ("M", "C", "D")
    # Sources point into BOARDS.md.
    for section in ("ram", "free_heap_after_boot", "max_sockets", "tls", "tcp_buffers"):
        assert "BOARDS.md" in data[section]["source"], section
    # The recommended settings' numbers are sourced too.
    assert "BOARDS.md" in data["recommended_source"]


@pytest.mark.parametrize("name", NAMES)
def test_recommended_uses_only_server_keywords(name):
    rec = profiles.load(name)["recommended"]
    assert set(rec) == set(profiles.RECOMMENDED_KEYS), set(rec) ^ set(profiles.RECOMMENDED_KEYS)
    assert isinstance(rec["https_ok"], bool)
    for key in profiles.SERVER_KEYS:
        assert isinstance(rec[key], int) and not isinstance(rec[key], bool) and rec[key] > 0, key
    assert rec["max_request_line_size"] <= rec["max_header_size"]
    kwargs = profiles.server_kwargs(name)
    assert "https_ok" not in kwargs and set(kwargs) == set(profiles.SERVER_KEYS)


@pytest.mark.parametrize("name", NAMES)
def test_test_heapsize_is_a_micropython_heapsize_and_derived(name):
    data = profiles.load(name)
    assert re.match(r"^[0-9]+[km]$", data["test_heapsize"]), data["test_heapsize"]
    assert profiles.heapsize_bytes(data["test_heapsize"]) >= 64 * 1024
    assert data["test_heapsize"] == profiles.derive_heapsize(data)


def test_recommended_settings_are_accepted_by_server():
    try:
        import socket

        from adafruit_httpserver import Server
    except ImportError as err:  # the server is still being written
        pytest.skip("adafruit_httpserver.Server not importable: %s" % err)
    for name in NAMES:
        Server(socket, debug=False, **profiles.server_kwargs(name))


def test_micropython_lane_default_is_the_smallest_pico_w_class_cap():
    pico_w_class = [profiles.load(n) for n in NAMES if profiles.load(n)["board_class"] == "A"]
    assert {p["name"] for p in pico_w_class} >= {"pico_w_circuitpython", "pico_w_micropython"}
    smallest = min(pico_w_class, key=lambda p: profiles.heapsize_bytes(p["test_heapsize"]))
    assert profiles.DEFAULT_TEST_HEAPSIZE == "128k"
    assert smallest["test_heapsize"] == profiles.DEFAULT_TEST_HEAPSIZE
    assert profiles.lane_heapsize() == "128k"
    # The portable runner documents the same default.
    runner = os.path.join(ROOT, "tests", "portable", "run.py")
    if os.path.exists(runner):
        with open(runner, encoding="utf-8") as f:
            caps = set(re.findall(r"heapsize=([0-9]+[km])", f.read()))
        assert caps <= {profiles.DEFAULT_TEST_HEAPSIZE}, caps
