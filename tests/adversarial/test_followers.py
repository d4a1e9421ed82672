"""Followers that never die or double-run. One event that cannot be applied used to stop
the read models and the engine for good (findings 3 and 13); two projection drivers, or
a rebuild beside a running one, killed each other or left a zombie, and reads beside a
driver failed (finding 5). Now the event is parked and the rest goes on, and each
follower has one active writer while the others stand by."""

from __future__ import annotations

import threading
import time

import pytest

from infrastructure.locks import follower_lock
from kopir import bootstrap
from processes.engine_runner import EngineRunner
from processes.projection_runner import ProjectionRunner
from processes.rebuild import rebuild
from tests import forms
from tests.adversarial.test_forgery import forge_a_conflict
from tests.readers import Readers

# Locks and parked rows live in real databases; the forged row is written with SQL.
pytestmark = pytest.mark.backends("sqlite", "postgres")


def kinds(world, code: str) -> list[str]:  # type: ignore[no-untyped-def]
    readers = Readers(world.app, world.rt.view)
    return [r["kind"] for r in readers.staff.chronology(world.psychologist, code)]


def two_children(world) -> None:  # type: ignore[no-untyped-def]
    for code in ("AST-0001", "AST-0002"):
        world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1)))


def test_an_unreadable_event_is_parked_and_every_other_child_stays_current(
        encrypted_world, settings):
    world = encrypted_world
    two_children(world)
    world.project()
    forge_a_conflict(world, settings)  # a row nobody can decode, in AST-0001's stream
    engine = EngineRunner(world.app)
    # More of both children after it: AST-0002's are applied, AST-0001's wait behind it.
    for _ in range(3):
        world.app.record_conflict(world.teacher, "AST-0002", forms.conflict(world.later()))
    engine.process_available()
    world.project()  # after the engine, so its escalations are projected too
    end = world.app.recorder.max_notification_id()  # (reads below log access entries)
    assert kinds(world, "AST-0002").count("ConflictRecorded") == 3
    parked = world.rt.runner.quarantine.entries()
    assert len(parked) == 1 and "not encrypted" in parked[0]["reason"]
    assert [e["notification_id"] for e in engine.quarantine.entries()] == \
        [parked[0]["notification_id"]]
    # Both followers reached the end of the log: nothing stopped, nothing is a zombie.
    assert world.rt.runner.position == end and engine.position >= end - 2
    # A retry cannot read it either: still parked, with the reason said again.
    done = world.rt.runner.retry_parked()
    assert (done.applied, done.still) == (0, 1) and "not encrypted" in done.reasons[
        parked[0]["notification_id"]]
    # A rebuild parks it again and comes out identical.
    report = rebuild(world.rt.runner)
    assert report.identical and len(world.rt.runner.quarantine.entries()) == 1
    # Discarded, it is gone from the quarantine for good.
    done = world.rt.runner.retry_parked(discard=[parked[0]["notification_id"]])
    assert done.discarded == 1 and world.rt.runner.quarantine.entries() == []
    engine.close()


def test_a_childs_later_events_wait_behind_the_parked_one_and_follow_it_on_retry(
        world, monkeypatch):
    two_children(world)
    world.project()
    view = world.rt.view
    original = view.entry_recorded
    broken = {"on": True}

    def fails_for_the_first_child(event, tracking):  # type: ignore[no-untyped-def]
        if broken["on"] and event.school_id == "S1" and str(event.originator_id) == first:
            raise ValueError("this projection cannot apply it (a bug, since fixed)")
        original(event, tracking)

    first = str(world.app.child("AST-0001").id)
    monkeypatch.setattr(view, "entry_recorded", fails_for_the_first_child)
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later()))
    world.app.record_conflict(world.teacher, "AST-0002", forms.conflict(world.later()))
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later()))
    world.project()
    parked = world.rt.runner.quarantine.entries()
    assert [p["waits_behind"] is None for p in parked] == [True, False]
    assert "ValueError" in parked[0]["reason"] and "waits behind" in parked[1]["reason"]
    assert "ConflictRecorded" not in kinds(world, "AST-0001")
    assert kinds(world, "AST-0002").count("ConflictRecorded") == 1
    # The bug fixed, a retry applies both in their order; the read models equal a rebuild.
    broken["on"] = False
    done = world.rt.runner.retry_parked()
    assert (done.applied, done.still) == (2, 0)
    assert kinds(world, "AST-0001").count("ConflictRecorded") == 2
    assert rebuild(world.rt.runner).identical


def second_runner(world) -> ProjectionRunner:  # type: ignore[no-untyped-def]
    """Another projection driver of the same read models, as another process would run."""
    _, runner = bootstrap.read_models(world.rt.config, world.app)
    runner.poll_interval = 0.02
    return runner


