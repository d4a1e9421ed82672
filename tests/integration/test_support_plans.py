"""Support plans, family work and transfers, in memory, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.access import Actor, Role
from domain.application import SYSTEM
from domain.errors import (
    ChildNotInScope,
    ConsentMissing,
    InvalidEntry,
    NotAuthorised,
    PlanStateError,
)
from domain.model import Child, child_id
from domain.plan_forms import (
    Closure,
    Consent,
    FamilyContact,
    Goal,
    Measure,
    MeasureChange,
    PlanDraft,
    Review,
)
from domain.vocabulary import (
    ClosureReason,
    ConsentPurpose,
    ContactOutcome,
    ContactType,
    FamilyMember,
    GoalOutcome,
    MeasureStatus,
    MeasureType,
    PeerIncidentKind,
)
from tests import forms
from tests.readers import Readers

PSYCH_S2 = Actor("p.s2", Role.PSYCHOLOGIST, frozenset({"S2"}))


def staffed(world, code="AST-0001", birth_year=None):  # type: ignore[no-untyped-def]
    for user, role, schools in (("p.s1", Role.PSYCHOLOGIST, ["S1"]),
                                ("t.s1", Role.TEACHER, ["S1"])):
        world.app.register_account(SYSTEM, user, user.upper(), role, schools, "long-password")
    changes = {"birth_year": birth_year} if birth_year else {}
    world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1),
                                                              **changes))
    return code


def draft(world, code="AST-0001"):  # type: ignore[no-untyped-def]
    today = world.clock.now().date()
    return world.app.draft_plan(world.psychologist, code, PlanDraft(
        (Goal("social_ties", "Two friends in class"),
         Goal("family_support", "The mother joins a support programme")),
        today + timedelta(days=30), "Agreed with the class tutor."))


def measure(world, kind=MeasureType.PEER_MENTOR, who="t.s1", days=14):  # type: ignore[no-untyped-def]
    today = world.clock.now().date()
    return Measure(kind, "social_ties", who, today, today + timedelta(days=days), "Weekly.")


def test_a_plan_is_drafted_approved_reviewed_and_closed_only_with_approval(world):
    code = staffed(world)
    goals = draft(world, code)
    mentor = world.app.add_measure(world.psychologist, code, measure(world))
    world.app.add_measure(world.psychologist, code, measure(world, MeasureType.CATCH_UP_LESSONS))
    with pytest.raises(NotAuthorised):
        world.app.approve_plan(world.psychologist, code, "I approve my own plan.")
    world.app.approve_plan(world.supervisor, code, "Fine.")
    with pytest.raises(PlanStateError, match="already approved"):
        world.app.approve_plan(world.supervisor, code, "Again.")
    world.app.update_measure(world.psychologist, code, MeasureChange(mentor, MeasureStatus.IN_PROGRESS))
    world.app.record_counselling_session(world.psychologist, code, forms.session(world.later(days=3)))
    world.app.record_peer_incident(world.teacher, code, forms.peer_incident(
        world.later(days=1), kind=PeerIncidentKind.FRIENDSHIP, severity=0,
        description="Played chess together."))
    evidence = world.app.review_plan(world.psychologist, code, Review(
        {goals[0]: GoalOutcome.BETTER, goals[1]: GoalOutcome.SAME},
        world.clock.now().date() + timedelta(days=30)))
    assert evidence["positive_ties"] == 1 and evidence["sessions"] == 1
    # Closing needs a proposal with a reason from the list, then a supervisor's approval.
    with pytest.raises(PlanStateError, match="Nobody proposed"):
        world.app.approve_closure(world.supervisor, code, "Close it.")
    with pytest.raises(InvalidEntry):
        world.app.propose_closure(world.psychologist, code, Closure("because", "Done."))
    world.app.propose_closure(world.psychologist, code,
                              Closure(ClosureReason.GOALS_MET, "Friends made; mother working."))
    with pytest.raises(NotAuthorised):
        world.app.approve_closure(world.psychologist, code, "Closing it myself.")
    assert world.app.child(code).plan["status"] == "approved"
    world.app.approve_closure(world.supervisor, code, "Agreed.")
    child = world.app.child(code)
    assert child.plan["status"] == "closed"
    with pytest.raises(PlanStateError, match="closed"):
        world.app.add_measure(world.psychologist, code, measure(world))
    world.app.reopen_plan(world.psychologist, code, "New trouble in class.")
    assert world.app.child(code).plan["status"] == "approved"
    kinds = [type(e).__name__ for e in world.app.events.get(child_id(code))]
    assert kinds[-4:] == ["PlanReviewed", "PlanClosureProposed", "PlanClosed", "PlanReopened"]


def test_a_measure_that_needs_consent_does_not_start_without_it(world):
    code = staffed(world, birth_year=world.clock.now().year - 14)
    draft(world, code)
    referral = world.app.add_measure(world.psychologist, code, measure(
        world, MeasureType.REFERRAL_RELIGIOUS_STUDIES, who="p.s1"))
    start = MeasureChange(referral, MeasureStatus.IN_PROGRESS)
    with pytest.raises(ConsentMissing, match="religious_studies"):
        world.app.update_measure(world.psychologist, code, start)
    # Consent for another purpose is not consent for this one.
    world.app.record_consent(world.psychologist, code, Consent(
        ConsentPurpose.SPECIALIST_REFERRAL, True, FamilyMember.MOTHER))
    with pytest.raises(ConsentMissing):
        world.app.update_measure(world.psychologist, code, start)
    world.app.record_consent(world.psychologist, code, Consent(
        ConsentPurpose.RELIGIOUS_STUDIES, True, FamilyMember.MOTHER, "Agreed at the meeting."))
    world.app.update_measure(world.psychologist, code, start)
    assert world.app.child(code).plan["measures"][referral]["status"] == "in_progress"
    # A teacher cannot record consent; a measure needs someone of the school's staff.
    with pytest.raises(NotAuthorised):
        world.app.record_consent(world.teacher, code, Consent(
            ConsentPurpose.SPECIALIST_REFERRAL, False, FamilyMember.MOTHER))
    with pytest.raises(InvalidEntry, match="staff"):
        world.app.add_measure(world.psychologist, code, measure(world, who="nobody"))


def test_religious_studies_are_for_adolescents_only(world):
    code = staffed(world, birth_year=world.clock.now().year - 8)
    draft(world, code)
    with pytest.raises(InvalidEntry, match="adolescents"):
        world.app.add_measure(world.psychologist, code, measure(
            world, MeasureType.REFERRAL_RELIGIOUS_STUDIES, who="p.s1"))


def test_a_transferred_record_is_seen_at_the_receiving_school_only_after_acceptance(world):
    code = staffed(world)
    draft(world, code)
    world.app.record_counselling_session(world.psychologist, code, forms.session(world.later(hours=2)))
    with pytest.raises(ConsentMissing, match="share_with_school"):
        world.app.transfer_child(world.psychologist, code, "S2", "The family moved.")
    world.app.record_consent(world.psychologist, code, Consent(
        ConsentPurpose.SHARE_WITH_SCHOOL, True, FamilyMember.MOTHER))
    world.app.transfer_child(world.psychologist, code, "S2", "The family moved.")
    readers = Readers(world.app, world.rt.view)
    world.project()
    for actor in (PSYCH_S2, world.other_teacher):
        with pytest.raises(ChildNotInScope):
            world.app.child_events(actor, code)
        with pytest.raises(ChildNotInScope):
            readers.staff.chronology(actor, code)
    with pytest.raises(NotAuthorised):
        world.app.accept_transfer(world.other_teacher, code)  # a tutor does not answer it
    with pytest.raises(ChildNotInScope):
        world.app.accept_transfer(world.psychologist, code)  # nor the sending school
    world.app.accept_transfer(PSYCH_S2, code)
    world.project()
    assert world.app.child(code).school_id == "S2"
    assert world.app.child(code).plan["status"] == "draft"  # the plan moved with the child
    kinds = {r["kind"] for r in readers.staff.chronology(PSYCH_S2, code)}
    assert {"ChildEnrolled", "CounsellingSessionRecorded", "PlanDrafted"} <= kinds
    # ... and per role: the receiving tutor sees no wellbeing and no entries of others.
    tutor_rows = readers.staff.chronology(world.other_teacher, code)
    assert all(r["recorded_by"] == world.other_teacher.user_id for r in tutor_rows)
    with pytest.raises(NotAuthorised):
        readers.staff.wellbeing(world.other_teacher, code)
    with pytest.raises(ChildNotInScope):
        world.app.child_events(world.psychologist, code)  # the sending school no longer


def test_a_rejected_transfer_leaves_the_child_where_they_are(world):
    code = staffed(world)
    world.app.record_consent(world.psychologist, code, Consent(
        ConsentPurpose.SHARE_WITH_SCHOOL, True, FamilyMember.GUARDIAN))
    world.app.transfer_child(world.psychologist, code, "S2", "The family moved.")
    with pytest.raises(InvalidEntry):
        world.app.reject_transfer(PSYCH_S2, code, "")
    world.app.reject_transfer(PSYCH_S2, code, "No place in grade 5 this year.")
    assert world.app.child(code).school_id == "S1"
    with pytest.raises(ChildNotInScope):
        world.app.accept_transfer(PSYCH_S2, code)
    events = list(world.app.events.get(child_id(code)))
    assert isinstance(events[-1], Child.TransferRejected)


def test_family_contacts_say_who_refused(world):
    code = staffed(world)
    with pytest.raises(InvalidEntry, match="who refused"):
        world.app.record_family_contact(world.psychologist, code, FamilyContact(
            world.later(hours=1), FamilyMember.MOTHER, ContactType.HOME_VISIT,
            ContactOutcome.REFUSED))
    entry = world.app.record_family_contact(world.psychologist, code, FamilyContact(
        world.clock.now(), FamilyMember.MOTHER, ContactType.HOME_VISIT, ContactOutcome.REFUSED,
        FamilyMember.FATHER, "The father did not let us in.",
        world.clock.now().date() + timedelta(days=7)))
    world.project()
    rows = Readers(world.app, world.rt.view).staff.chronology(world.psychologist, code)
    row = next(r for r in rows if r["entry_id"] == entry)
    assert row["kind"] == "FamilyContactRecorded" and row["fields"]["refused_by"] == "father"


@pytest.mark.backends("sqlite", "postgres")  # the engine keeps its position in SQL
def test_a_refusal_by_someone_other_than_the_mother_is_a_signal(world):
    from domain.commands import Correction
    from processes.engine_runner import EngineRunner

    def signals(code):  # type: ignore[no-untyped-def]
        engine = EngineRunner(world.app)
        engine.process_available()
        engine.close()
        world.project()
        rows = Readers(world.app, world.rt.view).oversight.escalation_queue(
            world.supervisor, include_resolved=True)
        return {r["rule_id"]: r["status"] for r in rows if r["child_code"] == code}

    staffed(world)
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0002", world.later(hours=1)))
    contact = FamilyContact(world.later(hours=1), FamilyMember.MOTHER, ContactType.PHONE,
                            ContactOutcome.REFUSED, FamilyMember.MOTHER, "She is not ready yet.")
    world.app.record_family_contact(world.psychologist, "AST-0001", contact)
    by_uncle = world.app.record_family_contact(world.psychologist, "AST-0002", FamilyContact(
        world.clock.now(), FamilyMember.MOTHER, ContactType.HOME_VISIT, ContactOutcome.REFUSED,
        FamilyMember.OTHER_RELATIVE, "The uncle answered the door and sent us away."))
    assert "family-contact-refused" not in signals("AST-0001")
    assert signals("AST-0002").get("family-contact-refused") == "open"
    # Amended away (it was the mother after all), the signal is withdrawn.
    world.app.amend_entry(world.psychologist, "AST-0002", Correction(
        by_uncle, "It was the mother who answered.", {"refused_by": "mother"}))
    assert signals("AST-0002")["family-contact-refused"] == "withdrawn"


def test_the_plan_replays_as_it_stood_and_its_steps_are_in_the_chronology(world):
    code = staffed(world)
    goals = draft(world, code)
    drafted = world.clock.now()
    world.later(hours=1)
    world.app.approve_plan(world.supervisor, code, "Fine.")
    approved = world.clock.now()
    world.later(days=10)
    world.app.review_plan(world.psychologist, code, Review(
        {goals[0]: GoalOutcome.WORSE}, world.clock.now().date() + timedelta(days=30)))
    world.project()
    readers = Readers(world.app, world.rt.view)
    assert readers.staff.plan(world.auditor, code, as_of=drafted)["status"] == "draft"
    then = readers.staff.plan(world.auditor, code, as_of=approved)
    assert then["status"] == "approved" and then["reviews"] == []
    now = readers.staff.plan(world.auditor, code)
    assert [r["outcomes"] for r in now["reviews"]] == [{goals[0]: "worse"}]
    assert [s["step"] for s in now["steps"]] == ["approved"] and now["steps"][0]["by"] == "sup"
    kinds = [r["kind"] for r in readers.staff.chronology(world.auditor, code)]
    assert {"PlanDrafted", "GoalAdded", "PlanApproved", "PlanReviewed"} <= set(kinds)
    # Each read of the plan is a read of the child's record, and is logged as one.
    world.project()
    purposes = [r["purpose"] for r in world.rt.view.rows("rm_access_log")
                if r["child_code"] == code]
    assert purposes.count("plan") == 1 and purposes.count("replay") == 2


def test_a_deputy_approves_for_the_supervisor_only_while_standing_in(world):
    code = staffed(world)
    draft(world, code)
    world.app.register_account(SYSTEM, "sup", "Supervisor", Role.SUPERVISOR, ["S1", "S2"],
                               "long-password")
    world.app.register_account(SYSTEM, "p.s2", "Deputy", Role.PSYCHOLOGIST, ["S2"],
                               "long-password")
    starts = world.clock.now() + timedelta(days=1)
    world.app.name_deputy(world.supervisor, "sup", "p.s2", starts, starts + timedelta(days=7))
    with pytest.raises(ChildNotInScope):  # not yet
        world.app.approve_plan(PSYCH_S2, code, "Standing in.")
    world.later(days=2)
    world.project()
    deputy = world.app.actor_for("p.s2")
    items = Readers(world.app, world.rt.view).staff.my_work(deputy)
    assert ("plan_approval", code) in {(t["kind"], t["code"]) for s in items.values() for t in s}
    world.app.approve_plan(PSYCH_S2, code, "Standing in for the supervisor.")
    approved = list(world.app.events.get(child_id(code)))[-1]
    assert (approved.recorded_by, approved.acting_for) == ("p.s2", "sup")
    world.app.propose_closure(world.psychologist, code, Closure(ClosureReason.GOALS_MET, "Done."))
    world.later(days=7)
    with pytest.raises(ChildNotInScope):  # the delegation is over
        world.app.approve_closure(PSYCH_S2, code, "Still standing in?")
    world.app.approve_closure(world.supervisor, code, "Back; agreed.")
    closed = list(world.app.events.get(child_id(code)))[-1]
    assert (closed.recorded_by, closed.acting_for) == ("sup", "")


def test_a_reviews_evidence_takes_each_area_from_the_sessions_that_assessed_it(world):
    # Sessions may assess some areas only: the review's "then" and "now" are per area,
    # the last score given for that area, never a gap where a session skipped it.
    from domain.commands import Wellbeing

    code = staffed(world)
    world.app.record_counselling_session(world.psychologist, code, forms.session(
        world.later(hours=2), wellbeing=Wellbeing(2, 3, 2, 4)))
    world.clock.advance(timedelta(days=1))
    goals = draft(world, code)
    world.app.record_counselling_session(world.psychologist, code, forms.session(
        world.later(days=2), wellbeing=Wellbeing(social_ties=4)))
    world.app.record_counselling_session(world.psychologist, code, forms.session(
        world.later(days=3), wellbeing=Wellbeing(emotional_state=3)))
    evidence = world.app.review_plan(world.psychologist, code, Review(
        {goals[0]: GoalOutcome.BETTER, goals[1]: GoalOutcome.SAME},
        world.clock.now().date() + timedelta(days=30)))
    assert evidence["sessions"] == 2
    assert evidence["first"] == {"social_ties": 2, "school_engagement": 3,
                                 "emotional_state": 2, "family_support": 4}
    assert evidence["latest"] == {"social_ties": 4, "school_engagement": 3,
                                  "emotional_state": 3, "family_support": 4}
