"""Static files over real sockets on 127.0.0.1 (CPython), with ``requests`` and ``curl``:
ETag revalidation, ranges, precompressed siblings, a 20 MB download with few connection
slots, and a client that stops reading without stalling another one."""

import contextlib
import gzip
import hashlib
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest
import requests

from adafruit_httpserver import Server

CURL = shutil.which("curl")
BIG_SIZE = 20 * 1024 * 1024


@contextlib.contextmanager
def serving(root, **options):
    """A server for ``root`` polled in a thread (``poll()`` + ``_engine.wait(0.01)``);
    always stopped on exit. Yields ``(base_url, errors)``."""
    server = Server(socket, root, **options)
    server.start("127.0.0.1", 0)
    errors = []
    halt = threading.Event()

    def loop():
        while not halt.is_set():
            try:
                server.poll()
            except Exception as error:  # pylint: disable=broad-except
                errors.append(error)
            engine = server._engine
            if engine is not None and not halt.is_set():
                engine.wait(0.01)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.port, errors
    finally:
        halt.set()
        thread.join(5)
        server.stop()
        assert not thread.is_alive(), "the poll thread did not stop"


def curl(*args, timeout=60):
    if CURL is None:
        pytest.skip("curl is not installed")
    result = subprocess.run(
        [CURL, "--silent", "--show-error", "--max-time", str(timeout), "--noproxy", "*"] + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=timeout + 10,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    return result.stdout


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture(name="www")
def www_fixture(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "index.html").write_bytes(b"<h1>home</h1>")
    (root / "data.bin").write_bytes(bytes(range(256)) * 64)  # 16 KB
    script = b"function hello() { return 'hello, world'; }\n" * 200
    (root / "app.js").write_bytes(script)
    (root / "app.js.gz").write_bytes(gzip.compress(script))
    return root


@pytest.fixture(name="big", scope="module")
def big_fixture(tmp_path_factory):
    root = tmp_path_factory.mktemp("bigroot")
    path = root / "big.bin"
    with open(path, "wb") as handle:
        for _ in range(BIG_SIZE // (1 << 20)):
            handle.write(os.urandom(1 << 20))
    return root, sha256_file(path)


def test_etag_revalidation_round_trip(www):
    with serving(str(www)) as (base, errors):
        with requests.Session() as session:
            first = session.get(base + "/data.bin", timeout=10)
            assert first.status_code == 200
            assert first.content == bytes(range(256)) * 64
            etag = first.headers["ETag"]
            assert first.headers["Cache-Control"] == "no-cache"
            assert first.headers["Accept-Ranges"] == "bytes"
            again = session.get(base + "/data.bin", headers={"If-None-Match": etag}, timeout=10)
            assert again.status_code == 304
            assert again.content == b""
            assert again.headers["ETag"] == etag
            if "Last-Modified" in first.headers:
                since = {"If-Modified-Since": first.headers["Last-Modified"]}
                assert session.get(base + "/data.bin", headers=since, timeout=10).status_code == 304
            time.sleep(0.01)
            (www / "data.bin").write_bytes(b"changed")
            changed = session.get(base + "/data.bin", headers={"If-None-Match": etag}, timeout=10)
            assert changed.status_code == 200
            assert changed.content == b"changed"
            assert changed.headers["ETag"] != etag
        assert errors == []


def test_curl_range(www, tmp_path):
    with serving(str(www)) as (base, errors):
        headers = tmp_path / "headers.txt"
        body = curl("-r", "0-99", "-D", str(headers), base + "/data.bin")
        assert body == bytes(range(100))
        head = headers.read_text()
        assert head.startswith("HTTP/1.1 206 Partial Content")
        assert "Content-Range: bytes 0-99/16384" in head
        assert curl("-r", "16380-", base + "/data.bin") == bytes(range(252, 256))
        assert curl("-r", "-3", base + "/data.bin") == bytes(range(253, 256))
        status = curl("-r", "20000-", "-o", os.devnull, "-w", "%{http_code}", base + "/data.bin")
        assert status == b"416"
        assert errors == []


def test_curl_compressed_gets_the_gz_sibling(www, tmp_path):
    with serving(str(www)) as (base, errors):
        headers = tmp_path / "headers.txt"
        body = curl("--compressed", "-D", str(headers), base + "/app.js")
        assert body == (www / "app.js").read_bytes()  # curl decompressed it
        head = headers.read_text().lower()
        assert "content-encoding: gzip" in head
        assert "content-type: text/javascript" in head
        assert "vary: accept-encoding" in head
        assert "content-length: %d" % (www / "app.js.gz").stat().st_size in head
        plain = curl("-D", str(headers), base + "/app.js")
        assert plain == (www / "app.js").read_bytes()
        assert "content-encoding" not in headers.read_text().lower()
        assert errors == []


def test_20mb_download_is_intact(big, tmp_path):
    root, digest = big
    with serving(str(root), max_connections=2) as (base, errors):
        target = tmp_path / "copy.bin"
        started = time.monotonic()
        curl("-o", str(target), base + "/big.bin", timeout=120)
        elapsed = time.monotonic() - started
        assert target.stat().st_size == BIG_SIZE
        assert sha256_file(target) == digest
        with requests.get(base + "/big.bin", stream=True, timeout=30) as response:
            assert response.headers["Content-Length"] == str(BIG_SIZE)
            hasher = hashlib.sha256()
            for block in response.iter_content(1 << 16):
                hasher.update(block)
        assert hasher.hexdigest() == digest
        print("\n20 MB with curl in %.2f s (%.0f MB/s)" % (elapsed, BIG_SIZE / elapsed / 1e6))
        assert errors == []


def test_a_client_that_stops_reading_does_not_stall_others(big, www):
    root, digest = big
    shutil.copy(str(www / "index.html"), str(root / "index.html"))
    with serving(str(root), max_connections=2) as (base, errors):
        stuck = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=5)
        try:
            stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stuck.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
            assert stuck.recv(100).startswith(b"HTTP/1.1 200")  # then never reads again
            time.sleep(0.2)  # the server has filled this client's window by now
            started = time.monotonic()
            for _ in range(5):
                response = requests.get(base + "/index.html", timeout=5)
                assert response.content == b"<h1>home</h1>"
            with requests.get(base + "/big.bin", stream=True, timeout=30) as response:
                hasher = hashlib.sha256()
                for block in response.iter_content(1 << 16):
                    hasher.update(block)
            assert hasher.hexdigest() == digest
            assert time.monotonic() - started < 60
        finally:
            stuck.close()
        assert errors == []
