"""Delegation: a supervisor away names a deputy for a period. While it lasts the deputy sees
and handles the supervisor's caseload, and each decision is recorded as the deputy's,
acting for the supervisor; before and after, the deputy has only their own schools. In
memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.access import Role
from domain.commands import Concern, Resolution
from domain.concern import concern_id
from domain.errors import InvalidEntry, NotAuthorised
from domain.model import child_id
from domain.vocabulary import Level, Outcome
from tests import forms
from tests.readers import Readers

PASSWORD = "first-password"


@pytest.fixture
def office(world):  # type: ignore[no-untyped-def]
    """Two supervisors, one per school, a psychologist of the second, and a concern about
    a child of the first school."""
    app = world.app
    for user, role, school in (("sup.s1", Role.SUPERVISOR, "S1"),
                               ("sup.s2", Role.SUPERVISOR, "S2"),
                               ("psy.s2", Role.PSYCHOLOGIST, "S2"),
                               ("psy.s1", Role.PSYCHOLOGIST, "S1")):
        app.register_account(world.admin, user, user.title(), role, [school], PASSWORD)
    app.enrol_child(world.teacher, forms.enrolment("AST-0001", world.later(hours=1)))
    app.raise_concern(world.psychologist, "AST-0001", Concern(
        occurred_at=world.later(hours=1), level=Level.MEDIUM, reason="Cries at break."))
    world.project()
    return str(concern_id(str(child_id("AST-0001"))))


def sign_in(world, user):  # type: ignore[no-untyped-def]
    return world.app.log_in(user, PASSWORD)


def test_the_deputy_handles_the_caseload_only_while_the_delegation_lasts(world, office):
    start = world.clock.now() + timedelta(days=1)
    boss = sign_in(world, "sup.s1")
    world.app.name_deputy(boss, "sup.s1", "sup.s2", start, start + timedelta(days=7))
    # Before the absence begins, the deputy has only their own school.
    deputy = sign_in(world, "sup.s2")
    assert deputy.standing_in == ()
    with pytest.raises(NotAuthorised):
        world.app.acknowledge_concern(deputy, office, "Seen.")
    # During it, the supervisor's school is theirs too, and the monitor shows its concerns.
    world.later(days=2)
    deputy = sign_in(world, "sup.s2")
    assert deputy.oversees("S1") and deputy.acting_for("S1") == "sup.s1"
    monitor = Readers(world.app, world.rt.view).oversight.concern_monitor(deputy)
    assert [r["concern_id"] for r in monitor["rows"]] == [office]
    world.app.acknowledge_concern(deputy, office, "Seen, will call the mother.")
    world.app.assign_concern(deputy, office, "psy.s1", "Please see her this week.")
    # Every decision is the deputy's, acting for the supervisor: both names on the event.
    decisions = [e for e in world.app.events.get(world.app._get(
        concern_id(str(child_id("AST-0001")))).id) if hasattr(e, "acting_for")]
    assert [(type(e).__name__, e.recorded_by, e.acting_for) for e in decisions] == [
        ("ConcernAcknowledged", "sup.s2", "sup.s1"), ("ConcernAssigned", "sup.s2", "sup.s1")]
    # ... and in the concern's history that the monitor shows.
    world.project()
    row = Readers(world.app, world.rt.view).oversight.concern(boss, f"{office}/1")
    assert [(h["action"], h["by"], h.get("acting_for")) for h in row["history"][-2:]] == [
        ("acknowledged", "sup.s2", "sup.s1"), ("assigned", "sup.s2", "sup.s1")]
    # After it ends, even an actor signed in during it can no longer act there.
    world.later(days=7)
    with pytest.raises(NotAuthorised):
        world.app.resolve_concern(deputy, office, Resolution(
            outcome=Outcome.NO_FURTHER_ACTION, rationale="Settled."))
    assert sign_in(world, "sup.s2").standing_in == ()
    # The supervisor, back, decides as themselves.
    world.app.resolve_concern(boss, office, Resolution(outcome=Outcome.NO_FURTHER_ACTION,
                                                       rationale="Settled."))
    last = list(world.app.events.get(concern_id(str(child_id("AST-0001")))))[-1]
    assert (last.recorded_by, last.acting_for) == ("sup.s1", "")


def test_a_delegation_ended_early_ends_the_deputys_reach_at_once(world, office):
    boss = sign_in(world, "sup.s1")
    now = world.clock.now()
    key = world.app.name_deputy(boss, "sup.s1", "psy.s2", now, now + timedelta(days=14))
    deputy = sign_in(world, "psy.s2")
    assert [d["deputy"] for d in world.app.delegations_of(boss, "sup.s1")] == ["psy.s2"]
    world.app.snooze_concern(deputy, office, world.clock.now() + timedelta(days=2), "After the holiday.")
    # Only the supervisor or an administrator ends it.
    with pytest.raises(NotAuthorised):
        world.app.end_delegation(deputy, "sup.s1", key)
    world.later(hours=1)
    world.app.end_delegation(world.admin, "sup.s1", key)
    assert world.app.delegations_of(boss, "sup.s1") == []
    with pytest.raises(NotAuthorised):
        world.app.acknowledge_concern(deputy, office, "Back again.")
    with pytest.raises(InvalidEntry):
        world.app.end_delegation(boss, "sup.s1", key)  # nothing left to end


def test_who_may_be_named_and_by_whom(world, office):
    boss = sign_in(world, "sup.s1")
    now = world.clock.now()
    week = now + timedelta(days=7)
    with pytest.raises(NotAuthorised):  # not for someone else
        world.app.name_deputy(sign_in(world, "sup.s2"), "sup.s1", "sup.s2", now, week)
    for deputy in ("sup.s1", "nobody", "adm"):  # not oneself, nor an unknown account
        with pytest.raises(InvalidEntry) as problems:
            world.app.name_deputy(boss, "sup.s1", deputy, now, week)
        assert problems.value.problems[0].code == "delegation.deputy"
    world.app.disable_account(world.admin, "psy.s2")
    with pytest.raises(InvalidEntry):  # nor a disabled one
        world.app.name_deputy(boss, "sup.s1", "psy.s2", now, week)
    with pytest.raises(InvalidEntry) as problems:  # and the period ends after it starts
        world.app.name_deputy(boss, "sup.s1", "sup.s2", week, now)
    assert problems.value.problems[0].code == "delegation.period"
    with pytest.raises(NotAuthorised):  # only a supervisor names a deputy
        world.app.name_deputy(world.admin, "psy.s1", "sup.s2", now, week)


def test_older_decision_events_without_acting_for_still_load(world, office):
    # Decisions stored before delegation existed have no `acting_for`: they read as "".
    world.app.acknowledge_concern(world.supervisor, office, "Seen.")
    event = list(world.app.events.get(concern_id(str(child_id("AST-0001")))))[-1]
    state = world.app.mapper.transcoder.decode(world.app.mapper.to_stored_event(event).state)
    state.pop("acting_for")
    stored = world.app.mapper.to_stored_event(event)
    old = type(stored)(originator_id=stored.originator_id,
                       originator_version=stored.originator_version, topic=stored.topic,
                       state=world.app.mapper.transcoder.encode(state))
    loaded = world.app.mapper.to_domain_event(old)
    assert loaded.acting_for == "" and loaded.note == "Seen."


def test_a_psychologist_deputy_reads_the_caseload_as_the_supervisor_would(world, office):
    # A session with confidential notes, at the supervisor's school.
    world.app.record_counselling_session(world.psychologist, "AST-0001",
                                         forms.session(world.later(hours=1)))
    world.project()
    staff = Readers(world.app, world.rt.view).staff
    boss, now = sign_in(world, "sup.s1"), world.clock.now()
    world.app.name_deputy(boss, "sup.s1", "psy.s2", now, now + timedelta(days=3))
    deputy = sign_in(world, "psy.s2")
    entries = staff.chronology(deputy, "AST-0001")
    session = [e for e in entries if e["kind"] == "CounsellingSessionRecorded"]
    # The entry is there, without the notes only psychologists of the school read...
    assert session and "confidential_notes" not in session[0]
    assert "confidential_notes" not in session[0]["fields"]
    own = [e for e in staff.chronology(world.psychologist, "AST-0001")
           if e["kind"] == "CounsellingSessionRecorded"]
    assert own[0]["confidential_notes"] == "Sleeps badly before tests."
    # ... and the deputy still records nothing for a child of that school.
    with pytest.raises(NotAuthorised):
        world.app.record_counselling_session(deputy, "AST-0001",
                                             forms.session(world.later(hours=1)))
