"""The synthetic national dataset: the sizes asked for, records that project and rebuild
identical, and no generation on top of existing data."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def kopir(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KOPIR_DATABASE_URL": f"sqlite:///{folder}/kopir.db"}
    return subprocess.run([sys.executable, "-m", "kopir.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_generated_dataset_has_the_sizes_asked_for_and_rebuilds_identical(tmp_path):
    made = kopir(tmp_path, "generate", "--children", "300", "--schools", "12", "--events", "4000")
    assert made.returncode == 0, made.stderr[-2000:]
    with sqlite3.connect(tmp_path / "kopir.db") as db:
        assert db.execute("SELECT count(*) FROM schoolintegration_events").fetchone()[0] == 4000
    rebuilt = kopir(tmp_path, "rebuild", "--verify", "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    with sqlite3.connect(tmp_path / "kopir-views.db") as views:
        assert views.execute("SELECT count(*) FROM rm_children").fetchone()[0] == 300
        assert views.execute("SELECT count(DISTINCT region) FROM rm_schools").fetchone()[0] == 12
        assert views.execute("SELECT count(*) FROM rm_chronology").fetchone()[0] == 4000 - 12
    again = kopir(tmp_path, "generate", "--children", "10", "--schools", "1", "--events", "100")
    assert again.returncode == 1 and "already has data" in again.stderr
