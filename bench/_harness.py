"""Shared helpers for the benchmarks: processes, ports, timing, tables.

Every process a benchmark starts goes through ``Proc`` so that it is stopped by PID
(terminate, then kill) in a ``finally`` block, at interpreter exit, and on SIGTERM.
Nothing here asserts on timing: benchmarks report numbers, tests only check shape.
"""

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
APPS = os.path.join(BENCH, "apps")
HOST = "127.0.0.1"

UPSTREAM_VERSION = "4.8.2"
UPSTREAM_SHARED = "/tmp/upstream482"  # reused when present (black box: imported, never read)
UPSTREAM_LOCAL = os.path.join(BENCH, ".upstream-" + UPSTREAM_VERSION)


# -- options -------------------------------------------------------------------------------


class Budget:
    """Durations and counts for one run: ``quick`` is a smoke run of a few seconds."""

    def __init__(self, quick=False):
        self.quick = quick
        if quick:
            self.warmup = 5
            self.seq_seconds, self.seq_max = 0.4, 400
            self.ka_seconds, self.ka_max = 0.4, 800
            self.ka_rounds = 1
            self.slow_clients = 4
            self.slow_settle, self.slow_seconds, self.slow_timeout = 0.6, 1.2, 0.5
            self.slow_max = 500
            self.mp_requests = 30
        else:
            self.warmup = 20
            self.seq_seconds, self.seq_max = 3.0, 4000
            # Keep-alive: 5 rounds of 1 s per client, the servers taking turns, so that a
            # burst of noise on a shared machine hits one round, not one server.
            self.ka_seconds, self.ka_max = 1.0, 10000
            self.ka_rounds = 5
            self.slow_clients = 4
            self.slow_settle, self.slow_seconds, self.slow_timeout = 1.2, 8.0, 2.0
            self.slow_max = 5000
            self.mp_requests = 300
        self.slow_interval = 0.5  # one byte per slow client every 0.5 s
        self.stall_after = 3  # consecutive timeouts that end the slow-client run
        self.start_timeout = 10.0


# -- processes -----------------------------------------------------------------------------

_LIVE = {}


