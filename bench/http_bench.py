"""HTTP request benchmarks: our server vs adafruit_httpserver 4.8.2 vs a raw-socket floor.

Each server runs in its own subprocess on its own 127.0.0.1 port; the client is this
process. Per server, in this order (the slow-client run last, since it may wedge 4.8.2):

* ``new-conn req/s``: sequential GETs, a new connection for each (http.client);
* ``keep-alive req/s``: sequential GETs on one persistent http.client connection; when
  the server closes, the client reconnects and carries on (``reused %`` says how many
  requests went over an already-open connection);
* slow clients: 4 clients each send one byte of an endless request head every 0.5 s
  (reconnecting whenever the server drops them) while a normal client makes sequential
  new-connection GETs with a per-request timeout; p50/p99 of its latency, or
  ``stalled (timeout N s)`` when it gets nothing through.
"""

import http.client
import os
import select
import socket
import statistics
import sys
import threading
import time

import _harness as H

NAME = "http"
HELP = "requests/s (new connections, keep-alive) and latency beside slow clients"

SERVERS = ("ours-poll", "ours-forever", "4.8.2-poll", "4.8.2-forever", "py-minimal", "raw-close", "raw-keepalive")
GROUPS = {
    "all": SERVERS,
    "ours": ("ours-poll", "ours-forever"),
    "4.8.2": ("4.8.2-poll", "4.8.2-forever"),
    "upstream": ("4.8.2-poll", "4.8.2-forever"),
    "raw": ("raw-close", "raw-keepalive"),
    "floors": ("py-minimal", "raw-close", "raw-keepalive"),
}
DESCRIPTIONS = {
    "ours-poll": "this repo, start() + poll() in a tight loop",
    "ours-forever": "this repo, serve_forever() with its default poll_interval",
    "4.8.2-poll": "adafruit_httpserver 4.8.2, start() + poll() in a tight loop",
    "4.8.2-forever": "adafruit_httpserver 4.8.2, serve_forever() (default poll_interval=0.1)",
    "py-minimal": "the least a Python keep-alive server does per request (parse, route, format), same loop shape",
    "raw-close": "raw blocking socket server, Connection: close",
    "raw-keepalive": "raw blocking socket server, keep-alive",
}
EXPECTED_BODY = b"Hello"
SLOW_HEAD = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def expand_servers(spec):
    """``"ours,raw-close"`` -> ordered tuple of server names; raises ValueError."""
    if not spec:
        return SERVERS
    chosen = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        names = GROUPS.get(item, (item,) if item in SERVERS else None)
        if names is None:
            raise ValueError("unknown server %r (choose from %s)" % (item, ", ".join(SERVERS + tuple(GROUPS))))
        for n in names:
            if n not in chosen:
                chosen.append(n)
    return tuple(n for n in SERVERS if n in chosen)


# -- clients -------------------------------------------------------------------------------


class CountingConnection(http.client.HTTPConnection):
    """http.client connection that counts how often it (re)connects."""

    connects = 0

    def connect(self):
        super().connect()
        self.connects += 1


