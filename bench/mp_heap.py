"""MicroPython heap benchmarks (unix port, ``micropython -X heapsize=...``).

* import: heap retained by ``from adafruit_httpserver import Server, Request, Response``
  (``gc.mem_alloc()`` after ``gc.collect()``, before and after), the bytes allocated on the
  way (``micropython.mem_total()`` delta: compiling the .py files is most of it) and the
  peak heap in use (``micropython.mem_peak()``), for ours and for 4.8.2 (which is tried at
  growing heap caps until it imports or the ladder ends; its errors are reported);
* serving: a MicroPython process serves the benchmark app; this CPython process makes
  real socket requests. The app's ``/mem`` route runs ``gc.collect()`` and returns the heap
  counters, so per-request allocation = (mem_total after N requests - before) / N, with
  the cost of one ``/mem`` request subtracted; "retained growth" is the ``mem_alloc``
  difference after ``gc.collect()`` (a leak shows here).
"""

import http.client
import json
import os
import sys
import time

import _harness as H

NAME = "mp_heap"
HELP = "MicroPython heap: import cost and allocation per request"
UPSTREAM_LADDER = ("128k", "192k", "256k", "512k")


def _profiles():
    if H.REPO not in sys.path:
        sys.path.insert(0, H.REPO)
    from boards import profiles  # pylint: disable=import-outside-toplevel

    return profiles


def parse_import(rc, out, err):
    """The RESULT line of apps/mp_import.py as a dict."""
    res = {"ok": False, "error": None, "where": None}
    for line in out.splitlines():
        if line.startswith("RESULT "):
            parts = line.split(" ", 6)
            res["ok"] = parts[1] == "1"
            res["retained"] = int(parts[2])
            res["allocated"] = int(parts[3]) if int(parts[3]) >= 0 else None
            res["peak"] = int(parts[4]) if int(parts[4]) >= 0 else None
            res["free_after"] = int(parts[5])
            res["error"] = parts[6].strip() if len(parts) > 6 and parts[6].strip() else None
        elif line.startswith("WHERE "):
            res["where"] = line[6:].strip()
    if "retained" not in res:
        tail = (err or out).strip().splitlines()
        res["error"] = "micropython rc=%s: %s" % (rc, tail[-1] if tail else "no output")
    return res


def measure_import(mp, heapsize, package_dir):
    rc, out, err = H.run_capture(
        [mp, "-X", "heapsize=" + heapsize, os.path.join(H.APPS, "mp_import.py"), package_dir],
        timeout=60,
        env=H.clean_env(),
        cwd=H.APPS,
    )
    res = parse_import(rc, out, err)
    res["heapsize"] = heapsize
    return res


