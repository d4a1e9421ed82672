"""Finding 10: a multi-child incident is copied into each participant's stream. An
amendment or retraction reached only one copy, and erasing one participant left their
code in the others' records. One incident, one truth: corrections reach every copy and
the escalations raised on them; erasure takes the erased child's code out of the others'
records (what stays of the shared description, and why, is in docs/security.md)."""

from __future__ import annotations

import json

from domain.commands import Correction, Participant
from domain.vocabulary import ParticipantRole
from processes.engine_runner import EngineRunner
from processes.rebuild import rebuild
from tests import forms
from tests.readers import Readers


def shared_incident(world, **changes) -> str:  # type: ignore[no-untyped-def]
    """AST-0001 and AST-0002 in one conflict, recorded on AST-0001; its entry id."""
    for code in ("AST-0001", "AST-0002"):
        world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1)))
    return world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
        world.later(hours=1), description="Pushing in the corridor.",
        participants=(Participant("AST-0002", ParticipantRole.INITIATOR),), **changes))


def entry_of(world, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    world.project()
    rows = Readers(world.app, world.rt.view).staff.chronology(world.psychologist, code)
    [row] = [r for r in rows if r["kind"] == "ConflictRecorded"]
    return row


def test_an_amendment_of_a_shared_incident_reaches_every_copy(world):
    entry = shared_incident(world)
    world.app.amend_entry(world.teacher, "AST-0001", Correction(
        entry, "The teacher saw more of it.",
        {"description": "Pushing and shoving in the corridor.", "severity": 3}))
    for code in ("AST-0001", "AST-0002"):
        row = entry_of(world, code)
        assert row["status"] == "amended", code
        assert row["fields"]["description"] == "Pushing and shoving in the corridor.", code
        assert row["fields"]["severity"] == 3, code
    # Each child's own role stays theirs.
    assert entry_of(world, "AST-0002")["fields"]["child_role"] == "initiator"
    # Corrected from the other copy, it reaches the first one too.
    copy = entry_of(world, "AST-0002")["entry_id"]
    world.app.amend_entry(world.teacher, "AST-0002", Correction(copy, "Typo.", {"severity": 4}))
    assert entry_of(world, "AST-0001")["fields"]["severity"] == 4


def test_a_retraction_reaches_every_copy_and_the_escalations_raised_on_them(sqlite_world):
    world = sqlite_world
    entry = shared_incident(world, severity=5)
    engine = EngineRunner(world.app)
    engine.process_available()
    world.project()
    queue = Readers(world.app, world.rt.view).oversight.escalation_queue(world.supervisor)
    raised = [r for r in queue if r["rule_id"] == "serious-incident"]
    assert {r["child_code"] for r in raised} == {"AST-0001", "AST-0002"}
    world.app.retract_entry(world.teacher, "AST-0001", Correction(entry, "Wrong children."))
    assert [entry_of(world, c)["status"] for c in ("AST-0001", "AST-0002")] == \
        ["retracted", "retracted"]
    queue = Readers(world.app, world.rt.view).oversight.escalation_queue(world.supervisor)
    for row in [r for r in queue if r["rule_id"] == "serious-incident"]:
        assert row["history"][-1]["action"] == "entry_retracted", row["child_code"]
    engine.close()


def test_erasing_one_participant_takes_their_code_out_of_the_others_records(encrypted_world):
    world = encrypted_world
    shared_incident(world)
    world.project()
    world.app.erase_personal_data(world.admin, "AST-0002", "A lawful request.")
    world.project()
    readers = Readers(world.app, world.rt.view)
    # The read models, the replay and the raw log of AST-0001 no longer name AST-0002...
    row = entry_of(world, "AST-0001")
    assert row["fields"]["participants"] == [{"child_code": "", "role": "initiator"}]
    replayed = readers.staff.chronology(world.psychologist, "AST-0001", as_of=world.later())
    raw = readers.audit.events(world.auditor, "AST-0001")
    for shown in (replayed, raw):
        assert "AST-0002" not in json.dumps(shown, default=str)
    # ...nor do the events the application hands anyone.
    events = world.app.child_events(world.auditor, "AST-0001")
    assert "AST-0002" not in json.dumps([e.__dict__ for e in events], default=str)
    # The shared description stays: it is AST-0001's account of what happened to them.
    assert row["fields"]["description"] == "Pushing in the corridor."
    assert rebuild(world.rt.runner).identical
