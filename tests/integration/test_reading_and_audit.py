"""Reads that staff and auditors rely on: forms that record once, the access log, the
auditor's replay, diff, raw log and integrity check, caseload figures. SQLite and
PostgreSQL."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import update

from domain.access import Role
from domain.application import SYSTEM
from domain.commands import Concern, Correction, Participant
from domain.concern import concern_id
from domain.errors import InvalidEntry, NotAuthorised
from domain.model import child_id
from domain.vocabulary import Level, ParticipantRole
from projections.tables import chronology
from tests import forms
from tests.readers import Readers


@pytest.fixture
def queries(world):  # type: ignore[no-untyped-def]
    return Readers(world.app, world.rt.view)


def enrol(world, *codes: str) -> None:  # type: ignore[no-untyped-def]
    for code in codes:
        world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1)))


def test_a_form_sent_twice_records_once(world, queries):
    # A double click sends the same form twice with the same submission id.
    enrol(world, "AST-0001", "AST-0002")
    submission = str(uuid4())
    report = forms.conflict(world.later(hours=1), participants=(
        Participant("AST-0002", ParticipantRole.INITIATOR),))
    first = world.app.record_conflict(world.teacher, "AST-0001", report, entry_id=submission)
    version = world.app.child("AST-0001").version
    again = world.app.record_conflict(world.teacher, "AST-0001", report, entry_id=submission,
                                      expected_version=version - 1)
    assert first == again == submission
    world.project()
    rows = queries.staff.chronology(world.psychologist, "AST-0001")
    assert [r["entry_id"] for r in rows].count(submission) == 1
    # The other child has the incident once too.
    other = queries.staff.chronology(world.psychologist, "AST-0002")
    assert sum(r["kind"] == "ConflictRecorded" for r in other) == 1


def test_corrections_and_concerns_sent_twice_record_once(world, queries):
    enrol(world, "AST-0001")
    entry = world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    fix = str(uuid4())
    correction = Correction(entry_id=entry, reason="Wrong day.", changes={"severity": 3})
    world.app.amend_entry(world.teacher, "AST-0001", correction, entry_id=fix)
    world.app.amend_entry(world.teacher, "AST-0001", correction, entry_id=fix)
    concern = str(uuid4())
    form = Concern(occurred_at=world.later(hours=1), level=Level.HIGH, reason="Came in upset.")
    one = world.app.raise_concern(world.psychologist, "AST-0001", form, entry_id=concern)
    two = world.app.raise_concern(world.psychologist, "AST-0001", form, entry_id=concern)
    assert one == two
    world.project()
    kinds = [r["kind"] for r in queries.staff.chronology(world.psychologist, "AST-0001")]
    assert kinds.count("EntryAmended") == 1 and kinds.count("ConcernRaised") == 1
    assert len(queries.oversight.escalation_queue(world.supervisor)) == 1


def test_escalation_decisions_need_a_rationale(world, queries):
    enrol(world, "AST-0001")
    form = Concern(occurred_at=world.later(hours=1), level=Level.HIGH, reason="Came in upset.")
    world.app.raise_concern(world.psychologist, "AST-0001", form)
    concern = concern_id(str(child_id("AST-0001")))
    with pytest.raises(InvalidEntry) as refused:
        world.app.acknowledge_concern(world.supervisor, concern, "  ")
    assert refused.value.for_field("note")
    world.app.register_account(SYSTEM, "p.s1", "Psychologist", Role.PSYCHOLOGIST, ["S1"],
                               "a long password")
    with pytest.raises(InvalidEntry):
        world.app.assign_concern(world.supervisor, concern, "p.s1", "")
    world.app.acknowledge_concern(world.supervisor, concern, "No action: already handled.")


def test_every_read_of_a_record_is_in_the_access_log(world, queries):
    enrol(world, "AST-0001", "AST-0002")
    world.project()
    reads = [(world.psychologist, "AST-0001"), (world.teacher, "AST-0002"),
             (world.supervisor, "AST-0001"), (world.auditor, "AST-0002")]
    for actor, code in reads * 3:
        queries.staff.chronology(actor, code)
    queries.audit.events(world.auditor, "AST-0001")
    world.project()
    log = queries.audit.access_log(world.auditor)
    assert len(log) == 13
    assert sorted((r["viewed_by"], r["child_code"]) for r in log if r["purpose"] == "chronology") \
        == sorted((a.user_id, c) for a, c in reads * 3)
    # What a teacher was shown never includes a confidential field.
    assert all("confidential_notes" not in r["fields"] for r in log if r["role"] == "teacher")
    assert queries.audit.access_log(world.auditor, code="AST-0001", viewed_by="aud")[0]["purpose"] \
        == "events"


@pytest.mark.parametrize("who", ["teacher", "psychologist", "supervisor", "admin"])
def test_only_auditors_read_the_raw_log_and_the_access_log(world, queries, who):
    enrol(world, "AST-0001")
    world.project()
    actor = getattr(world, who)
    for read in (lambda: queries.audit.events(actor, "AST-0001"), lambda: queries.audit.access_log(actor),
                 lambda: queries.audit.integrity(actor, "AST-0001"),
                 lambda: queries.audit.export(actor, "AST-0001")):
        with pytest.raises(NotAuthorised):
            read()


def test_replay_and_diff_show_the_record_as_it_stood(world, queries):
    enrol(world, "AST-0001")
    before = world.later(hours=1)
    entry = world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    middle = world.later(hours=1)
    world.later(hours=1)
    world.app.retract_entry(world.teacher, "AST-0001",
                            Correction(entry_id=entry, reason="Recorded for the wrong child."))
    world.project()
    assert entry not in [r["entry_id"] for r in queries.staff.chronology(world.auditor, "AST-0001",
                                                                   as_of=before)]
    assert entry in [r["entry_id"] for r in queries.staff.chronology(world.auditor, "AST-0001",
                                                               as_of=middle)]
    changes = queries.staff.diff(world.auditor, "AST-0001", middle, world.clock.now())
    assert [c["after"]["status"] for c in changes["changed"]] == ["retracted"]
    assert [r["kind"] for r in changes["added"]] == ["EntryRetracted"]


def test_the_integrity_check_finds_a_read_model_that_differs_from_the_log(world, queries):
    enrol(world, "AST-0001")
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    world.project()
    assert queries.audit.integrity(world.auditor, "AST-0001")["ok"]
    with world.rt.view.transaction(commit=True) as session:
        session.execute(update(chronology).where(chronology.c.kind == "ConflictRecorded")
                        .values(fields='{"description":"changed behind the log"}'))
    result = queries.audit.integrity(world.auditor, "AST-0001")
    assert not result["ok"] and "differs from the log" in result["problems"][0]


def test_the_export_bundles_the_record_and_is_itself_logged(world, queries):
    enrol(world, "AST-0001")
    world.project()
    bundle = queries.audit.export(world.auditor, "AST-0001")
    assert bundle["integrity"]["ok"] and bundle["events"][0]["type"] == "ChildEnrolled"
    world.project()
    assert "export" in {r["purpose"] for r in queries.audit.access_log(world.auditor, "AST-0001")}


def test_caseload_counts_only_the_actors_schools(world, queries):
    enrol(world, "AST-0001")
    world.app.enrol_child(world.other_teacher, forms.enrolment("ALA-0001", world.later(hours=1),
                                                               school="S2"))
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    world.project()
    both = queries.oversight.caseload(world.supervisor)["schools"]
    assert {r["school_id"]: r["children"] for r in both} == {"S1": 1, "S2": 1}
    assert {r["school_id"]: r["incidents_30d"] for r in both} == {"S1": 1, "S2": 0}
    mine = queries.oversight.caseload(world.psychologist)["schools"]
    assert [r["school_id"] for r in mine] == ["S1"]
    with pytest.raises(NotAuthorised):
        queries.oversight.caseload(world.teacher)


def test_assignees_are_the_schools_psychologists_and_supervisors(world, queries):
    from domain.access import Role
    from domain.application import SYSTEM

    world.app.register_account(SYSTEM, "psy.one", "Psy One", Role.PSYCHOLOGIST, ["S1"], "pass-word-1")
    world.app.register_account(SYSTEM, "psy.two", "Psy Two", Role.PSYCHOLOGIST, ["S2"], "pass-word-1")
    world.app.register_account(SYSTEM, "lead", "Lead of S1", Role.SUPERVISOR, ["S1", "S2"],
                               "pass-word-1")
    world.app.register_account(SYSTEM, "boss", "Boss", Role.SUPERVISOR, ["*"], "pass-word-1")
    world.app.register_account(SYSTEM, "tutor", "Tutor", Role.TEACHER, ["S1"], "pass-word-1")
    world.project()
    # By name; the national coordinator ("*") is not the school's staff, so never offered.
    assert [(p["user_id"], p["display_name"])
            for p in queries.oversight.staff_of(world.supervisor, "S1")] == [
        ("lead", "Lead of S1"), ("psy.one", "Psy One")]


def test_a_thousand_random_reads_leave_exactly_a_thousand_access_entries(world, queries):
    import random

    codes = [f"AST-{i:04d}" for i in range(5)]
    enrol(world, *codes)
    for code in codes:
        world.app.record_conflict(world.teacher, code, forms.conflict(world.later(hours=1)))
    world.project()
    before = len(queries.audit.access_log(world.auditor, limit=100_000))
    rng = random.Random(5)
    moment = world.clock.now()
    reads = [
        lambda code: queries.staff.chronology(world.teacher, code),
        lambda code: queries.staff.chronology(world.psychologist, code),
        lambda code: queries.staff.chronology(world.supervisor, code),
        lambda code: queries.staff.chronology(world.psychologist, code, as_of=moment),
        lambda code: queries.audit.events(world.auditor, code),
        lambda code: queries.audit.export(world.auditor, code),
        lambda code: queries.staff.diff(world.auditor, code, moment, moment),
    ]
    for _ in range(1000):
        rng.choice(reads)(rng.choice(codes))
    world.project()
    assert len(queries.audit.access_log(world.auditor, limit=100_000)) - before == 1000
