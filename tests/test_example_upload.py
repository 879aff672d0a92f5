"""``examples/httpserver_upload.py`` run as a subprocess (board modules from
``tests/example_stubs``), driven with ``requests``, ``curl`` and a raw socket: the upload
form streams files into ``UPLOAD_DIR``, the page lists them with their sizes, ``PUT
/files/<name>`` stores a raw body under a cleaned name, ``GET /files/<name>`` gives it back,
and ``MAX_UPLOAD_SIZE`` is enforced with 413. The process is stopped by PID in ``finally``."""

import contextlib
import hashlib
import html
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "httpserver_upload.py")
STUBS = os.path.join(ROOT, "tests", "example_stubs")
CURL = shutil.which("curl")
MB = 1024 * 1024
MAX_UPLOAD = 3 * MB
TIMEOUT = 30


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Running:
    def __init__(self, process, port, folder, log):
        self.process = process
        self.port = port
        self.folder = folder  # the test's temp dir; uploads go to folder/uploads
        self.uploads = os.path.join(folder, "uploads")
        self.log = log

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def upload_example(max_upload=MAX_UPLOAD):
    """Starts the example on a free port with a fresh ``UPLOAD_DIR`` (which it creates)."""
    folder = tempfile.mkdtemp(prefix="example-upload-")
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([ROOT, STUBS]),
            "PYTHONUNBUFFERED": "1",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "UPLOAD_DIR": os.path.join(folder, "uploads"),
            "MAX_UPLOAD_SIZE": str(max_upload),
        }
    )
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, EXAMPLE],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    running = Running(process, port, folder, log)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise AssertionError("the example exited (%s):\n%s" % (process.returncode, running.output()))
            try:
                if requests.get(running.url("/"), timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the example is not answering after 20 s:\n" + running.output())
            time.sleep(0.1)
        yield running
    except BaseException:
        print("---- example output ----\n" + running.output())
        raise
    finally:
        _stop(process)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def example():
    with upload_example() as running:
        yield running


def listed(page):
    """``{name: size}`` from the page's list of uploaded files."""
    items = re.findall(r'<li><a href="/files/[^"]*">([^<]*)</a> <span class="size">(\d+) bytes</span></li>', page)
    return {html.unescape(name): int(size) for name, size in items}


def test_the_page_has_the_form_and_an_empty_list():
    with upload_example() as running:
        page = requests.get(running.url("/"), timeout=TIMEOUT)
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        assert '<form action="/" method="post" enctype="multipart/form-data">' in page.text
        assert '<input type="file" name="file"' in page.text
        assert "(none yet)" in page.text and listed(page.text) == {}
        assert os.path.isdir(running.uploads)  # created by the example


def test_form_upload_is_streamed_to_the_folder_and_listed(example):
    data = os.urandom(2 * MB + 999)
    response = requests.post(
        example.url("/"),
        files={"file": ("holiday video.mp4", data, "video/mp4")},
        data={"note": "from <requests>"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    assert "Saved <b>holiday video.mp4</b> (%d bytes)." % len(data) in response.text
    assert "Note: <i>from &lt;requests&gt;</i>" in response.text
    assert listed(response.text)["holiday video.mp4"] == len(data)
    with open(os.path.join(example.uploads, "holiday video.mp4"), "rb") as file:
        assert sha256(file.read()) == sha256(data)
    assert listed(requests.get(example.url("/"), timeout=TIMEOUT).text)["holiday video.mp4"] == len(data)
    download = requests.get(example.url("/files/holiday%20video.mp4"), timeout=TIMEOUT)
    assert download.status_code == 200 and sha256(download.content) == sha256(data)


def test_form_sent_without_choosing_a_file_asks_for_one(example):
    # What a browser sends for an empty <input type="file">: a file part with filename="".
    response = requests.post(
        example.url("/"), files={"file": ("", b"", "application/octet-stream")}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    assert "Choose a file first." in response.text


def test_form_upload_names_cannot_escape(example):
    response = requests.post(
        example.url("/"), files={"file": ("../../../outside.txt", b"nope", "text/plain")}, timeout=TIMEOUT
    )
    assert response.status_code == 200
    assert os.path.isfile(os.path.join(example.uploads, "outside.txt"))
    for base, _, names in os.walk(example.folder):
        for name in names:
            assert os.path.dirname(os.path.join(base, name)) == example.uploads, (base, name)


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_put_with_curl_and_download_back(example):
    folder = tempfile.mkdtemp(prefix="put-source-")
    try:
        data = os.urandom(MAX_UPLOAD - 12345)
        source = os.path.join(folder, "firmware.bin")
        with open(source, "wb") as file:
            file.write(data)
        proc = subprocess.run(
            [CURL, "-sS", "-v", "--max-time", str(TIMEOUT), "--expect100-timeout", "20", "-T", source,
             example.url("/files/fw%20v2.bin")],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=TIMEOUT + 10, check=False,
        )  # fmt: skip
        verbose = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == 0, verbose
        assert "< HTTP/1.1 100 Continue" in verbose  # curl asks for large bodies
        assert "< HTTP/1.1 201 Created" in verbose
        assert proc.stdout == b"Saved fw v2.bin (%d bytes)\n" % len(data)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert sorted(os.listdir(example.uploads)).count("fw v2.bin") == 1
    assert not os.path.exists(os.path.join(example.uploads, "fw v2.bin.part"))
    back = requests.get(example.url("/files/fw%20v2.bin"), timeout=TIMEOUT)
    assert back.status_code == 200 and sha256(back.content) == sha256(data)
    assert listed(requests.get(example.url("/"), timeout=TIMEOUT).text)["fw v2.bin"] == len(data)


def test_put_chunked_with_requests_replaces_a_file(example):
    first = os.urandom(100000)
    second = os.urandom(150001)
    assert requests.put(example.url("/files/data.bin"), data=first, timeout=TIMEOUT).status_code == 201
    response = requests.put(example.url("/files/data.bin"), data=iter([second[:50000], second[50000:]]), timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    with open(os.path.join(example.uploads, "data.bin"), "rb") as file:
        assert file.read() == second


@pytest.mark.parametrize("path", ["/files/..%2F..%2Fevil.bin", "/files/%2E%2E", "/files/x.part"])
def test_put_names_are_cleaned_or_refused(example, path):
    response = requests.put(example.url(path), data=b"evil", timeout=TIMEOUT)
    assert response.status_code in (201, 400, 403, 404, 405), response.status_code
    for base, _, names in os.walk(example.folder):
        for name in names:
            assert os.path.dirname(os.path.join(base, name)) == example.uploads, (base, name)
    assert "x.part" not in os.listdir(example.uploads)


def test_missing_download_is_404(example):
    assert requests.get(example.url("/files/never-uploaded.bin"), timeout=TIMEOUT).status_code == 404


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_too_large_uploads_get_413_unread(example):
    folder = tempfile.mkdtemp(prefix="too-large-")
    try:
        source = os.path.join(folder, "big.bin")
        with open(source, "wb") as file:
            file.write(os.urandom(MAX_UPLOAD + 1))
        for args in (["-T", source, example.url("/files/big.bin")], ["-F", "file=@" + source, example.url("/")]):
            proc = subprocess.run(
                [CURL, "-sS", "--max-time", str(TIMEOUT), "--expect100-timeout", "20", "-o", os.devnull,
                 "-w", "%{http_code} %{size_upload}"] + args,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                timeout=TIMEOUT + 10, check=False,
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            assert proc.stdout.split() == [b"413", b"0"], (args, proc.stdout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert "big.bin" not in os.listdir(example.uploads)


def test_an_interrupted_put_leaves_no_file_under_its_name(example):
    with socket.create_connection(("127.0.0.1", example.port), timeout=10) as sock:
        sock.sendall(b"PUT /files/broken.bin HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n")
        sock.sendall(os.urandom(500000))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the server notices the EOF within a poll or two
        page = requests.get(example.url("/"), timeout=TIMEOUT).text
        if "broken.bin" not in page:
            break
        time.sleep(0.05)
    assert "broken.bin" not in listed(page)
    assert "broken.bin" not in os.listdir(example.uploads)
    assert example.process.poll() is None