class Proc:
    """A subprocess owned by the benchmark, stopped by PID in ``stop()``.

    Output goes to temporary files (never a pipe that could fill up and block it)."""

    def __init__(self, name, argv, env=None, cwd=None):
        self.name = name
        self.argv = argv
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        self.popen = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd or APPS,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
        )
        self.pid = self.popen.pid
        _LIVE[self.pid] = self

    def alive(self):
        return self.popen.poll() is None

    def stop(self, grace=2.0):
        """Terminate, wait up to ``grace`` s, then kill; always reaps. Idempotent."""
        try:
            if self.popen.poll() is None:
                try:
                    os.kill(self.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.popen.wait(grace)
                except subprocess.TimeoutExpired:
                    try:
                        os.kill(self.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    self.popen.wait(grace)
        finally:
            _LIVE.pop(self.pid, None)

    def output(self, limit=4000):
        """(stdout, stderr) so far, decoded, each cut to its last ``limit`` chars."""
        res = []
        for f in (self._out, self._err):
            f.flush()
            f.seek(0)
            res.append(f.read().decode("utf-8", "replace")[-limit:])
        return tuple(res)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def stop_all():
    for proc in list(_LIVE.values()):
        proc.stop(grace=1.0)


def _on_signal(signum, _frame):
    stop_all()
    raise KeyboardInterrupt("signal %d" % signum)


def install_cleanup():
    """Stop every live ``Proc`` at exit and on SIGTERM/SIGHUP (SIGINT raises as usual)."""
    atexit.register(stop_all)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(sig, _on_signal)
        except (ValueError, OSError):  # not the main thread / not supported
            pass


def run_capture(argv, timeout, env=None, cwd=None):
    """Run to completion (bounded by ``timeout``); returns (rc, stdout, stderr)."""
    proc = Proc("run", argv, env=env, cwd=cwd)
    try:
        try:
            proc.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.stop(grace=0.5)
            out, err = proc.output()
            return None, out, err + "\n[timed out after %.0f s]" % timeout
        out, err = proc.output(limit=100000)
        return proc.popen.returncode, out, err
    finally:
        proc.stop()


def clean_env(pythonpath=None, extra=None):
    """The current environment with PYTHONPATH replaced (not extended) by ``pythonpath``."""
    env = dict(os.environ)
    for key in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "MICROPYPATH"):
        env.pop(key, None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    if extra:
        env.update(extra)
    return env


# -- ports ---------------------------------------------------------------------------------


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_http_ready(port, proc, timeout, path="/"):
    """Poll with complete GET requests until one answers (a bare connect would wedge
    4.8.2, which never checks for EOF). Returns the first response body."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not proc.alive():
            out, err = proc.output()
            raise RuntimeError("%s exited (rc=%s)\n%s\n%s" % (proc.name, proc.popen.returncode, out, err))
        conn = http.client.HTTPConnection(HOST, port, timeout=1.5)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.read()
        except (OSError, http.client.HTTPException) as err:
            last = err
            time.sleep(0.05)
        finally:
            conn.close()
    out, err = proc.output()
    raise RuntimeError("%s not ready after %.0f s (%r)\n%s\n%s" % (proc.name, timeout, last, out, err))


# -- runtimes ------------------------------------------------------------------------------


def tool_path(name):
    """``name`` next to this Python (a venv's bin/) first, then on PATH, else None."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(local) and os.access(local, os.X_OK):
        return local
    return shutil.which(name)


def micropython_binary():
    return tool_path("micropython")


def upstream_path(install=True, log=print):
    """Directory holding adafruit_httpserver 4.8.2 (never our repo), or None."""
    for path in (os.environ.get("BENCH_UPSTREAM_PATH"), UPSTREAM_SHARED, UPSTREAM_LOCAL):
        if path and os.path.isdir(os.path.join(path, "adafruit_httpserver")):
            return path
    if not install:
        return None
    log("installing adafruit-circuitpython-httpserver==%s into %s" % (UPSTREAM_VERSION, UPSTREAM_LOCAL))
    rc, out, err = run_capture(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            UPSTREAM_LOCAL,
            "adafruit-circuitpython-httpserver==" + UPSTREAM_VERSION,
        ],
        timeout=300,
        cwd=BENCH,
    )
    if rc != 0 or not os.path.isdir(os.path.join(UPSTREAM_LOCAL, "adafruit_httpserver")):
        log("pip install failed (rc=%s): %s" % (rc, (out + err)[-800:]))
        return None
    return UPSTREAM_LOCAL


def ours_importable():
    """(ok, message): whether this repo's Server, Request, Response import on CPython."""
    rc, out, err = run_capture(
        [sys.executable, "-c", "from adafruit_httpserver import Server, Request, Response"],
        timeout=30,
        env=clean_env(REPO),
        cwd=REPO,
    )
    if rc == 0:
        return True, "ok"
    lines = (err or out).strip().splitlines()
    return False, lines[-1] if lines else "rc=%s" % rc


# -- statistics and output -----------------------------------------------------------------


def percentile(values, pct):
    """Nearest-rank percentile of ``values`` (a non-empty list)."""
    ordered = sorted(values)
    rank = max(1, int(round(pct / 100.0 * len(ordered) + 0.5 - 1e-9)))
    return ordered[min(rank, len(ordered)) - 1]


def fmt_num(value, digits=0):
    if value is None:
        return "n/a"
    if digits == 0:
        return "{:,.0f}".format(value)
    return "{:,.{}f}".format(value, digits)


def fmt_ratio(value):
    if value is None:
        return "n/a"
    return ("%.3fx" if value < 0.1 else "%.2fx") % value


def ratio(num, den):
    if num is None or den is None or den <= 0:
        return None
    return num / den


def table(headers, rows):
    """A plain-text table: left-aligned first column, right-aligned others."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row):
        out = []
        for i, cell in enumerate(row):
            out.append(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]))
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])


def dump_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
