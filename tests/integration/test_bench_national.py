"""`make bench` keeps working: the national-scale benchmark, at a tiny size, prints every
row with its baseline and a measured ratio, and leaves nothing behind."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_national_benchmark_prints_every_measure_with_its_baseline(tmp_path):
    folder = tmp_path / "national"
    run = subprocess.run(
        [sys.executable, "-m", "bench.national", "--children", "60", "--schools", "6",
         "--events", "3000", "--replay-events", "150", "--repeat", "3", "--keep", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    for measure in ("generate: commands", "engine: escalation rules", "rebuild: every read model"):
        line = next(line for line in out.splitlines() if line.startswith(measure))
        ratio = float(re.search(r"([\d.]+)%", line).group(1))
        assert 0 < ratio < 1000, line
    for query in ("monitor: a refresh, one region", "caseload: the whole country",
                  "chronology: one child"):
        assert query in out
    assert "without snapshots" in out and "snapshots every 100 events" in out
    for process in ("generate", "engine", "rebuild"):
        peak = re.search(rf"^{process}\s+(\d+) MiB", out, re.M)
        assert peak and int(peak.group(1)) > 10, out[-1500:]
    # The kept folder holds the store and the read models it measured.
    assert (folder / "kopir.db").exists() and (folder / "kopir-views.db").exists()
