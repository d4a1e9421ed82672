"""A full disk under the SQLite store: the writer stops with a sentence, not a trace,
and what was saved before is intact: the file checks clean, every event reads back, the
read models rebuild identical, and recording works again once there is room.

The small disk is a size-limited tmpfs mounted for the test (a real ENOSPC); where the
machine does not allow mounting, a file-size limit on the writer (EFBIG) stands in."""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZE = 1_500_000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[tuple[Path, int | None]]:
    """(folder, file size limit or None when the folder is a small filesystem)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)],
                             capture_output=True).returncode == 0
    yield mount, (None if mounted else SIZE)
    if mounted:
        subprocess.run(["umount", str(mount)], check=True)


def kopir(folder: Path, *args: str, limit: int | None = None,
          store: Path | None = None) -> subprocess.CompletedProcess:
    def file_size_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "KOPIR_DATABASE_URL": f"sqlite:///{store or folder}/kopir.db"}
    return subprocess.run([sys.executable, "-m", "kopir.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600,
                          preexec_fn=file_size_limit if limit else None)


def test_a_full_disk_stops_the_writer_cleanly_and_loses_nothing_saved(small_disk, tmp_path):
    disk, limit = small_disk
    full = kopir(disk, "demo", "--children", "40", limit=limit)
    assert full.returncode == 1, full.stderr[-2000:]
    assert full.stderr.strip().splitlines()[-1].startswith("kopir: the disk is full."), \
        full.stderr[-2000:]
    assert "Traceback" not in full.stderr

    # Move the store to a disk with room, as an operator would, and look at it there.
    room = tmp_path / "room"
    shutil.copytree(disk, room)
    with sqlite3.connect(room / "kopir.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        saved = db.execute("SELECT count(*) FROM schoolintegration_events").fetchone()[0]
    assert saved > 0
    script = ("from kopir import bootstrap\n"
              "app = bootstrap.build().app\n"
              "n = 0\n"
              "for start in range(1, 10**7, 1000):\n"
              "    batch = app.recorder.select_notifications(start, 1000)\n"
              "    if not batch: break\n"
              "    for e in batch: app.mapper.to_domain_event(e); n += 1\n"
              "print(n)\n")
    env = {**os.environ, "KOPIR_DATABASE_URL": f"sqlite:///{room}/kopir.db"}
    read = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert read.returncode == 0, read.stderr[-2000:]
    assert int(read.stdout.strip()) == saved  # every saved event reads back

    rebuilt = kopir(room, "rebuild", "--verify")
    assert rebuilt.returncode == 0 and "identical" in rebuilt.stdout, rebuilt.stderr[-2000:]
    checked = kopir(room, "children", "--json")
    assert checked.returncode == 0 and checked.stdout.strip().startswith("[")