def test_two_drivers_one_active_the_other_takes_over(world):
    first, second = world.rt.runner, second_runner(world)
    first.poll_interval = 0.02
    first.start()
    deadline = time.monotonic() + 5
    while not first.active and time.monotonic() < deadline:
        time.sleep(0.01)
    second.start()
    two_children(world)
    first.wait(world.app.recorder.max_notification_id(), timeout=10)
    time.sleep(0.3)
    assert first.active and not second.active and first.error is None and second.alive
    # The active one stops (its process died): the standby takes over and catches up.
    first.close()
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later()))
    started = time.monotonic()
    second.wait(world.app.recorder.max_notification_id(), timeout=10)
    took = time.monotonic() - started
    assert second.active and second.error is None and took < 10
    second.close()
    assert kinds(world, "AST-0001")[-1] == "ConflictRecorded"


def test_rebuild_beside_a_running_driver_pauses_it_and_it_goes_on(world):
    two_children(world)
    driver = second_runner(world)
    driver.start()
    driver.wait(world.app.recorder.max_notification_id(), timeout=10)
    # While the rebuild replays, the driver is not the active writer. (Whether the rebuild
    # had to wait depends on whether the driver saw the pause before the rebuild asked
    # for the lock, so the test looks at the driver, not at the wait.)
    driver_active_during = []
    report = rebuild(world.rt.runner,
                     progress=lambda *_: driver_active_during.append(driver.active))
    assert report.identical and report.events == world.app.recorder.max_notification_id()
    assert driver_active_during and not any(driver_active_during)
    # The driver carries on after it: no zombie.
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later()))
    driver.wait(world.app.recorder.max_notification_id(), timeout=10)
    assert driver.alive and driver.error is None and driver.active
    driver.close()


def test_one_off_work_says_once_that_it_waits_for_a_busy_writer(world):
    # Another holder keeps the lock and never looks for a pause request (a writer in the
    # middle of a long batch): the one-off work tells its caller once that it waits, and
    # gives up at its deadline instead of hanging.
    url = world.rt.config.database_url
    busy, alone = follower_lock("projections", url), follower_lock("projections", url)
    assert busy.try_acquire()
    told = []
    with pytest.raises(TimeoutError):
        with alone.exclusive(lambda: told.append("waiting"), timeout=1.2):
            pass
    assert told == ["waiting"]
    busy.close()
    with alone.exclusive(lambda: told.append("again"), timeout=1.2):
        assert alone.held()
    assert told == ["waiting"]
    alone.close()


def test_two_rebuilds_at_once_run_one_after_the_other(world):
    two_children(world)
    world.project()
    results, errors = [], []

    def run() -> None:
        try:
            results.append(rebuild(second_runner(world)))
        except Exception as error:  # noqa: BLE001 - what the test looks for
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and [r.identical for r in results] == [True, True]


def test_reads_beside_a_running_driver_never_fail(world):
    two_children(world)
    driver = second_runner(world)
    driver.start()
    failures = []
    reads = 0
    for i in range(60):
        world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later()))
        try:
            world.rt.runner.catch_up(timeout=10)  # what every command-line read does first
            assert kinds(world, "AST-0001").count("ConflictRecorded") == i + 1
            reads += 1
        except Exception as error:  # noqa: BLE001 - counted
            failures.append(repr(error))
    assert failures == [] and reads == 60 and driver.error is None
    driver.close()


def test_the_command_line_lists_retries_and_discards_parked_events(
        encrypted_world, settings, monkeypatch, capsys):
    from infrastructure.settings import settings as configured
    from kopir import cli

    world = encrypted_world
    two_children(world)
    world.project()
    forge_a_conflict(world, settings)
    world.project()
    monkeypatch.setenv("KOPIR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KOPIR_CIPHER_KEY", world.rt.config.cipher_key)
    configured.cache_clear()
    try:
        capsys.readouterr()
        assert cli.main(["quarantine", "list"]) == 0
        listed = capsys.readouterr().out
        assert "projections" in listed and "not encrypted" in listed
        [number] = [e["notification_id"] for e in world.rt.runner.quarantine.entries()]
        assert cli.main(["status"]) == 0
        assert "projections: position" in capsys.readouterr().out
        assert cli.main(["quarantine", "retry"]) == 1  # it cannot be read now either
        said = capsys.readouterr()
        assert "still parked" in said.out and said.err.startswith("kopir: ")
        assert cli.main(["quarantine", "retry", "--discard", "999999"]) == 1
        assert "not parked: 999999" in capsys.readouterr().err
        assert cli.main(["quarantine", "retry", "--discard", str(number)]) == 0
        assert cli.main(["quarantine", "list"]) == 0
        assert "Nothing is parked" in capsys.readouterr().out
    finally:
        configured.cache_clear()