def get_new_connection(port, timeout):
    """One GET on a fresh connection; returns latency in seconds, raises on failure."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection(H.HOST, port, timeout=timeout)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200 or body != EXPECTED_BODY:
        raise ValueError("unexpected answer %s %r" % (resp.status, body[:40]))
    return time.perf_counter() - start


def _sample(samples, err, keep=3):
    text = "%s: %s" % (type(err).__name__, err)
    if len(samples) < keep and text not in samples:
        samples.append(text[:160])


def bench_new_connections(port, seconds, max_requests, timeout=5.0):
    done = errors = 0
    samples = []
    start = time.perf_counter()
    deadline = start + seconds
    while done < max_requests and time.perf_counter() < deadline:
        try:
            get_new_connection(port, timeout)
            done += 1
        except (OSError, http.client.HTTPException, ValueError) as err:
            errors += 1
            _sample(samples, err)
            if errors > 20 and done == 0:
                break
    elapsed = time.perf_counter() - start
    return {
        "requests": done,
        "errors": errors,
        "seconds": elapsed,
        "rps": done / elapsed if done else 0.0,
        "error_samples": samples,
    }


def bench_keep_alive(port, seconds, max_requests, timeout=5.0):
    conn = CountingConnection(H.HOST, port, timeout=timeout)
    done = errors = retries = 0
    samples = []
    start = time.perf_counter()
    deadline = start + seconds
    try:
        while done < max_requests and time.perf_counter() < deadline:
            for attempt in (0, 1):
                try:
                    conn.request("GET", "/")
                    resp = conn.getresponse()
                    body = resp.read()
                    if resp.status != 200 or body != EXPECTED_BODY:
                        raise ValueError("unexpected answer %s %r" % (resp.status, body[:40]))
                    done += 1
                    break
                except (OSError, http.client.HTTPException) as err:
                    # The server closed a connection it had not announced as closing:
                    # reconnect transparently (once) and carry on.
                    conn.close()
                    if attempt == 0 and not isinstance(err, socket.timeout):
                        retries += 1
                        continue
                    errors += 1
                    _sample(samples, err)
                    break
                except ValueError as err:
                    conn.close()
                    errors += 1
                    _sample(samples, err)
                    break
            if errors > 20 and done == 0:
                break
    finally:
        conn.close()
    elapsed = time.perf_counter() - start
    connects = max(conn.connects, 1)
    return {
        "requests": done,
        "errors": errors,
        "seconds": elapsed,
        "rps": done / elapsed if done else 0.0,
        "connections": conn.connects,
        "retries": retries,
        "error_samples": samples,
        "reused_pct": 100.0 * max(done - connects, 0) / done if done else 0.0,
    }


class SlowClients:
    """``count`` clients sending one byte of a never-ending request head every
    ``interval`` s, each reconnecting when the server drops it. Runs in one thread."""

    def __init__(self, port, count, interval):
        self.port = port
        self.count = count
        self.interval = interval
        self.socks = [None] * count
        self.sent = [0] * count
        self.drops = 0
        self.connect_failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def _connect(self, i):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1.0)
        try:
            s.connect((H.HOST, self.port))
        except OSError:
            s.close()
            self.connect_failures += 1
            return
        s.setblocking(False)
        self.socks[i] = s
        self.sent[i] = 0

    def _drop(self, i):
        try:
            self.socks[i].close()
        except OSError:
            pass
        self.socks[i] = None
        self.drops += 1

    def _next_byte(self, i):
        n = self.sent[i]
        return SLOW_HEAD[n : n + 1] if n < len(SLOW_HEAD) else b"a"

    def _run(self):
        while not self._stop.is_set():
            for i in range(self.count):
                if self._stop.is_set():
                    break
                if self.socks[i] is None:
                    self._connect(i)
                    continue
                s = self.socks[i]
                try:
                    readable, _, _ = select.select([s], [], [], 0)
                    if readable:
                        data = s.recv(4096)  # an error answer (408/431...) or EOF: drop
                        self._drop(i)
                        if data:
                            self._connect(i)
                        continue
                    if s.send(self._next_byte(i)) == 1:
                        self.sent[i] += 1
                except OSError:
                    self._drop(i)
            self._stop.wait(self.interval)

    def start(self):
        for i in range(self.count):
            self._connect(i)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        for i in range(self.count):
            if self.socks[i] is not None:
                try:
                    self.socks[i].close()
                except OSError:
                    pass
                self.socks[i] = None


def bench_slow_clients(port, budget):
    slow = SlowClients(port, budget.slow_clients, budget.slow_interval)
    slow.start()
    latencies = []
    samples = []
    timeouts = errors = consecutive = 0
    try:
        time.sleep(budget.slow_settle)
        deadline = time.perf_counter() + budget.slow_seconds
        while time.perf_counter() < deadline and len(latencies) < budget.slow_max:
            try:
                latencies.append(get_new_connection(port, budget.slow_timeout))
                consecutive = 0
            except socket.timeout:
                timeouts += 1
                consecutive += 1
            except (OSError, http.client.HTTPException, ValueError) as err:
                errors += 1
                consecutive += 1
                _sample(samples, err)
                time.sleep(0.01)
            if consecutive >= budget.stall_after:
                break
    finally:
        slow.stop()
    res = {
        "requests": len(latencies),
        "timeouts": timeouts,
        "errors": errors,
        "timeout_s": budget.slow_timeout,
        "slow_drops": slow.drops,
        "stalled": not latencies,
        "error_samples": samples,
    }
    if latencies:
        res["p50_ms"] = H.percentile(latencies, 50) * 1000
        res["p99_ms"] = H.percentile(latencies, 99) * 1000
    return res


# -- servers -------------------------------------------------------------------------------


def server_command(name, port, upstream):
    """(argv, env, expected package dir or None) for server ``name``."""
    py = [sys.executable, "-s"]
    if name.startswith("raw-"):
        return py + [os.path.join(H.APPS, "raw_server.py"), str(port), name[4:]], H.clean_env(), None
    if name == "py-minimal":
        return py + [os.path.join(H.APPS, "py_minimal_server.py"), str(port)], H.clean_env(), None
    mode = name.split("-", 1)[1]
    app = os.path.join(H.APPS, "httpserver_app.py")
    if name.startswith("ours-"):
        return py + [app, str(port), mode], H.clean_env(H.REPO), os.path.join(H.REPO, "adafruit_httpserver")
    return py + [app, str(port), mode], H.clean_env(upstream), os.path.join(upstream, "adafruit_httpserver")


def bench_keep_alive_lean(port, seconds, max_requests, timeout=5.0):
    """Keep-alive with a lean raw-socket client (one request at a time, the response read
    by its Content-Length), so that the servers, not http.client's parsing, are measured.
    A server that closes after each response is transparently reconnected to."""
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sock = None
    done = connects = errors = 0
    buffered = b""
    start = time.perf_counter()
    deadline = start + seconds
    while done < max_requests and time.perf_counter() < deadline:
        if sock is None:
            sock = socket.create_connection((H.HOST, port), timeout=timeout)
            connects += 1
            buffered = b""
        try:
            sock.sendall(request)
            while True:
                head_end = buffered.find(b"\r\n\r\n")
                if head_end >= 0:
                    head = buffered[:head_end].lower()
                    length = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
                    total = head_end + 4 + length
                    if len(buffered) >= total:
                        closing = b"connection: close" in head
                        buffered = buffered[total:]
                        break
                chunk = sock.recv(65536)
                if not chunk:
                    raise OSError("closed before a whole response")
                buffered += chunk
            done += 1
            if closing:
                sock.close()
                sock = None
        except (OSError, ValueError, IndexError):
            errors += 1
            sock.close()
            sock = None
            if errors > 20 and done == 0:
                break
    if sock is not None:
        sock.close()
    elapsed = time.perf_counter() - start
    return {
        "requests": done,
        "errors": errors,
        "seconds": elapsed,
        "rps": done / elapsed if elapsed else 0.0,
        "connections": connects,
    }


def bench_keep_alive_ab(port, requests_count, seconds, concurrency=1):
    """Keep-alive as ApacheBench measures it (``ab -k -c N``: a C client, so the server is
    what is measured; a server that closes after each response is reconnected to). With
    ``-c 1`` every request waits for the previous answer (latency-bound); with ``-c 4``
    four connections keep the server busy (throughput-bound). None when ``ab`` (Debian's
    apache2-utils) is not installed."""
    import shutil  # pylint: disable=import-outside-toplevel
    import subprocess  # pylint: disable=import-outside-toplevel

    tool = shutil.which("ab")
    if tool is None:
        return None
    result = subprocess.run(
        [
            tool,
            "-q",
            "-k",
            "-s",
            "5",
            "-t",
            str(max(1, int(seconds))),  # -t stops at this many seconds (or -n requests)
            "-n",
            str(requests_count),
            "-c",
            str(concurrency),
            "http://%s:%d/" % (H.HOST, port),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    rate = failed = kept = done = None
    for line in result.stdout.splitlines():
        if line.startswith("Requests per second:"):
            rate = float(line.split()[3])
        elif line.startswith("Failed requests:"):
            failed = int(line.split()[2])
        elif line.startswith("Keep-Alive requests:"):
            kept = int(line.split()[2])
        elif line.startswith("Complete requests:"):
            done = int(line.split()[2])
    if rate is None:
        return {"rps": 0.0, "errors": requests_count, "error_samples": [result.stderr.strip()[:120]]}
    return {"rps": rate, "requests": (done or 0) - (failed or 0), "errors": failed or 0, "kept_alive": kept}


KEEP_ALIVE_MODES = ("keep_alive", "keep_alive_lean", "keep_alive_ab", "keep_alive_ab4")


def _start_server(name, budget, upstream):
    """A fresh server process, ready for requests: ``(proc, port, expected package)``."""
    port = H.free_port()
    argv, env, expect_pkg = server_command(name, port, upstream)
    proc = H.Proc(name, argv, env=env, cwd=H.APPS)
    try:
        H.wait_http_ready(port, proc, budget.start_timeout)
    except BaseException:
        proc.stop()
        raise
    return proc, port, expect_pkg


def measure_server(name, budget, upstream, log):
    """New connections and the slow-client run, on one server process (the keep-alive
    measurements are in rounds, see ``keep_alive_round``)."""
    res = {"server": name}
    proc = None
    try:
        proc, port, expect_pkg = _start_server(name, budget, upstream)
        res["port"], res["pid"] = port, proc.pid
        if expect_pkg:
            out, _ = proc.output()
            loaded = [ln.split(" ", 1)[1] for ln in out.splitlines() if ln.startswith("LOADED ")]
            res["package"] = loaded[0] if loaded else None
            if not loaded or os.path.realpath(loaded[0]) != os.path.realpath(expect_pkg):
                raise RuntimeError("%s loaded %s, expected %s" % (name, loaded, expect_pkg))
        for _ in range(budget.warmup):
            get_new_connection(port, 5.0)
        log("  %-14s new connections ..." % name)
        res["new_conn"] = bench_new_connections(port, budget.seq_seconds, budget.seq_max)
        log("  %-14s slow clients ..." % name)
        res["slow"] = bench_slow_clients(port, budget)
    except Exception as err:  # pylint: disable=broad-except
        res["error"] = "%s: %s" % (type(err).__name__, str(err).splitlines()[0] if str(err) else "")
    finally:
        if proc is not None:
            proc.stop()
            _, err_text = proc.output(limit=600)
            if err_text.strip():
                res["stderr_tail"] = err_text.strip()
    return res


def keep_alive_round(name, budget, upstream):
    """One round of every keep-alive client against ``name``, on fresh server processes:
    one for http.client, the lean client and ``ab -c 1``, another for ``ab -c 4`` (ab's
    last connection may be opened and closed without a request, and 4.8.2 then waits on
    it for good). Returns ``{mode: result}``; a failure is kept under ``error``."""
    found = {}
    ab_requests = 2000 if budget.quick else 100000
    try:
        proc, port, _ = _start_server(name, budget, upstream)
        try:
            for _ in range(budget.warmup):
                get_new_connection(port, 5.0)
            found["keep_alive"] = bench_keep_alive(port, budget.ka_seconds, budget.ka_max)
            found["keep_alive_lean"] = bench_keep_alive_lean(port, budget.ka_seconds, budget.ka_max)
            ab = bench_keep_alive_ab(port, ab_requests, budget.ka_seconds)
            if ab is not None:
                found["keep_alive_ab"] = ab
        finally:
            proc.stop()
        proc, port, _ = _start_server(name, budget, upstream)
        try:
            ab = bench_keep_alive_ab(port, ab_requests, budget.ka_seconds, 4)
            if ab is not None:
                found["keep_alive_ab4"] = ab
        finally:
            proc.stop()
    except Exception as err:  # pylint: disable=broad-except
        found["error"] = "%s: %s" % (type(err).__name__, err)
    return found


def merge_rounds(res, rounds):
    """Puts the rounds of one server into ``res``: per mode, the median rate over the
    rounds (with the counts summed), and every round under ``rounds``."""
    res["rounds"] = rounds
    errors = [r["error"] for r in rounds if "error" in r]
    if errors:
        res["ka_error"] = errors[0]
    for mode in KEEP_ALIVE_MODES:
        runs = [r[mode] for r in rounds if r.get(mode) and r[mode].get("requests")]
        if not runs:
            continue
        merged = {
            "rps": statistics.median([run["rps"] for run in runs]),
            "requests": sum(run["requests"] for run in runs),
            "errors": sum(run.get("errors", 0) for run in runs),
            "rounds": len(runs),
        }
        if mode == "keep_alive":
            merged["retries"] = sum(run["retries"] for run in runs)
            merged["error_samples"] = [t for run in runs for t in run["error_samples"]][:3]
            connects = sum(max(run["connections"], 1) for run in runs)
            done = merged["requests"]
            merged["reused_pct"] = 100.0 * max(done - connects, 0) / done if done else 0.0
        res[mode] = merged


# -- report --------------------------------------------------------------------------------


def _slow_cell(slow):
    if slow is None:
        return "n/a", "n/a", "n/a"
    if slow["stalled"]:
        text = "stalled (timeout %g s)" % slow["timeout_s"]
        return text, text, "%d/%d" % (slow["requests"], slow["timeouts"] + slow["errors"])
    return (
        H.fmt_num(slow["p50_ms"], 2),
        H.fmt_num(slow["p99_ms"], 2),
        "%d/%d" % (slow["requests"], slow["timeouts"] + slow["errors"]),
    )


def _get(res, section, key):
    block = res.get(section) if res else None
    if not block or not block.get("requests"):
        return None
    return block.get(key)


def _round_ratios(res, ref, mode):
    """``res`` / ``ref`` rates of ``mode``, round by round (within a round the two were
    measured seconds apart, so a slow spell of the machine touches both alike)."""
    if not res or not ref:
        return []
    values = []
    for mine, theirs in zip(res.get("rounds") or [], ref.get("rounds") or []):
        a, b = mine.get(mode), theirs.get(mode)
        if a and b and a.get("requests") and b.get("requests") and b["rps"]:
            values.append(a["rps"] / b["rps"])
    return values


def _round_ratio(res, ref, mode):
    """The median of the per-round ratios, or None."""
    values = _round_ratios(res, ref, mode)
    return statistics.median(values) if values else None


def report(results, budget):
    by_name = {r["server"]: r for r in results}
    headers = [
        "server",
        "new-conn req/s",
        "keep-alive req/s",
        "lean keep-alive req/s",
        "ab -c1 keep-alive req/s",
        "ab -c4 keep-alive req/s",
        "reused %",
        "slow p50 ms",
        "slow p99 ms",
        "slow ok/fail",
    ]
    rows = []
    for r in results:
        if "error" in r and "slow" not in r:
            rows.append([r["server"]] + ["error"] * 9)
            continue
        p50, p99, okfail = _slow_cell(r.get("slow"))
        rows.append(
            [
                r["server"],
                H.fmt_num(_get(r, "new_conn", "rps")),
                H.fmt_num(_get(r, "keep_alive", "rps")),
                H.fmt_num(_get(r, "keep_alive_lean", "rps")),
                H.fmt_num(_get(r, "keep_alive_ab", "rps")),
                H.fmt_num(_get(r, "keep_alive_ab4", "rps")),
                H.fmt_num(_get(r, "keep_alive", "reused_pct")),
                p50,
                p99,
                okfail,
            ]
        )
    lines = ["HTTP requests (%s run)" % ("quick" if budget.quick else "full"), H.table(headers, rows), ""]

    ref_upstream = {"poll": by_name.get("4.8.2-poll"), "forever": by_name.get("4.8.2-forever")}
    ratio_rows = []
    for r in results:
        mode = "forever" if r["server"].endswith("forever") else "poll"
        up = ref_upstream.get(mode) or by_name.get("4.8.2-poll")
        floor_new = by_name.get("raw-close")
        floor_ka = by_name.get("raw-keepalive")
        up_slow = up.get("slow") if up else None
        slow_vs = None
        if r.get("slow") and up_slow and not r["slow"]["stalled"] and not up_slow["stalled"]:
            slow_vs = H.ratio(up_slow["p50_ms"], r["slow"]["p50_ms"])
        ratio_rows.append(
            [
                r["server"],
                H.fmt_ratio(H.ratio(_get(r, "new_conn", "rps"), _get(up, "new_conn", "rps"))),
                H.fmt_ratio(_round_ratio(r, up, "keep_alive")),
                H.fmt_ratio(_round_ratio(r, up, "keep_alive_lean")),
                H.fmt_ratio(_round_ratio(r, up, "keep_alive_ab")),
                H.fmt_ratio(_round_ratio(r, up, "keep_alive_ab4")),
                H.fmt_ratio(slow_vs)
                if slow_vs is not None
                else ("4.8.2 stalled" if up_slow and up_slow["stalled"] else "n/a"),
                H.fmt_ratio(H.ratio(_get(r, "new_conn", "rps"), _get(floor_new, "new_conn", "rps"))),
                H.fmt_ratio(_round_ratio(r, floor_ka, "keep_alive")),
                H.fmt_ratio(_round_ratio(r, floor_ka, "keep_alive_lean")),
                H.fmt_ratio(_round_ratio(r, floor_ka, "keep_alive_ab")),
                H.fmt_ratio(_round_ratio(r, floor_ka, "keep_alive_ab4")),
            ]
        )
    lines += [
        "Ratios (req/s: server / reference; slow p50: 4.8.2 / server, so >1 is better; "
        "4.8.2 reference = same driving mode; floor = raw-close for new-conn, raw-keepalive for keep-alive; "
        "keep-alive columns: median of the per-round ratios)",
        H.table(
            [
                "server",
                "new-conn vs 4.8.2",
                "keep-alive vs 4.8.2",
                "lean keep-alive vs 4.8.2",
                "ab -c1 vs 4.8.2",
                "ab -c4 vs 4.8.2",
                "slow p50 vs 4.8.2",
                "new-conn vs floor",
                "keep-alive vs floor",
                "lean keep-alive vs floor",
                "ab -c1 vs floor",
                "ab -c4 vs floor",
            ],
            ratio_rows,
        ),
        "",
    ]
    notes = []
    rounds = max([len(r.get("rounds") or []) for r in results] or [0])
    if rounds > 1:
        notes.append(
            "keep-alive columns: median of %d rounds of %g s per client, the servers taking turns "
            "(a fresh process each round; ab -c4 on its own fresh process)" % (rounds, budget.ka_seconds)
        )
        labels = (("keep_alive", "http.client"), ("keep_alive_lean", "lean"), ("keep_alive_ab", "ab -c1"), ("keep_alive_ab4", "ab -c4"))
        for r in results:
            mode = "forever" if r["server"].endswith("forever") else "poll"
            up = ref_upstream.get(mode) or by_name.get("4.8.2-poll")
            if up is None or up is r:
                continue
            spans = []
            for key, label in labels:
                values = _round_ratios(r, up, key)
                if values:
                    spans.append("%s %s" % (label, " ".join("%.2f" % v for v in values)))
            if spans:
                notes.append("%s / %s per round: %s" % (r["server"], up["server"], "; ".join(spans)))
    for r in results:
        for key in ("error", "ka_error"):
            if key in r:
                notes.append("%s: %s" % (r["server"], r[key]))
        for key in ("new_conn", "keep_alive"):
            if r.get(key, {}).get("errors"):
                notes.append(
                    "%s: %d failed requests in %s (%s)"
                    % (r["server"], r[key]["errors"], key, "; ".join(r[key].get("error_samples") or []))
                )
        ka = r.get("keep_alive")
        if ka and ka.get("retries"):
            notes.append(
                "%s: server closed %d kept-alive connections without saying so (client retried)"
                % (r["server"], ka["retries"])
            )
        if r.get("slow"):
            slow = r["slow"]
            notes.append(
                "%s: slow clients were dropped/answered %d times; normal client %d ok, %d timeouts, %d errors"
                % (r["server"], slow["slow_drops"], slow["requests"], slow["timeouts"], slow["errors"])
                + (" (%s)" % "; ".join(slow["error_samples"]) if slow.get("error_samples") else "")
            )
        if r.get("stderr_tail"):
            notes.append("%s stderr: %s" % (r["server"], r["stderr_tail"].splitlines()[-1][:200]))
    if notes:
        lines.append("Notes")
        lines += ["  " + n for n in notes]
        lines.append("")
    return "\n".join(lines)


def run(opts, log=print):
    budget = opts.budget
    names = expand_servers(opts.servers)
    upstream = None
    if any(n.startswith("4.8.2") for n in names):
        upstream = H.upstream_path(install=True, log=log)
        if upstream is None:
            log("4.8.2 not available: skipping its rows")
            names = tuple(n for n in names if not n.startswith("4.8.2"))
        else:
            log("4.8.2 from %s" % upstream)
    if any(n.startswith("ours") for n in names):
        ok, msg = H.ours_importable()
        if not ok:
            log("our server does not import yet (%s): skipping its rows" % msg)
            names = tuple(n for n in names if not n.startswith("ours"))
    results = []
    for name in names:
        log("server %s: %s" % (name, DESCRIPTIONS[name]))
        results.append(measure_server(name, budget, upstream, log))
    rounds = {name: [] for name in names}
    for number in range(budget.ka_rounds):
        # the servers take turns, starting one further along each round
        order = names[number % len(names) :] + names[: number % len(names)]
        log("keep-alive round %d/%d: %s" % (number + 1, budget.ka_rounds, ", ".join(order)))
        for name in order:
            rounds[name].append(keep_alive_round(name, budget, upstream))
    for res in results:
        merge_rounds(res, rounds[res["server"]])
    text = report(results, budget)
    return {"section": NAME, "servers": list(names), "results": results, "text": text}
