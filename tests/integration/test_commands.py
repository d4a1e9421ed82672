"""Every staff command and its refusals, against SQLite and a real PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.access import Role
from domain.application import SYSTEM
from domain.commands import Concern, Correction, Participant, Resolution
from domain.concern import concern_id
from domain.errors import (
    ChildAlreadyEnrolled,
    ConcernStateError,
    EnrolmentIsClosed,
    EntryAlreadyRetracted,
    EscalationStateError,
    InvalidEntry,
    NotAuthorised,
    UnknownChild,
    UnknownEntry,
    UnknownUser,
)
from domain.model import Child, child_id
from domain.plan_forms import Consent
from domain.vocabulary import (
    Attendance,
    ConsentPurpose,
    FamilyMember,
    LabelAbout,
    Level,
    Outcome,
    ParticipantRole,
    PeerIncidentKind,
)
from tests import forms
from tests.readers import Readers


def enrolled(world, code="AST-0001", school="S1"):  # type: ignore[no-untyped-def]
    world.app.enrol_child(world.psychologist if school == "S1" else world.other_teacher,
                          forms.enrolment(code, world.later(hours=1), school=school))
    return code


def test_enrolment_is_recorded_with_who_when_and_where(world):
    enrolled(world)
    child = world.app.child("AST-0001")
    event = world.app.events.get(child.id).__next__()
    # The event says who recorded it, in which role and school, and when it happened.
    assert isinstance(event, Child.ChildEnrolled)
    assert (event.recorded_by, event.role, event.school_id) == ("p.s1", "psychologist", "S1")
    assert event.timestamp == world.clock.now()


def test_enrolling_the_same_child_twice_is_refused(world):
    enrolled(world)
    with pytest.raises(ChildAlreadyEnrolled):
        world.app.enrol_child(world.teacher, forms.enrolment("AST-0001", world.later(hours=1)))


def test_staff_cannot_record_for_another_school(world):
    enrolled(world)
    # A teacher of school 2 cannot enrol into school 1, nor record for a child of school 1.
    with pytest.raises(NotAuthorised):
        world.app.enrol_child(world.other_teacher, forms.enrolment("AST-0002", world.later(hours=1)))
    # A child of another school answers as an unknown one (codes are not probed that way).
    with pytest.raises(NotAuthorised, match="No child with code AST-0001"):
        world.app.record_conflict(world.other_teacher, "AST-0001", forms.conflict(world.later(hours=1)))


@pytest.mark.parametrize("who", ["auditor", "supervisor", "admin"])
def test_readers_and_admins_record_nothing(world, who):
    enrolled(world)
    actor = getattr(world, who)
    with pytest.raises(NotAuthorised):
        world.app.record_conflict(actor, "AST-0001", forms.conflict(world.later(hours=1)))
    with pytest.raises(NotAuthorised):
        world.app.enrol_child(actor, forms.enrolment("AST-0009", world.later(hours=1)))


def test_bad_content_is_refused_with_every_problem_in_plain_words(world):
    enrolled(world)
    future = world.clock.now() + timedelta(days=2)
    with pytest.raises(InvalidEntry) as refused:
        world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
            future, severity=7, description="   ", action_taken="x" * 2001))
    problems = refused.value
    assert problems.for_field("occurred_at") == [
        "is in the future; record events after they have happened."]
    assert problems.for_field("severity") == ["must be a whole number from 1 to 5."]
    assert problems.for_field("description") == ["please write something here; it cannot be empty."]
    assert "is too long: 2001 characters, the limit is 2000." in problems.for_field("action_taken")
    # Nothing was recorded.
    assert world.app.child("AST-0001").version == 1


def test_unknown_child_is_named(world):
    with pytest.raises(UnknownChild, match="NOPE-1"):
        world.app.record_conflict(world.teacher, "NOPE-1", forms.conflict(world.later(hours=1)))


def test_a_multi_child_conflict_is_in_each_childs_record_with_their_role(world):
    enrolled(world, "AST-0001")
    enrolled(world, "AST-0002")
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
        world.later(hours=1), child_role=ParticipantRole.TARGET,
        participants=(Participant("AST-0002", ParticipantRole.INITIATOR),)))
    [a] = [e for e in world.app.events.get(world.app.child("AST-0001").id)
           if isinstance(e, Child.ConflictRecorded)]
    [b] = [e for e in world.app.events.get(world.app.child("AST-0002").id)
           if isinstance(e, Child.ConflictRecorded)]
    assert a.child_role == "target" and b.child_role == "initiator"
    assert a.incident_id == b.incident_id and a.entry_id != b.entry_id
    assert b.participants == [{"child_code": "AST-0001", "role": "target"}]


def test_a_participant_from_another_school_is_refused(world):
    enrolled(world, "AST-0001")
    enrolled(world, "ALA-0001", school="S2")
    with pytest.raises(NotAuthorised):
        world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
            world.later(hours=1), participants=(Participant("ALA-0001", ParticipantRole.TARGET),)))
    assert world.app.child("AST-0001").version == 1


def test_a_stigmatising_nickname_needs_what_it_was_about(world):
    enrolled(world)
    with pytest.raises(InvalidEntry) as refused:
        world.app.record_peer_incident(world.teacher, "AST-0001", forms.peer_incident(
            world.later(hours=1), kind=PeerIncidentKind.STIGMATISING_LABEL))
    assert refused.value.for_field("label_about")
    world.app.record_peer_incident(world.teacher, "AST-0001", forms.peer_incident(
        world.clock.now(), kind=PeerIncidentKind.STIGMATISING_LABEL, label_about=LabelAbout.ORIGIN))


def test_positive_peer_interactions_have_no_severity(world):
    enrolled(world)
    with pytest.raises(InvalidEntry):
        world.app.record_peer_incident(world.teacher, "AST-0001", forms.peer_incident(
            world.later(hours=1), kind=PeerIncidentKind.FRIENDSHIP, severity=3))
    world.app.record_peer_incident(world.teacher, "AST-0001", forms.peer_incident(
        world.clock.now(), kind=PeerIncidentKind.FRIENDSHIP, severity=0,
        child_role=ParticipantRole.INVOLVED))


def test_counselling_sessions_are_for_psychologists_and_wellbeing_only_when_attended(world):
    enrolled(world)
    with pytest.raises(NotAuthorised):
        world.app.record_counselling_session(world.teacher, "AST-0001",
                                             forms.session(world.later(hours=1)))
    # Scores are for sessions that took place; a missed one has none to give.
    with pytest.raises(InvalidEntry) as refused:
        world.app.record_counselling_session(world.psychologist, "AST-0001", forms.session(
            world.clock.now(), attendance=Attendance.MISSED))
    assert refused.value.for_field("wellbeing")
    # An attended session may leave every area unassessed: nothing is stored for it.
    world.app.record_counselling_session(world.psychologist, "AST-0001",
                                         forms.session(world.clock.now(), wellbeing=None))
    world.app.record_counselling_session(world.psychologist, "AST-0001",
                                         forms.session(world.clock.now()))


def test_nothing_is_recorded_for_a_closed_enrolment(world):
    enrolled(world)
    world.app.close_enrolment(world.psychologist, "AST-0001", "Moved abroad.")
    with pytest.raises(EnrolmentIsClosed):
        world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))


def test_a_transferred_child_belongs_to_the_new_school(world):
    enrolled(world)
    world.app.record_consent(world.psychologist, "AST-0001", Consent(
        ConsentPurpose.SHARE_WITH_SCHOOL, True, FamilyMember.MOTHER))
    world.app.transfer_child(world.psychologist, "AST-0001", "S2", "Family moved.")
    world.app.accept_transfer(world.supervisor, "AST-0001")  # a supervisor of S2 answers
    with pytest.raises(NotAuthorised):
        world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    world.app.record_conflict(world.other_teacher, "AST-0001", forms.conflict(world.clock.now()))


def test_corrections_keep_the_original_and_need_a_reason(world):
    enrolled(world)
    entry = world.app.record_conflict(world.teacher, "AST-0001",
                                      forms.conflict(world.later(hours=1)))
    with pytest.raises(InvalidEntry):
        world.app.amend_entry(world.teacher, "AST-0001", Correction(entry, "", {"severity": 3}))
    with pytest.raises(InvalidEntry, match="cannot be amended"):
        world.app.amend_entry(world.teacher, "AST-0001",
                              Correction(entry, "typo", {"incident_id": "x"}))
    with pytest.raises(InvalidEntry, match="severity"):
        world.app.amend_entry(world.teacher, "AST-0001", Correction(entry, "typo", {"severity": 9}))
    with pytest.raises(UnknownEntry):
        world.app.amend_entry(world.teacher, "AST-0001", Correction("nope", "typo", {"severity": 3}))
    world.app.amend_entry(world.teacher, "AST-0001", Correction(entry, "typo", {"severity": 3}))
    world.app.retract_entry(world.teacher, "AST-0001", Correction(entry, "wrong child"))
    with pytest.raises(EntryAlreadyRetracted):
        world.app.retract_entry(world.teacher, "AST-0001", Correction(entry, "again"))
    # The store still holds the original, the amendment and the retraction.
    kinds = [type(e).__name__ for e in world.app.events.get(world.app.child("AST-0001").id)]
    assert kinds == ["ChildEnrolled", "ConflictRecorded", "EntryAmended", "EntryRetracted"]


def test_a_concern_flows_to_the_queue_and_through_its_lifecycle(world):
    enrolled(world)
    signal = world.app.raise_concern(world.psychologist, "AST-0001", Concern(
        occurred_at=world.later(hours=1), level=Level.HIGH, reason="Withdrawn for two weeks."))
    key = concern_id(str(child_id("AST-0001")))
    queries = Readers(world.app, world.rt.view)
    world.project()
    [row] = queries.oversight.escalation_queue(world.supervisor)
    assert (row["status"], row["level"], row["rule_id"]) == ("open", "high", "manual")
    [concern] = queries.oversight.open_concerns(world.supervisor)
    assert (concern["status"], concern["level"], concern["signal_count"]) == ("open", "high", 1)
    assert concern["acknowledge_by"] == world.clock.now() + timedelta(hours=1)
    # People act on the concern, not on each of its signals.
    with pytest.raises(EscalationStateError) as refused:
        world.app.acknowledge_escalation(world.supervisor, signal, "Seen.")
    assert refused.value.code == "escalation_in_concern"
    with pytest.raises(NotAuthorised):
        world.app.acknowledge_concern(world.teacher, key, "Seen.")
    world.app.acknowledge_concern(world.supervisor, key, "Seen.")
    with pytest.raises(ConcernStateError):
        world.app.acknowledge_concern(world.supervisor, key, "Seen twice.")
    world.app.register_account(SYSTEM, "p.s1", "Psychologist", Role.PSYCHOLOGIST, ["S1"],
                               "long-secret")
    world.app.assign_concern(world.supervisor, key, "p.s1", "Please meet the mother.")
    with pytest.raises(InvalidEntry):
        world.app.snooze_concern(world.supervisor, key, world.clock.now() + timedelta(days=2), " ")
    with pytest.raises(ConcernStateError):
        world.app.snooze_concern(world.supervisor, key, world.clock.now() + timedelta(days=9),
                                 "Away for a while.")
    world.app.snooze_concern(world.supervisor, key, world.clock.now() + timedelta(days=2),
                             "On a school trip this week.")
    with pytest.raises(InvalidEntry):
        world.app.resolve_concern(world.supervisor, key,
                                  Resolution(Outcome.NO_FURTHER_ACTION, " "))
    world.app.resolve_concern(world.supervisor, key,
                              Resolution(Outcome.NO_FURTHER_ACTION, "Settled after the talk."))
    with pytest.raises(ConcernStateError):
        world.app.resolve_concern(world.supervisor, key, Resolution(Outcome.ACTION_TAKEN, "Again."))
    world.project()
    assert queries.oversight.open_concerns(world.supervisor) == []
    [done] = [r for r in world.rt.view.rows("rm_concerns")]
    assert [h["action"] for h in json.loads(done["history"])] == [
        "opened", "acknowledged", "assigned", "snoozed", "resolved"]
    assert done["outcome"] == "no_further_action"
    assert queries.staff.child_summary(world.supervisor, "AST-0001")["open_escalations"] == 0


def test_teachers_do_not_raise_concerns_by_hand(world):
    enrolled(world)
    with pytest.raises(NotAuthorised):
        world.app.raise_concern(world.teacher, "AST-0001", Concern(
            occurred_at=world.later(hours=1), level=Level.LOW, reason="Quiet."))


def test_log_in_with_a_hashed_password(world):
    world.app.register_account(SYSTEM, "t.one", "Teacher One", Role.TEACHER, ["S1"], "long-secret")
    actor = world.app.log_in("t.one", "long-secret")
    assert actor.role == Role.TEACHER and actor.school_ids == frozenset({"S1"})
    with pytest.raises(UnknownUser):
        world.app.log_in("t.one", "wrong-secret")
    with pytest.raises(UnknownUser):
        world.app.log_in("nobody", "long-secret")
    with pytest.raises(NotAuthorised):
        world.app.register_account(world.teacher, "t.two", "T", Role.TEACHER, ["S1"], "long-secret")
