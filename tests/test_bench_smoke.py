"""Smoke test for the benchmark: `bench/run.py --quick --only http --servers ours` runs and
prints a table with the expected rows and numeric cells. Never checks the numbers' size."""

import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "bench", "run.py")
NUMBER = re.compile(r"^[0-9][0-9,]*(\.[0-9]+)?$")
STALLED = re.compile(r"^stalled \(timeout [0-9.]+ s\)$")


def _table(text, title):
    """Rows (lists of cells) of the table printed under a line starting with ``title``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    header, rule = lines[start + 1], lines[start + 2]
    assert set(rule.replace(" ", "")) == {"-"}, rule
    # Column spans from the dashed rule.
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
    rows = []
    for line in lines[start + 3 :]:
        if not line.strip():
            break
        rows.append([line[a : (b if i < len(spans) - 1 else None)].strip() for i, (a, b) in enumerate(spans)])
    return [header[a:b].strip() for a, b in spans], rows


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    json_path = str(tmp_path_factory.mktemp("bench") / "results.json")
    proc = subprocess.run(
        [sys.executable, RUN, "--quick", "--only", "http", "--servers", "ours", "--json", json_path],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    with open(json_path, encoding="utf-8") as f:
        results = json.load(f)
    return proc.stdout.decode(), results


@pytest.fixture(scope="module")
def bench_output(bench_run):
    return bench_run[0]


def test_http_table_has_our_rows_with_numbers(bench_output):
    header, rows = _table(bench_output, "HTTP requests (quick run)")
    assert header[:3] == ["server", "new-conn req/s", "keep-alive req/s"], header
    assert "slow p50 ms" in header and "slow p99 ms" in header
    by_name = {row[0]: dict(zip(header, row)) for row in rows}
    assert sorted(by_name) == ["ours-forever", "ours-poll"], bench_output
    for name, row in by_name.items():
        for col in ("new-conn req/s", "keep-alive req/s", "reused %"):
            assert NUMBER.match(row[col]), (name, col, row[col])
        for col in ("slow p50 ms", "slow p99 ms"):
            assert NUMBER.match(row[col]) or STALLED.match(row[col]), (name, col, row[col])
        assert re.match(r"^[0-9]+/[0-9]+$", row["slow ok/fail"]), (name, row["slow ok/fail"])


def test_ratio_table_lists_our_rows(bench_output):
    header, rows = _table(bench_output, "Ratios")
    assert header[0] == "server" and "new-conn vs 4.8.2" in header and "keep-alive vs floor" in header
    assert sorted(r[0] for r in rows) == ["ours-forever", "ours-poll"]
    for row in rows:
        for cell in row[1:]:
            # Without the 4.8.2 and raw rows the references are missing: n/a is expected.
            assert cell == "n/a" or cell == "4.8.2 stalled" or re.match(r"^[0-9.]+x$", cell), cell


def test_no_server_process_left_behind(bench_run):
    _, results = bench_run
    (http,) = [s for s in results["sections"] if s["section"] == "http"]
    pids = [r["pid"] for r in http["results"]]
    assert len(pids) == 2
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_the_python_floor_answers_like_a_keep_alive_server():
    """``apps/py_minimal_server.py`` is compared with this package in the keep-alive
    columns, so it must keep connections alive (HTTP/1.1, and HTTP/1.0 when asked, as
    ``ab -k`` does) and close when asked, or its rates would mean nothing."""
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "bench", "apps", "py_minimal_server.py"), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert server.stdout.readline().split() == [b"READY", str(port).encode()]

        def exchange(sock, request):
            sock.sendall(request)
            data = b""
            deadline = time.monotonic() + 5
            while not data.endswith(b"Hello") and time.monotonic() < deadline:
                data += sock.recv(4096)
            return data

        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for _ in range(3):
                answer = exchange(sock, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"Connection" not in answer, answer
            answer = exchange(sock, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            assert b"Connection: close\r\n" in answer
            assert sock.recv(10) == b""
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for _ in range(2):
                answer = exchange(sock, b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                assert b"Connection: keep-alive\r\n" in answer, answer
            answer = exchange(sock, b"GET / HTTP/1.0\r\n\r\n")
            assert b"Connection: close\r\n" in answer
            assert sock.recv(10) == b""
    finally:
        server.kill()
        server.wait()
        server.stdout.close()
        server.stderr.close()
