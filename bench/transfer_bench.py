"""Transfer benchmarks: upload and download MB/s for 1, 10 and 50 MB bodies.

Servers, each a subprocess on its own 127.0.0.1 port, started afresh for every transfer
(so a timed-out transfer cannot spill into the next one):

* ``ours-stream``: ``apps/transfer_app.py stream``: the upload is streamed into a file
  (``body_to``); the download is a ``FileResponse``;
* ``ours-body``: ``apps/transfer_app.py body``: the upload lands in ``request.body`` (the
  route's ``max_body_size`` raised), as 4.8.2 does it;
* ``4.8.2``: ``apps/transfer_app.py api482`` on adafruit_httpserver 4.8.2, its public API
  only: ``request.body`` and ``FileResponse``;
* ``raw``: ``apps/raw_transfer_server.py``, the floor: blocking ``recv_into``/``sendall``
  with 64 KB buffers, one client at a time;
* ``raw-sendfile``: the same server sending downloads with ``socket.sendfile`` (the
  kernel's zero-copy ``os.sendfile``): the download floor for zero-copy (its uploads would
  be ``raw``'s, so it only downloads).

The client is this process on raw sockets (the body sent from memory in 256 KB slices;
the download read with ``recv_into`` a preallocated buffer, on a socket with a 4 MB
``SO_RCVBUF``). Each fresh server first gets an untimed 16 KB transfer the same way
(first-use imports, file cache), then one timed transfer. Each cell (server, direction,
size) is the median of up to ``REPEATS`` such transfers (3 in ``--quick``), fewer once they
have taken ``REPEAT_SECONDS`` in all; the servers take turns, one transfer each per round,
so a slow spell of the machine falls on all of them alike. Every transfer has a time cap (60 s; 4.8.2's is 60 s, or 10 s in
``--quick``): a transfer over it reads ``timeout after N s`` and the server is killed; a
direction whose 10 MB transfer timed out skips 50 MB. Checks after each transfer (outside
the timing): the byte count the server reports, the SHA-256 of what ours-stream and raw
wrote, the SHA-256 of every download.

``--quick`` measures 1 and 10 MB only. ``--servers`` takes the http section's names and
keeps their families: ``ours`` (both of ours), ``4.8.2``, ``raw`` (both floors).
"""

import hashlib
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time

import _harness as H

NAME = "transfer"
HELP = "upload/download MB/s for 1, 10, 50 MB: ours (streamed and buffered) vs 4.8.2 vs raw floors"

SERVERS = ("ours-stream", "ours-body", "4.8.2", "raw", "raw-sendfile")
FLOORS = ("raw", "raw-sendfile")
DESCRIPTIONS = {
    "ours-stream": "this repo, upload streamed to a file (body_to), FileResponse download",
    "ours-body": "this repo, upload into request.body (route max_body_size raised), FileResponse",
    "4.8.2": "adafruit_httpserver 4.8.2, public API only: request.body, FileResponse",
    "raw": "raw blocking socket server, 64 KB recv_into/sendall, one client at a time",
    "raw-sendfile": "the raw server, downloads with socket.sendfile (zero-copy); downloads only",
}
MB = 1024 * 1024
SLICE = 256 * 1024
RCVBUF = 4 * MB  # the download client's SO_RCVBUF (the kernel caps it at net.core.rmem_max)
WARMUP = 16 * 1024  # bytes of the untimed transfer made first on every fresh server
REPEATS = 5  # transfers per cell (quick: 3), each on a fresh server; the cell is the median
REPEAT_SECONDS = 5.0  # no further transfer for a cell once its transfers took this long


class TransferTimeout(Exception):
    pass


def _sizes(quick):
    return (1, 10) if quick else (1, 10, 50)


def _repeats(quick):
    return 3 if quick else REPEATS


def _directions(server):
    return ("down",) if server == "raw-sendfile" else ("up", "down")


