"""kill -9 at random points of the embedded projection driver (`kopir project`) and of
the escalation engine (`kopir engine`), on an encrypted SQLite store. Afterwards the read
models equal a from-scratch rebuild, and the engine has raised exactly the escalations a
run without kills raises: nothing lost, nothing twice."""

from __future__ import annotations

import base64
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from eventsourcing.utils import get_topic

from bench.stack import manual_clock, record_history, wait_for
from domain.application import SchoolIntegration
from domain.model import Escalation
from infrastructure.settings import Settings
from processes.projection_runner import ProjectionRunner
from processes.rebuild import compare, snapshot
from projections.views import ReadModelView
from tests.faults.conftest import scale

ROOT = Path(__file__).resolve().parents[2]
KEY = base64.b64encode(bytes(range(32))).decode()


def store(folder: Path, events: int) -> Settings:
    settings = Settings(database_url=f"sqlite:///{folder}/kopir.db", cipher_key=KEY)
    app = SchoolIntegration(env=settings.app_env(), clock_=manual_clock())
    record_history(app, events=events, children=200, batch=1000)
    app.close()
    return settings


def start(folder: Path, command: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "KOPIR_DATABASE_URL": f"sqlite:///{folder}/kopir.db",
           "KOPIR_CIPHER_KEY": KEY, "KOPIR_BATCH_SIZE": "300"}
    return subprocess.Popen([sys.executable, "-m", "kopir.cli", command], cwd=ROOT, env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def scalar(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as db:
        try:
            return int(db.execute(sql).fetchone()[0] or 0)
        except sqlite3.OperationalError:  # the table does not exist yet
            return 0


def kill_at_random(folder: Path, command: str, position, last: int,  # type: ignore[no-untyped-def]
                   kills: int, rng: random.Random) -> list[int]:
    """Start; kill -9 once the position passes a random point ahead; again. Returns the
    positions the kills landed at."""
    landed: list[int] = []
    while len(landed) < kills:
        at = position()
        if at >= last - 1:
            break
        target = rng.randint(at + 1, max(at + 1, (at + last) // 2))
        process = start(folder, command, folder / f"{command}.log")
        deadline = time.monotonic() + 120
        while position() < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        landed.append(position())
    return landed


def test_the_projection_driver_killed_at_random_loses_and_duplicates_nothing(tmp_path):
    settings = store(tmp_path, scale(15_000, 150_000))
    last = scalar(tmp_path / "kopir.db", "SELECT max(id) FROM schoolintegration_events")
    views = tmp_path / "kopir-views.db"
    position = lambda: scalar(views, "SELECT max(notification_id) FROM rm_tracking")  # noqa: E731
    landed = kill_at_random(tmp_path, "project", position, last, kills=scale(5, 20),
                            rng=random.Random(1))
    assert len([p for p in landed if 0 < p < last]) >= 3, landed  # mid-stream, not before
    final = start(tmp_path, "project", tmp_path / "project.log")
    wait_for(lambda: position() >= last, 300, f"the driver to reach {last}")
    final.send_signal(signal.SIGTERM)
    final.wait(timeout=30)
    view = ReadModelView.from_url(settings.read_models_url())
    reference = ReadModelView.from_url(f"sqlite:///{tmp_path}/reference.db")
    ProjectionRunner(SchoolIntegration(env=settings.app_env()), reference).process_available()
    assert compare(snapshot(reference), snapshot(view)) == {}, landed


def raised(path: Path) -> list[str]:
    topic = get_topic(Escalation.EscalationRaised)
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute(
            "SELECT originator_id FROM schoolintegration_events WHERE topic = ?", (topic,))]


def test_the_engine_killed_at_random_raises_each_escalation_exactly_once(tmp_path):
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    killed.mkdir()
    clean.mkdir()
    store(killed, scale(8_000, 80_000))
    with sqlite3.connect(killed / "kopir.db") as source, \
            sqlite3.connect(clean / "kopir.db") as copy:
        source.backup(copy)  # the same history, twice
    history = scalar(killed / "kopir.db", "SELECT max(id) FROM schoolintegration_events")

    def position(folder: Path) -> int:
        return scalar(folder / "kopir.db", "SELECT max(notification_id) FROM engine_tracking")

    landed = kill_at_random(killed, "engine", lambda: position(killed), history,
                            kills=scale(4, 15), rng=random.Random(2))
    assert len([p for p in landed if 0 < p < history]) >= 2, landed

    def run_to_the_end(folder: Path) -> None:
        """Run the engine until it has raised nothing new for five seconds."""
        engine = start(folder, "engine", folder / "engine.log")
        seen, quiet_since = -1, time.monotonic()
        deadline = time.monotonic() + 300
        while time.monotonic() - quiet_since < 5:
            assert time.monotonic() < deadline, "the engine kept raising for 5 minutes"
            now = len(raised(folder / "kopir.db"))
            if now != seen:
                seen, quiet_since = now, time.monotonic()
            time.sleep(0.25)
        engine.send_signal(signal.SIGTERM)
        engine.wait(timeout=30)

    run_to_the_end(killed)
    run_to_the_end(clean)
    after_kills, without = raised(killed / "kopir.db"), raised(clean / "kopir.db")
    assert len(after_kills) == len(set(after_kills)), "an escalation was raised twice"
    assert sorted(after_kills) == sorted(without), (len(after_kills), len(without), landed)
    assert without, "the history raised no escalation at all: the test proves nothing"
