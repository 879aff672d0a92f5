"""Smoke test for the transfer benchmark: ``bench/run.py --quick --only transfer --servers
ours`` runs and reports MB/s for both of our servers, every transfer checked (byte count and
SHA-256). The numbers' size is never asserted."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "bench", "run.py")


def test_transfer_section_quick_run(tmp_path):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    json_path = str(tmp_path / "results.json")
    proc = subprocess.run(
        [sys.executable, RUN, "--quick", "--only", "transfer", "--servers", "ours", "--json", json_path],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    text = proc.stdout.decode()
    assert "Transfers, MB/s (quick run" in text, text
    assert "Scaling: milliseconds per MB" in text, text
    with open(json_path, encoding="utf-8") as file:
        data = json.load(file)
    (section,) = [s for s in data["sections"] if s["section"] == "transfer"]
    assert section["sizes_mb"] == [1, 10]
    cells = {(r["server"], r["direction"], r["mb"]): r for r in section["results"]}
    for server in ("ours-stream", "ours-body"):
        for direction in ("up", "down"):
            for size in (1, 10):
                result = cells[(server, direction, size)]
                assert result.get("check") == "ok", result
                assert result["mbps"] > 0, result
    assert not any(r["server"] in ("4.8.2", "raw") for r in section["results"])
