"""Retention on SQLite and PostgreSQL: a child's personal content is erased N years after
the later of the enrolment's closing and coming of age, by the system on a schedule,
each erasure with the rule and the law as its legal basis; a dry run changes nothing."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from domain.model import Child
from domain.retention import RetentionPolicy
from processes.retention import RETENTION_ACTOR, Retention, run_once
from tests import forms

pytestmark = pytest.mark.backends("sqlite", "postgres")
UTC = timezone.utc


def seed(world) -> None:  # type: ignore[no-untyped-def]
    """Four children enrolled in September 2025, in turn: of age in 2025 and left at once
    (due 2030), a ten-year-old who left too (of age 2033, due 2038), one of age but still
    enrolled (never due), one of age and left, but already erased on a request."""
    for code, born in (("AST-0001", 2007), ("AST-0002", 2015), ("AST-0003", 2007),
                       ("AST-0004", 2007)):
        world.app.enrol_child(world.psychologist, forms.enrolment(
            code, world.later(hours=1), birth_year=born, support_needs=f"canary-{code}"))
    for code in ("AST-0001", "AST-0002", "AST-0004"):
        world.app.close_enrolment(world.psychologist, code, "The family moved to Almaty.")
    world.app.erase_personal_data(world.admin, "AST-0004", "Mother's written request")


def erased(world, code: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(world.app.child(code).is_erased)


def retention(world, years: int = 5) -> Retention:  # type: ignore[no-untyped-def]
    follower = world.rt.make_retention()
    follower.policy = RetentionPolicy(years)
    return follower


def test_a_dry_run_lists_the_children_due_and_changes_nothing(encrypted_world):
    world = encrypted_world
    seed(world)
    # Five years and a bit later, only the one who was of age and left is due.
    world.clock.set(datetime(2030, 10, 1, tzinfo=UTC))
    recorded = world.app.recorder.max_notification_id()
    listed = run_once(retention(world), dry_run=True)
    assert [(o.due.code, o.due.due_at.date().isoformat(), o.erased) for o in listed] == \
        [("AST-0001", "2030-09-01", False)]
    assert world.app.recorder.max_notification_id() == recorded
    assert not erased(world, "AST-0001")
    assert world.app.child_events(world.auditor, "AST-0001")[0].support_needs == \
        "canary-AST-0001"


def test_a_run_erases_exactly_the_children_due_with_the_rule_as_the_reason(encrypted_world):
    world = encrypted_world
    seed(world)
    # In 2029 nobody is due yet.
    world.clock.set(datetime(2029, 12, 31, tzinfo=UTC))
    assert run_once(retention(world), dry_run=False) == []
    # In October 2030 the first is due: erased, with the system as the actor.
    world.clock.set(datetime(2030, 10, 1, tzinfo=UTC))
    [outcome] = run_once(retention(world), dry_run=False)
    assert outcome.erased and outcome.keys >= 1 and outcome.due.code == "AST-0001"
    assert [erased(world, c) for c in ("AST-0001", "AST-0002", "AST-0003")] == \
        [True, False, False]
    events = world.app.child_events(world.auditor, "AST-0001")
    last = events[-1]
    assert isinstance(last, Child.PersonalDataErased)
    assert last.recorded_by == RETENTION_ACTOR.user_id
    assert "retention.v1" in last.legal_basis and "94-V" in last.legal_basis
    assert "2025-09-01" in last.legal_basis and "2030-09-01" in last.legal_basis
    assert events[0].support_needs == ""  # the key is gone
    assert world.app.child_events(world.auditor, "AST-0002")[0].support_needs == \
        "canary-AST-0002"
    # Run again: nothing more is due; the ten-year-old is due only in 2038.
    assert run_once(retention(world), dry_run=False) == []
    world.clock.set(datetime(2038, 1, 2, tzinfo=UTC))
    assert [o.due.code for o in run_once(retention(world), dry_run=False)] == ["AST-0002"]
    assert not erased(world, "AST-0003")  # still enrolled: never due


def test_the_schedule_erases_by_itself_once_the_time_comes(encrypted_world):
    world = encrypted_world
    seed(world)
    follower = world.rt.make_retention(every=0.05)
    follower.start()
    try:
        time.sleep(0.3)  # running, caught up: nothing due in 2025
        assert not erased(world, "AST-0001")
        world.clock.set(datetime(2030, 10, 1, tzinfo=UTC))
        deadline = time.monotonic() + 15
        while not erased(world, "AST-0001") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert erased(world, "AST-0001") and not erased(world, "AST-0002")
        assert follower.error is None
    finally:
        follower.close()