def _wait_line(proc, prefix, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out, _ = proc.output(limit=20000)
        for line in out.splitlines():
            if line.startswith(prefix):
                return line
        if not proc.alive():
            break
        time.sleep(0.05)
    out, err = proc.output()
    raise RuntimeError("no %r line from %s (alive=%s)\n%s\n%s" % (prefix, proc.name, proc.alive(), out, err))


def _mem(conn):
    conn.request("GET", "/mem")
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError("/mem answered %s" % resp.status)
    return json.loads(body)


def _hello(conn):
    conn.request("GET", "/")
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200 or body != b"Hello":
        raise RuntimeError("/ answered %s %r" % (resp.status, body[:40]))


def _fresh(port):
    return http.client.HTTPConnection(H.HOST, port, timeout=10)


def _per_request(a, a2, b, n, idle_per_poll):
    """Per-request allocation from three /mem snapshots around n requests."""
    mem_cost = a2["total"] - a["total"]
    gross = (b["total"] - a2["total"] - mem_cost) / n if a["total"] >= 0 else None
    net = None
    if gross is not None and idle_per_poll is not None and idle_per_poll >= 0:
        polls = (b["polls"] - a2["polls"]) - (a2["polls"] - a["polls"])
        net = gross - polls * idle_per_poll / n
    return {
        "gross": gross,
        "net": net,
        "retained_growth": b["alloc"] - a2["alloc"],
        "polls_per_request": (b["polls"] - a2["polls"]) / n,
        "mem_request_cost": mem_cost,
    }


def measure_serving(mp, heapsize, n, log):
    port = H.free_port()
    proc = H.Proc(
        "mp-server",
        [mp, "-X", "heapsize=" + heapsize, os.path.join(H.APPS, "mp_server_app.py"), H.REPO, str(port)],
        env=H.clean_env(),
        cwd=H.APPS,
    )
    res = {"heapsize": heapsize, "requests": n}
    try:
        ready = _wait_line(proc, "READY", 20)
        fields = dict(kv.split("=", 1) for kv in ready.split()[2:])
        res["imported"] = int(fields["imported"]) - int(fields["base"])
        res["started"] = int(fields["started"]) - int(fields["base"])
        idle = float(fields["idle_poll"])
        res["idle_poll"] = idle if idle >= 0 else None
        for _ in range(5):  # warm-up on new connections
            conn = _fresh(port)
            try:
                _hello(conn)
            finally:
                conn.close()
        # new connection per request
        log("  MicroPython server: %d requests on new connections ..." % n)
        snaps = []
        for _ in range(2):
            conn = _fresh(port)
            try:
                snaps.append(_mem(conn))
            finally:
                conn.close()
        for _ in range(n):
            conn = _fresh(port)
            try:
                _hello(conn)
            finally:
                conn.close()
        conn = _fresh(port)
        try:
            snaps.append(_mem(conn))
        finally:
            conn.close()
        res["serving_alloc"] = snaps[1]["alloc"]
        res["serving_free"] = snaps[1]["free"]
        res["new_conn"] = _per_request(snaps[0], snaps[1], snaps[2], n, res["idle_poll"])
        # keep-alive
        log("  MicroPython server: %d requests on one keep-alive connection ..." % n)
        conn = _fresh(port)
        try:
            k0 = _mem(conn)
            k1 = _mem(conn)
            for _ in range(n):
                _hello(conn)
            k2 = _mem(conn)
        finally:
            conn.close()
        res["keep_alive"] = _per_request(k0, k1, k2, n, res["idle_poll"])
        res["server_errors"] = k2.get("errors", 0)
    except Exception as err:  # pylint: disable=broad-except
        res["error"] = "%s: %s" % (type(err).__name__, str(err).strip().splitlines()[0] if str(err).strip() else "")
        _, err_text = proc.output(limit=1500)
        tail = [ln for ln in err_text.strip().splitlines() if ln.strip()]
        if tail:
            res["stderr_tail"] = tail[-1]
    finally:
        proc.stop()
    return res


def _b(value):
    return "n/a" if value is None else H.fmt_num(value) + " B"


def _import_cell(res):
    if res is None:
        return "not run"
    if res["ok"]:
        return _b(res["retained"])
    return "fails @%s: %s" % (res["heapsize"], res["error"])


def report(data):
    hs = data["heapsize"]
    lines = [
        "MicroPython heap (micropython -X heapsize=%s, profile %s; 64-bit unix port: objects are"
        " ~1.5-3x their size on a 32-bit board, see boards/README.md)" % (hs, data["profile"])
    ]
    ours = data.get("ours_import")
    ups = data.get("upstream_imports") or []
    up_first = ups[0] if ups else None
    up_ok = next((u for u in ups if u["ok"]), None)
    rows = [
        ["import retained (gc.mem_alloc delta)", _import_cell(ours), _import_cell(up_ok or up_first), "gc.collect(); mem_alloc() before/after"],
        [
            "import allocated in total",
            _b(ours.get("allocated")) if ours else "n/a",
            _b((up_ok or up_first or {}).get("allocated")),
            "micropython.mem_total() delta",
        ],
        [
            "peak heap in use (import)",
            _b(ours.get("peak")) if ours else "n/a",
            _b((up_ok or up_first or {}).get("peak")),
            "micropython.mem_peak()",
        ],
    ]
    serving = data.get("serving")
    if serving and "error" not in serving:
        nc, ka = serving["new_conn"], serving["keep_alive"]
        rows += [
            ["heap in use while serving", _b(serving["serving_alloc"]), "n/a", "/mem: gc.collect(); mem_alloc()"],
            ["idle poll() allocates", _b(serving["idle_poll"]), "n/a", "mem_total delta over 1000 polls / 1000"],
            ["per request, new connection", _b(nc["gross"]), "n/a", "mem_total delta / N (incl. polls between)"],
            ["  same, idle polls subtracted", _b(nc["net"]), "n/a", "minus polls x idle poll()"],
            ["per request, keep-alive", _b(ka["gross"]), "n/a", "mem_total delta / N (incl. polls between)"],
            ["  same, idle polls subtracted", _b(ka["net"]), "n/a", "minus polls x idle poll()"],
            [
                "retained growth over N requests",
                "%s / %s" % (_b(nc["retained_growth"]), _b(ka["retained_growth"])),
                "n/a",
                "mem_alloc after gc.collect(), new-conn / keep-alive",
            ],
        ]
    elif serving:
        rows.append(["serving", "error: " + serving["error"], "n/a", ""])
    lines.append(H.table(["measure", "ours", "4.8.2", "method"], rows))
    notes = []
    if serving and "error" not in serving:
        notes.append("N = %d requests per mode; server errors: %s" % (serving["requests"], serving.get("server_errors")))
    elif serving and serving.get("stderr_tail"):
        notes.append("MicroPython server stderr: " + serving["stderr_tail"])
    if ours and not ours["ok"] and ours.get("where"):
        notes.append("ours failed at %s" % ours["where"])
    for u in ups:
        if u["ok"]:
            notes.append("4.8.2 imports at heapsize=%s (retained %s)" % (u["heapsize"], _b(u["retained"])))
        else:
            notes.append("4.8.2 @%s: %s%s" % (u["heapsize"], u["error"], (" at " + u["where"]) if u.get("where") else ""))
    notes.append("4.8.2 cannot serve on MicroPython in any case: its sockets have no recv_into")
    if data.get("skipped"):
        notes.append(data["skipped"])
    lines.append("Notes")
    lines += ["  " + n for n in notes]
    lines.append("")
    return "\n".join(lines)


def run(opts, log=print):
    profiles = _profiles()
    profile = opts.profile or profiles.DEFAULT_PROFILE
    heapsize = opts.heapsize or profiles.load(profile)["test_heapsize"]
    data = {"section": NAME, "heapsize": heapsize, "profile": profile}
    mp = H.micropython_binary()
    if not mp:
        data["skipped"] = "micropython not found on PATH: section skipped"
        data["text"] = "MicroPython heap: skipped (no micropython on PATH)\n"
        return data
    log("MicroPython %s, heapsize %s" % (mp, heapsize))
    servers = getattr(opts, "servers", None)
    want_ours = not servers or any(s.strip() in ("all", "ours") or s.strip().startswith("ours") for s in servers.split(","))
    want_up = not servers or any(s.strip() in ("all", "4.8.2", "upstream") or s.strip().startswith("4.8.2") for s in servers.split(","))
    if want_ours:
        log("  import: ours ...")
        data["ours_import"] = measure_import(mp, heapsize, H.REPO)
    if want_up:
        upstream = H.upstream_path(install=True, log=log)
        if upstream:
            ladder = [heapsize] + [h for h in UPSTREAM_LADDER if profiles.heapsize_bytes(h) > profiles.heapsize_bytes(heapsize)]
            data["upstream_imports"] = []
            for hs in ladder:
                log("  import: 4.8.2 at heapsize=%s ..." % hs)
                res = measure_import(mp, hs, upstream)
                data["upstream_imports"].append(res)
                if res["ok"] or (res["error"] and "MemoryError" not in res["error"]):
                    break  # imported, or failed for a reason more heap will not fix
    if want_ours and data.get("ours_import", {}).get("ok"):
        data["serving"] = measure_serving(mp, heapsize, opts.budget.mp_requests, log)
    elif want_ours:
        data["skipped"] = "serving not measured: our package does not import under MicroPython at %s" % heapsize
    data["text"] = report(data)
    return data