def _cap(server, quick):
    if server == "4.8.2":
        return 10.0 if quick else 60.0
    return 60.0


def _command(server, port, folder, upstream):
    app = os.path.join(H.APPS, "transfer_app.py")
    if server in FLOORS:
        argv = [sys.executable, os.path.join(H.APPS, "raw_transfer_server.py"), str(port), folder]
        return argv + (["sendfile"] if server == "raw-sendfile" else []), H.clean_env(), None
    mode = {"ours-stream": "stream", "ours-body": "body", "4.8.2": "api482"}[server]
    root = upstream if server == "4.8.2" else H.REPO
    expect = os.path.join(root, "adafruit_httpserver")
    return [sys.executable, app, str(port), mode, folder], H.clean_env(root), expect


# -- client ----------------------------------------------------------------------------------


def _remaining(deadline):
    left = deadline - time.perf_counter()
    if left <= 0:
        raise TransferTimeout()
    return left


def _read_response(sock, deadline, into=None):
    """Reads one response (Content-Length framed or until EOF). Returns
    ``(status, body_length, body_bytes_or_None)``; with ``into`` (a bytearray) the body is
    read into it without copies and ``body_bytes`` is None."""
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(min(_remaining(deadline), 2.0))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            raise ConnectionError("closed before the response head (%d bytes)" % len(data))
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if into is not None and length is not None and length <= len(into):
        view = memoryview(into)
        got = len(rest)
        view[:got] = rest
        while got < length:
            sock.settimeout(min(_remaining(deadline), 2.0))
            try:
                count = sock.recv_into(view[got:length])
            except socket.timeout:
                continue
            if not count:
                break
            got += count
        return status, got, None
    body = [rest]
    got = len(rest)
    while length is None or got < length:
        sock.settimeout(min(_remaining(deadline), 2.0))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        body.append(chunk)
        got += len(chunk)
    return status, got, b"".join(body)


def upload(port, data, cap):
    """POSTs ``data``; returns ``(seconds, status, answer_text)``; raises TransferTimeout."""
    deadline = time.perf_counter() + cap
    started = time.perf_counter()
    with socket.create_connection((H.HOST, port), timeout=min(cap, 5.0)) as sock:
        head = (
            "POST /upload HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/octet-stream\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" % (H.HOST, port, len(data))
        )
        sock.sendall(head.encode())
        view = memoryview(data)
        sent = 0
        while sent < len(data):
            sock.settimeout(min(_remaining(deadline), 2.0))
            try:
                sent += sock.send(view[sent : sent + SLICE])
            except socket.timeout:
                continue
        status, _, body = _read_response(sock, deadline)
    return time.perf_counter() - started, status, (body or b"").decode("latin-1", "replace")


def download(port, name, size, cap):
    """GETs ``/download/<name>``; returns ``(seconds, status, bytearray)``."""
    deadline = time.perf_counter() + cap
    into = bytearray(size)
    started = time.perf_counter()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # A large receive window from the start: the kernel's default one grows during the
        # first milliseconds, which is most of a 10 MB download at GB/s.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        sock.settimeout(min(cap, 5.0))
        sock.connect((H.HOST, port))
        sock.sendall(
            ("GET /download/%s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n" % (name, H.HOST, port)).encode()
        )
        status, got, _ = _read_response(sock, deadline, into)
    seconds = time.perf_counter() - started
    return seconds, status, into if got == size else into[:got]


# -- one transfer ----------------------------------------------------------------------------


