"""Benchmark entry point.

    python bench/run.py                 # everything (about 5 minutes)
    python bench/run.py --quick         # a smoke run of a few seconds per section
    python bench/run.py --only http --servers ours,raw
    python bench/run.py --only mp_heap --profile esp32_micropython
    python bench/run.py --only transfer  # upload/download MB/s, 1/10/50 MB (a few minutes)

Progress goes to stderr, the tables to stdout. No timing is ever asserted: this only
reports. Every server runs in its own subprocess on 127.0.0.1 and is stopped by PID.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import _harness as H  # noqa: E402
import http_bench  # noqa: E402
import mp_heap  # noqa: E402
import transfer_bench  # noqa: E402
import ws_bench  # noqa: E402

# Later sections (transfer MB/s, WebSocket echo) register here: a module with NAME,
# HELP and run(opts, log) -> {"text": ..., ...}.
SECTIONS = [http_bench, mp_heap, transfer_bench, ws_bench]
ALIASES = {"mp": "mp_heap", "heap": "mp_heap", "requests": "http", "websocket": "ws", "transfers": "transfer"}


def parse_args(argv):
    names = [s.NAME for s in SECTIONS]
    parser = argparse.ArgumentParser(
        description="Benchmarks for adafruit_httpserver (ours) vs 4.8.2 vs a raw-socket floor.",
        epilog="sections: " + "; ".join("%s: %s" % (s.NAME, s.HELP) for s in SECTIONS),
    )
    parser.add_argument("--quick", action="store_true", help="short smoke run (a few seconds per section)")
    parser.add_argument(
        "--only",
        action="append",
        metavar="SECTION",
        help="run only this section (repeatable or comma-separated): %s" % ", ".join(names),
    )
    parser.add_argument(
        "--servers",
        default=None,
        help="comma-separated servers for the http section: %s, or groups %s (default: all)"
        % (", ".join(http_bench.SERVERS), ", ".join(sorted(http_bench.GROUPS))),
    )
    parser.add_argument("--profile", default=None, help="board profile for MicroPython sections (boards/*.json)")
    parser.add_argument("--heapsize", default=None, help="override the profile's micropython heapsize, e.g. 192k")
    parser.add_argument("--json", default=None, metavar="PATH", help="also write all results as JSON")
    opts = parser.parse_args(argv)
    chosen = []
    for item in opts.only or []:
        for name in item.split(","):
            name = ALIASES.get(name.strip(), name.strip())
            if name and name not in names:
                parser.error("unknown section %r (choose from %s)" % (name, ", ".join(names)))
            if name and name not in chosen:
                chosen.append(name)
    opts.sections = [s for s in SECTIONS if not chosen or s.NAME in chosen]
    try:
        http_bench.expand_servers(opts.servers)
    except ValueError as err:
        parser.error(str(err))
    opts.budget = H.Budget(quick=opts.quick)
    return opts


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def main(argv=None):
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    H.install_cleanup()
    started = time.monotonic()
    results = []
    try:
        for section in opts.sections:
            log("== %s" % section.NAME)
            res = section.run(opts, log=log)
            results.append(res)
            print(res["text"], flush=True)
    except KeyboardInterrupt as err:
        log("interrupted (%s): servers stopped" % (err or "Ctrl-C"))
        return 130
    finally:
        H.stop_all()
    elapsed = time.monotonic() - started
    print(
        "Machine: %s, Python %s, %d CPUs; %s run took %.1f s"
        % (sys.platform, sys.version.split()[0], os.cpu_count() or 0, "quick" if opts.quick else "full", elapsed)
    )
    if opts.json:
        H.dump_json(opts.json, {"quick": opts.quick, "seconds": elapsed, "sections": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
