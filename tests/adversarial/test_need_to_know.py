"""Need-to-know in every form the data takes, tried as a curious colleague would: what the
policy hides from a role stays hidden in amendments, replays, diffs, the raw log and
exports; people correct only what they may; every read of a child's content is logged
by the application alone; and a child of another school is as unknown as no child.
(Findings 1, 2 and 11.)"""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.commands import Concern, Correction
from domain.errors import NotAuthorised, UnknownChild
from domain.vocabulary import Level
from tests import forms
from tests.readers import Readers

NOTES = "notes-canary-7f3a"
AMENDED = "amended-notes-canary-91c2"


def child_with_a_session(world) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A child of S1 with a psychologist's session and a teacher's conflict."""
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    session = app.record_counselling_session(world.psychologist, "AST-0001", forms.session(
        world.later(hours=1), confidential_notes=NOTES))
    conflict = app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    return session, conflict


def text_of(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def test_amended_session_notes_stay_hidden_from_supervisors_and_auditors(world):
    # Finding 1: a psychologist amends the notes of a session; the amendment carries them.
    session, _ = child_with_a_session(world)
    world.app.amend_entry(world.psychologist, "AST-0001", Correction(
        session, "Clearer wording.", {"confidential_notes": AMENDED}))
    world.project()
    readers = Readers(world.app, world.rt.view)
    before, after = world.clock.now(), world.later(minutes=1)
    for reader in (world.supervisor, world.auditor):
        shown = text_of([
            readers.staff.chronology(reader, "AST-0001"),
            readers.staff.chronology(reader, "AST-0001", as_of=after),
            readers.staff.diff(reader, "AST-0001", before, after),
        ])
        assert NOTES not in shown and AMENDED not in shown and "confidential_notes" not in shown
    audited = text_of([readers.audit.events(world.auditor, "AST-0001"),
                       readers.audit.export(world.auditor, "AST-0001")])
    assert NOTES not in audited and AMENDED not in audited
    # The psychologist, who may read the notes, sees the amended ones.
    own = readers.staff.chronology(world.psychologist, "AST-0001")
    assert AMENDED in text_of(own)


def test_a_teacher_corrects_only_their_own_entries(world):
    # Finding 2: a teacher amends or retracts a psychologist's session, or a concern.
    session, conflict = child_with_a_session(world)
    escalation = world.app.raise_concern(world.psychologist, "AST-0001", Concern(
        world.later(hours=1), Level.MEDIUM, "Withdrawn at break."))
    concern = next(entry for entry, kind in world.app.child("AST-0001").entries.items()
                   if kind == "ConcernRaised")
    assert escalation
    before = world.app.recorder.max_notification_id()
    for entry in (session, concern):
        with pytest.raises(NotAuthorised):
            world.app.amend_entry(world.teacher, "AST-0001", Correction(
                entry, "x", {"summary": "changed by someone else"}))
        with pytest.raises(NotAuthorised):
            world.app.retract_entry(world.teacher, "AST-0001", Correction(entry, "x"))
    assert world.app.recorder.max_notification_id() == before
    # Their own entry they may correct; the school's psychologist may correct the school's.
    world.app.amend_entry(world.teacher, "AST-0001", Correction(conflict, "Typo.",
                                                                {"severity": 3}))
    world.app.retract_entry(world.psychologist, "AST-0001", Correction(conflict, "Wrong child."))


def test_a_teacher_sees_no_wellbeing_score_nor_session_count(world):
    # Finding 11: the chronology page showed psychologists' scores to teachers.
    child_with_a_session(world)
    world.project()
    readers = Readers(world.app, world.rt.view)
    summary = readers.staff.child_summary(world.teacher, "AST-0001")
    assert not {"sessions_attended", "sessions_missed_in_a_row", "last_session_at",
                "next_follow_up_on"} & set(summary)
    with pytest.raises(NotAuthorised):
        readers.staff.wellbeing(world.teacher, "AST-0001")
    assert readers.staff.wellbeing(world.psychologist, "AST-0001")


def test_every_read_of_a_childs_content_is_logged(world):
    # Finding 11: the summary, the wellbeing chart and "why?" wrote no access entry.
    child_with_a_session(world)
    escalation = world.app.raise_concern(world.psychologist, "AST-0001", Concern(
        world.later(hours=1), Level.HIGH, "Bruise on the arm."))
    world.project()
    readers = Readers(world.app, world.rt.view)
    readers.staff.child_summary(world.psychologist, "AST-0001")
    readers.staff.wellbeing(world.psychologist, "AST-0001")
    readers.oversight.explain(world.supervisor, str(escalation))
    world.project()
    purposes = [r["purpose"] for r in readers.audit.access_log(world.auditor, "AST-0001")]
    assert {"summary", "wellbeing", "explain"} <= set(purposes)


def test_only_the_application_writes_access_entries(world):
    # Finding 11: anyone could forge an access entry for any child.
    child_with_a_session(world)
    with pytest.raises(NotAuthorised):
        world.app.record_access(world.other_teacher, "AST-0001", "chronology", ["kind"])
    with pytest.raises(NotAuthorised):
        world.app.record_access(world.admin, "AST-0001", "chronology", ["kind"])


def test_a_child_of_another_school_is_as_unknown_as_no_child(world):
    # Finding 11: the errors differed, so codes could be probed across schools.
    child_with_a_session(world)
    world.project()
    readers = Readers(world.app, world.rt.view)
    answers = []
    for code in ("AST-0001", "AST-9999"):
        with pytest.raises(UnknownChild) as refused:
            readers.staff.chronology(world.other_teacher, code)
        answers.append(str(refused.value).replace(code, "CODE"))
        with pytest.raises(UnknownChild) as refused:
            world.app.record_conflict(world.other_teacher, code, forms.conflict(world.later()))
        answers.append(str(refused.value).replace(code, "CODE"))
    assert answers[0] == answers[2] and answers[1] == answers[3]


@pytest.mark.parametrize("who", ["admin", "auditor", "other_teacher"])
def test_an_entry_id_already_recorded_gives_no_success_to_whoever_may_not_record(world, who):
    # Finding 11: the idempotency answer came before the access check.
    _, conflict = child_with_a_session(world)
    with pytest.raises((NotAuthorised, UnknownChild)):
        world.app.record_conflict(getattr(world, who), "AST-0001",
                                  forms.conflict(world.later()), entry_id=conflict)