def _file_sha(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while True:
            block = file.read(MB)
            if not block:
                return digest.hexdigest()
            digest.update(block)


def _transfer(server, direction, size_mb, port, work, payloads, cap):
    """One timed transfer; returns ``(seconds, check)``, check "ok" or what failed."""
    size = size_mb * MB
    if direction == "up":
        data = payloads["upload"][:size] if size < len(payloads["upload"]) else payloads["upload"]
        seconds, status, text = upload(port, data, cap)
        ok = status == 200 and text.strip() == str(size)
        if ok and server in ("ours-stream", "raw"):
            ok = _file_sha(os.path.join(work, "upload.bin")) == hashlib.sha256(data).hexdigest()
        return seconds, "ok" if ok else "FAILED (status %s, answer %r)" % (status, text[:60])
    seconds, status, body = download(port, "download-%d.bin" % size_mb, size, cap)
    ok = status == 200 and len(body) == size and hashlib.sha256(body).hexdigest() == payloads["sha"][size_mb]
    return seconds, "ok" if ok else "FAILED (status %s, %d of %d bytes)" % (status, len(body), size)


def measure(server, direction, size_mb, payloads, folder, upstream, quick):
    """One timed transfer on a fresh server process, after an untimed warm-up. Returns
    ``{"seconds", "check"}``, or ``{"timeout": True}`` or ``{"error": text}``; with
    ``stderr_tail`` when the server wrote to stderr."""
    cap = _cap(server, quick)
    port = H.free_port()
    work = os.path.join(folder, "%s-%s-%d" % (server, direction, size_mb))
    os.makedirs(work)
    for name in os.listdir(payloads["dir"]):
        # Hard links: ours refuses symlinks that leave the served folder.
        source, target = os.path.join(payloads["dir"], name), os.path.join(work, name)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    argv, env, expect = _command(server, port, work, upstream)
    proc = H.Proc(server, argv, env=env, cwd=H.APPS)
    res = {}
    try:
        H.wait_http_ready(port, proc, 10.0)
        if expect:
            out, _ = proc.output()
            loaded = [ln.split(" ", 1)[1] for ln in out.splitlines() if ln.startswith("LOADED ")]
            if not loaded or os.path.realpath(loaded[0]) != os.path.realpath(expect):
                raise RuntimeError("%s loaded %s, expected %s" % (server, loaded, expect))
        # Warm-up, untimed: a small transfer the same way (first-use imports, page cache).
        if direction == "up":
            upload(port, payloads["upload"][:WARMUP], cap)
        else:
            download(port, "warmup.bin", WARMUP, cap)
        res["seconds"], res["check"] = _transfer(server, direction, size_mb, port, work, payloads, cap)
    except TransferTimeout:
        res["timeout"] = True
    except Exception as err:  # pylint: disable=broad-except
        res["error"] = "%s: %s" % (type(err).__name__, str(err).splitlines()[0] if str(err) else "")
    finally:
        proc.stop(grace=1.0)
        _, err_text = proc.output(limit=400)
        if err_text.strip():
            res["stderr_tail"] = err_text.strip().splitlines()[-1][:200]
        shutil.rmtree(work, ignore_errors=True)
    return res


def _add_run(cell, run):
    """Adds one ``measure`` result to a cell."""
    if "seconds" in run:
        cell["runs_s"].append(run["seconds"])
        if run["check"] != "ok":
            cell["check"] = run["check"]
    for key in ("timeout", "error", "stderr_tail"):
        if key in run:
            cell[key] = run[key]


def _wants_more(cell, repeats):
    runs = cell["runs_s"]
    done = cell.get("timeout") or "error" in cell or cell["check"] != "ok"
    return not done and len(runs) < repeats and sum(runs) < REPEAT_SECONDS


def _close_cell(cell, log):
    """The cell's median once its transfers are done; logs it."""
    runs = cell["runs_s"]
    if runs and not cell.get("timeout") and "error" not in cell:
        cell["seconds"] = statistics.median(runs)
        cell["mbps"] = cell["mb"] / cell["seconds"]
        log(
            "  %-12s %-4s %3d MB: %8.1f MB/s (%.3f s), median of %d: %.0f-%.0f MB/s %s"
            % (cell["server"], cell["direction"], cell["mb"], cell["mbps"], cell["seconds"], len(runs),
               cell["mb"] / max(runs), cell["mb"] / min(runs), cell["check"])
        )  # fmt: skip
    else:
        log("  %-12s %-4s %3d MB: %s" % (cell["server"], cell["direction"], cell["mb"], _cell(cell)))


# -- report ----------------------------------------------------------------------------------


def _cell(res):
    if res is None:
        return "-"  # not measured (raw-sendfile uploads)
    if res.get("skipped"):
        return res["skipped"]
    if res.get("timeout"):
        return "timeout after %g s" % res["cap_s"]
    if "error" in res:
        return "error"
    text = "%.1f" % res["mbps"]
    return text if res.get("check") == "ok" else text + " (BAD)"


def _per_mb_ms(res):
    if res and "seconds" in res:
        return 1000.0 * res["seconds"] / res["mb"]
    return None


def report(results, sizes, quick):
    by = {(r["server"], r["direction"], r["mb"]): r for r in results}
    servers = [s for s in SERVERS if any(r["server"] == s for r in results)]
    headers = ["server"] + ["%s %d MB" % (d, s) for d in ("up", "down") for s in sizes]
    rows = [[srv] + [_cell(by.get((srv, d, s))) for d in ("up", "down") for s in sizes] for srv in servers]
    lines = ["Transfers, MB/s (%s run; MB = 2^20 bytes; each cell: the median of up to %d transfers, each on a fresh server)"
             % ("quick" if quick else "full", _repeats(quick)), H.table(headers, rows), ""]  # fmt: skip

    def rate(srv, d, s):
        res = by.get((srv, d, s))
        return res.get("mbps") if res and res.get("check") == "ok" else None

    ratio_rows = []
    references = ("4.8.2",) + FLOORS
    for srv in servers:
        if srv in references:
            continue
        for ref in references:
            if ref not in servers:
                continue
            cells = []
            for d in ("up", "down"):
                for s in sizes:
                    ref_res = by.get((ref, d, s))
                    if d not in _directions(ref):
                        cells.append("-")
                    elif ref_res is not None and (ref_res.get("timeout") or ref_res.get("skipped")):
                        mine = rate(srv, d, s)
                        cells.append(">%.0fx" % (mine * ref_res["cap_s"] / s) if mine else "n/a")
                    else:
                        cells.append(H.fmt_ratio(H.ratio(rate(srv, d, s), rate(ref, d, s))))
            ratio_rows.append(["%s / %s" % (srv, ref)] + cells)
    if ratio_rows:
        lines += [
            "Ratios (MB/s of ours / MB/s of the reference; where 4.8.2 timed out or was skipped, "
            "'>Nx' is a lower bound from its cap)",
            H.table(["ratio"] + headers[1:], ratio_rows),
            "",
        ]
    scale_rows = []
    for srv in servers:
        for d in _directions(srv):
            per = [_per_mb_ms(by.get((srv, d, s))) for s in sizes]
            known = [p for p in per if p is not None]
            verdict = "n/a"
            if len(known) >= 2 and per[0]:
                last = max(i for i, p in enumerate(per) if p is not None)
                growth = per[last] / per[0]
                verdict = "%.2fx%s: %s" % (
                    growth,
                    "" if last == len(per) - 1 else " at %d MB" % sizes[last],
                    "linear" if growth < 2.0 else "worse than linear",
                )
            stopped = [s for s in sizes if (by.get((srv, d, s)) or {}).get("timeout")]
            if stopped:
                verdict = (verdict + "; " if verdict != "n/a" else "") + "%d MB timed out" % stopped[0]
            scale_rows.append(
                ["%s %s" % (srv, d)] + [("%.1f" % p) if p is not None else "-" for p in per] + [verdict]
            )
    lines += [
        "Scaling: milliseconds per MB (linear = flat; last column: largest size measured / 1 MB, under 2x counts as linear)",
        H.table(["server"] + ["%d MB" % s for s in sizes] + ["%d MB vs 1 MB" % sizes[-1]], scale_rows),
        "",
    ]
    notes = []
    for r in results:
        if "error" in r:
            notes.append("%s %s %d MB: %s" % (r["server"], r["direction"], r["mb"], r["error"]))
        if r.get("check", "ok") != "ok":
            notes.append("%s %s %d MB: check %s" % (r["server"], r["direction"], r["mb"], r["check"]))
        if r.get("stderr_tail"):
            notes.append("%s %s %d MB stderr: %s" % (r["server"], r["direction"], r["mb"], r["stderr_tail"]))
    if notes:
        lines.append("Notes")
        lines += ["  " + n for n in notes]
        lines.append("")
    return "\n".join(lines)


def run(opts, log=print):
    quick = opts.budget.quick
    sizes = _sizes(quick)
    servers = list(SERVERS)
    if getattr(opts, "servers", None):
        # --servers names the http section's servers: keep the same families here
        # (ours-* -> ours-stream and ours-body, 4.8.2-* -> 4.8.2, raw-* -> both floors).
        import http_bench  # pylint: disable=import-outside-toplevel

        families = set(name.split("-")[0] for name in http_bench.expand_servers(opts.servers))
        servers = [s for s in servers if s.split("-")[0] in families]
    upstream = None
    if "4.8.2" in servers:
        upstream = H.upstream_path(install=True, log=log)
        if upstream is None:
            log("4.8.2 not available: skipping its rows")
            servers.remove("4.8.2")
        else:
            log("4.8.2 from %s" % upstream)
    ok, msg = H.ours_importable()
    if not ok:
        log("our server does not import yet (%s): skipping its rows" % msg)
        servers = [s for s in servers if not s.startswith("ours")]
    folder = tempfile.mkdtemp(prefix="bench-transfer-")
    results = []
    try:
        payload_dir = os.path.join(folder, "payloads")
        os.makedirs(payload_dir)
        largest = max(sizes) * MB
        upload_data = os.urandom(largest)
        payloads = {"dir": payload_dir, "upload": upload_data, "sha": {}}
        with open(os.path.join(payload_dir, "warmup.bin"), "wb") as file:
            file.write(os.urandom(WARMUP))
        for size_mb in sizes:
            block = os.urandom(size_mb * MB)
            with open(os.path.join(payload_dir, "download-%d.bin" % size_mb), "wb") as file:
                file.write(block)
            payloads["sha"][size_mb] = hashlib.sha256(block).hexdigest()
        for server in servers:
            log("server %s: %s" % (server, DESCRIPTIONS[server]))
        repeats = _repeats(quick)
        timed_out = {}  # (server, direction) -> the size that timed out: larger ones would too
        for size_mb in sizes:
            for direction in ("up", "down"):
                cells = []
                for server in servers:
                    if direction not in _directions(server):
                        continue
                    cell = {"server": server, "direction": direction, "mb": size_mb, "cap_s": _cap(server, quick),
                            "runs_s": [], "check": "ok"}  # fmt: skip
                    if (server, direction) in timed_out:
                        cell["skipped"] = "skipped (%d MB over cap)" % timed_out[(server, direction)]
                    cells.append(cell)
                # Round robin, a fresh server for every transfer: a slow spell of this shared
                # machine falls on every server alike, not on whichever was being measured.
                for _ in range(repeats):
                    for cell in cells:
                        if "skipped" not in cell and _wants_more(cell, repeats):
                            _add_run(cell, measure(cell["server"], direction, size_mb, payloads, folder, upstream, quick))
                for cell in cells:
                    _close_cell(cell, log)
                    if cell.get("timeout"):
                        timed_out[(cell["server"], direction)] = size_mb
                results += cells
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    text = report(results, sizes, quick)
    return {"section": NAME, "sizes_mb": list(sizes), "results": results, "text": text}
