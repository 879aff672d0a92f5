"""``serve_forever`` and ``python -m adafruit_httpserver``, each run as a real subprocess on
127.0.0.1 and stopped by PID (SIGINT, like Ctrl-C) by the test that started it.

The wake-up check is a generous sanity bound, not a benchmark: with ``poll_interval=5`` a
server that only slept between polls would take up to 5 s per request."""

import os
import re
import subprocess
import sys
import time

import requests

from helpers import popen, read_line, stop_process

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(ROOT, "adafruit_httpserver", "_demo")
SERVING = re.compile(r"^Serving (.+) on http://([^/]+):(\d+)/")

SERVE_FOREVER_SCRIPT = r"""
import socket, sys
sys.path.insert(0, sys.argv[1])
from adafruit_httpserver import Response, Server

server = Server(socket)

@server.route("/ping")
def ping(request):
    return Response(request, "pong")

server.start("127.0.0.1", 0)
print("PORT", server.port, flush=True)
server.serve_forever(poll_interval=5)
print("serve_forever returned, stopped=%s" % server.stopped, flush=True)
"""


def test_serve_forever_wakes_on_new_connections_without_waiting_poll_interval(tmp_path):
    script = tmp_path / "serve.py"
    script.write_text(SERVE_FOREVER_SCRIPT)
    proc = popen([sys.executable, "-u", str(script), ROOT])
    output = ""
    try:
        port = int(read_line(proc).split()[1])
        base = "http://127.0.0.1:%d/ping" % port
        for _ in range(3):
            time.sleep(0.3)  # let the loop settle into its idle wait
            started = time.monotonic()
            response = requests.get(base, timeout=10)  # a new connection each time
            elapsed = time.monotonic() - started
            assert response.text == "pong"
            assert elapsed < 2.5, "a new connection waited %.2f s for poll_interval=5" % elapsed
        with requests.Session() as session:  # and requests on an idle keep-alive connection
            assert session.get(base, timeout=10).text == "pong"
            for _ in range(2):
                time.sleep(0.3)
                started = time.monotonic()
                assert session.get(base, timeout=10).text == "pong"
                assert time.monotonic() - started < 2.5
    finally:
        output = stop_process(proc)
    assert "serve_forever returned, stopped=True" in output, output
    assert proc.returncode == 0, output


# -- the command line ---------------------------------------------------------------------------


def start_cli(*args):
    """Starts ``python -m adafruit_httpserver ARGS`` and returns ``(proc, root, host, port)``
    from its ``Serving ... on http://HOST:PORT/`` line."""
    proc = popen([sys.executable, "-u", "-m", "adafruit_httpserver", *args], cwd=ROOT)
    try:
        lines = []
        for _ in range(5):  # --debug prints "Started development server ..." first
            lines.append(read_line(proc))
            match = SERVING.match(lines[-1])
            if match:
                return proc, match.group(1), match.group(2), int(match.group(3))
        raise AssertionError("no 'Serving ... on http://HOST:PORT/' line in %r" % lines)
    except BaseException:
        stop_process(proc)
        raise


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "adafruit_httpserver", *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=30,
        check=False,
    )


def test_cli_serves_a_directory_on_an_ephemeral_port(tmp_path):
    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>t</title><p>hello from the test</p>")
    (site / "data.json").write_text('{"ok": true}')
    (site / "sub" / "index.html").write_text("sub index")
    proc, root, host, port = start_cli(str(site), "--port", "0")
    output = ""
    try:
        assert port != 0
        assert host == "127.0.0.1"
        assert os.path.samefile(root, str(site))
        base = "http://127.0.0.1:%d" % port
        with requests.Session() as session:
            index = session.get(base + "/", timeout=5)
            assert index.status_code == 200
            assert index.text == "<!doctype html><title>t</title><p>hello from the test</p>"
            assert index.headers["Content-Type"].startswith("text/html")
            data = session.get(base + "/data.json", timeout=5)
            assert data.json() == {"ok": True}
            assert data.headers["Content-Type"].startswith("application/json")
            assert session.get(base + "/sub/", timeout=5).text == "sub index"
            assert session.get(base + "/missing.txt", timeout=5).status_code == 404
            head = session.head(base + "/index.html", timeout=5)
            assert head.status_code == 200 and head.content == b""
            assert head.headers["Content-Length"] == str(len(index.content))
            assert session.get(base + "/../etc/passwd", timeout=5).status_code in (400, 403, 404)
    finally:
        output = stop_process(proc)
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output


def test_cli_serves_the_demo_site_by_default():
    proc, root, _, port = start_cli("--port", "0")
    output = ""
    try:
        assert os.path.samefile(root, DEMO)
        base = "http://127.0.0.1:%d" % port
        with requests.Session() as session:
            index = session.get(base + "/", timeout=5)
            assert index.status_code == 200
            assert index.headers["Content-Type"].startswith("text/html")
            with open(os.path.join(DEMO, "index.html"), "rb") as f:
                assert index.content == f.read()
            style = session.get(base + "/style.css", timeout=5)
            assert style.status_code == 200 and style.headers["Content-Type"].startswith("text/css")
            script = session.get(base + "/app.js", timeout=5)
            assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    finally:
        output = stop_process(proc)
    assert proc.returncode == 0, output


def test_cli_debug_prints_an_access_log_line():
    proc, _, _, port = start_cli("--port", "0", "--debug")
    output = ""
    try:
        assert requests.get("http://127.0.0.1:%d/style.css" % port, timeout=5).status_code == 200
        time.sleep(0.2)
    finally:
        output = stop_process(proc)
    assert '"GET /style.css"' in output and '"200 OK"' in output, output


def test_cli_help():
    proc = run_cli("--help")
    assert proc.returncode == 0
    out = proc.stdout.decode()
    assert "usage" in out.lower()
    assert "--port" in out and "--host" in out
    assert run_cli("-h").returncode == 0


def test_cli_bad_port_exits_nonzero_with_a_clear_message():
    for value in ("abc", "70000", "-1", "8o8o"):
        proc = run_cli("--port", value)
        assert proc.returncode != 0, value
        message = proc.stderr.decode()
        assert "--port" in message and value in message, message
        assert "Traceback" not in message, message
    proc = run_cli("--port")
    assert proc.returncode != 0
    assert "--port" in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()


def test_cli_other_bad_arguments_exit_nonzero(tmp_path):
    proc = run_cli(str(tmp_path / "does-not-exist"), "--port", "0")
    assert proc.returncode != 0
    assert "not a directory" in proc.stderr.decode()
    proc = run_cli("--bogus")
    assert proc.returncode != 0
    assert "--bogus" in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()
