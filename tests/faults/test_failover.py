"""One active writer, a standby beside it: kill -9 of the active projection driver, engine
or relay, and the standby takes over, on SQLite and on PostgreSQL. Afterwards the read
models equal a rebuild, no escalation is raised twice and none is missing, and every
event reached the topic. Two drivers and a rebuild started together: one active, the
rebuild identical, reads answered throughout, no zombie."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import create_engine, text

from bench.stack import manual_clock, new_stack, record_history, wait_for
from domain.application import SchoolIntegration
from infrastructure.settings import Settings
from processes.engine_runner import EngineRunner
from processes.projection_runner import ProjectionRunner
from processes.rebuild import compare, snapshot
from projections.views import ReadModelView
from tests.faults.conftest import published, raised

ROOT = Path(__file__).resolve().parents[2]
KEY = base64.b64encode(bytes(range(32))).decode()
BACKENDS = ["sqlite", "postgres"]


def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/kopir.db"
    else:
        url = request.getfixturevalue("postgres_databases")()
    settings = Settings(database_url=url, cipher_key=KEY, poll_interval=0.05)
    app = SchoolIntegration(env=settings.app_env(), clock_=manual_clock())
    record_history(app, events=600, children=40, seed=1, batch=300)
    app.close()
    return settings


def more_history(settings: Settings, seed: int) -> int:
    """Record more (new children, their events) while the followers run; the last id."""
    app = SchoolIntegration(env=settings.app_env(), clock_=manual_clock())
    record_history(app, events=300, children=20, seed=seed, batch=100)
    last = app.recorder.max_notification_id()
    app.close()
    return int(last)


def start(settings: Settings, command: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "KOPIR_DATABASE_URL": settings.database_url,
           "KOPIR_CIPHER_KEY": KEY, "KOPIR_POLL_INTERVAL": "0.05", "KOPIR_BATCH_SIZE": "100"}
    return subprocess.Popen([sys.executable, "-m", "kopir.cli", *command.split()], cwd=ROOT,
                            env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def scalar(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar() or 0)
    except Exception:  # noqa: BLE001 - the table is not there yet
        return 0
    finally:
        engine.dispose()


def said(log: Path, words: str) -> bool:
    return log.exists() and words in log.read_text(errors="replace")


POSITIONS: dict[str, Callable[[Settings], int]] = {
    "project": lambda s: scalar(s.read_models_url(),
                                "SELECT max(notification_id) FROM rm_tracking"),
    "engine": lambda s: scalar(s.events_url(),
                               "SELECT max(notification_id) FROM engine_tracking"),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("command", ["project", "engine"])
def test_the_standby_takes_over_when_the_active_one_is_killed(backend, command, tmp_path,
                                                              request):
    settings = store(backend, tmp_path, request)
    position = POSITIONS[command]
    first = start(settings, command, tmp_path / "first.log")
    wait_for(lambda: position(settings) > 0, 60, f"the first {command} to start")
    second = start(settings, command, tmp_path / "second.log")
    wait_for(lambda: said(tmp_path / "second.log", "standing by"), 60,
             "the second to stand by")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    killed_at = time.monotonic()
    wait_for(lambda: said(tmp_path / "second.log", "taking over"), 30, "the standby to take over")
    took = time.monotonic() - killed_at
    last = more_history(settings, seed=2)
    wait_for(lambda: position(settings) >= last, 120, f"the standby {command} to reach {last}")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0, (tmp_path / "second.log").read_text()
    print(f"{command} on {backend}: the standby took over {took:.2f}s after kill -9")
    assert took < 15
    app = SchoolIntegration(env=settings.app_env())
    if command == "project":  # the read models equal a rebuild from the log
        view = ReadModelView.from_url(settings.read_models_url())
        reference = ReadModelView.from_url(f"sqlite:///{tmp_path}/reference.db")
        ProjectionRunner(app, reference).process_available()
        assert compare(snapshot(reference), snapshot(view)) == {}
    else:  # each escalation once, and a fresh engine finds nothing left to raise
        escalations = raised(settings)
        assert escalations and len(escalations) == len(set(escalations))
        check = EngineRunner(app, name="check-engine")
        check.process_available()
        assert check.raised_log == []
        check.close()
    app.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_drivers_and_a_rebuild_started_together(backend, tmp_path, request):
    settings = store(backend, tmp_path, request)
    logs = [tmp_path / f"driver-{i}.log" for i in range(2)]
    drivers = [start(settings, "project", log) for log in logs]
    rebuilding = start(settings, "rebuild --verify", tmp_path / "rebuild.log")
    reads = failed = 0
    while rebuilding.poll() is None:  # reads meanwhile are answered
        done = subprocess.run([sys.executable, "-m", "kopir.cli", "children", "--json"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "KOPIR_DATABASE_URL": settings.database_url,
                                   "KOPIR_CIPHER_KEY": KEY})
        reads += 1
        failed += done.returncode != 0
    assert rebuilding.returncode == 0, (tmp_path / "rebuild.log").read_text()
    assert "identical" in (tmp_path / "rebuild.log").read_text()
    last = more_history(settings, seed=3)
    wait_for(lambda: POSITIONS["project"](settings) >= last, 120, "a driver to go on")
    standing = [said(log, "standing by") for log in logs]
    assert standing.count(True) >= 1 and all(d.poll() is None for d in drivers), standing
    for driver in drivers:
        driver.send_signal(signal.SIGTERM)
        assert driver.wait(timeout=30) == 0
    assert reads >= 1 and failed == 0


def test_the_standby_relay_takes_over_and_every_event_reaches_the_topic(postgres_databases,
                                                                        tmp_path):
    stack = new_stack(postgres_databases, tmp_path)
    app = stack.app(manual_clock())
    record_history(app, events=500, children=40, seed=1, batch=250)
    first = app.recorder.max_notification_id()
    try:
        stack.start("relay-a", "relay")
        wait_for(lambda: stack.relayed() >= first, 90, "the first relay to publish")
        stack.start("relay-b", "relay")
        wait_for(lambda: "standing by" in stack.log("relay-b"), 60, "the second to stand by")
        stack.kill9("relay-a")
        killed_at = time.monotonic()
        record_history(app, events=300, children=20, seed=2, batch=100)
        last = app.recorder.max_notification_id()
        wait_for(lambda: stack.relayed() >= last, 90, f"the standby relay to reach {last}")
        took = time.monotonic() - killed_at
        print(f"relay on postgres: the standby published the rest {took:.2f}s after kill -9")
    finally:
        stack.stop_all()
        app.close()
    assert set(published(stack)) == set(range(1, last + 1))  # nothing lost
