"""The access policy, role by role and query by query: whatever a query returns holds no
field the role may not see; nobody reads another school; auditors change nothing."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from domain.access import POLICY, Role
from domain.commands import Concern, Correction, Resolution
from domain.concern import concern_id
from domain.errors import NotAuthorised
from domain.model import child_id
from domain.vocabulary import Level, Outcome
from tests import forms
from tests.readers import Readers

CANARY = {"confidential_notes": "cnf-notes-canary", "returned_from": "cnf-origin-canary",
          "personal_name": "cnf-name-canary"}
ROLES = {"teacher": Role.TEACHER, "psychologist": Role.PSYCHOLOGIST,
         "supervisor": Role.SUPERVISOR, "auditor": Role.AUDITOR, "admin": Role.ADMIN}


def seed(world) -> str:  # type: ignore[no-untyped-def]
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment(
        "AST-0001", world.later(hours=1), returned_from=CANARY["returned_from"],
        personal_name=CANARY["personal_name"]))
    app.enrol_child(world.other_teacher, forms.enrolment("ALA-0001", world.later(hours=1),
                                                         school="S2"))
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    app.record_counselling_session(world.psychologist, "AST-0001", forms.session(
        world.later(hours=1), confidential_notes=CANARY["confidential_notes"]))
    app.record_conflict(world.other_teacher, "ALA-0001", forms.conflict(
        world.later(hours=1), description="other-school-canary"))
    escalation = app.raise_concern(world.psychologist, "AST-0001", Concern(
        occurred_at=world.later(hours=1), level=Level.HIGH, reason="Upset this morning."))
    world.project()
    return str(escalation)


QUERIES: dict[str, Callable[[Readers, Any, str, Any], Any]] = {
    "children": lambda q, a, e, w: q.staff.children(a),
    "child_summary": lambda q, a, e, w: q.staff.child_summary(a, "AST-0001"),
    "chronology": lambda q, a, e, w: q.staff.chronology(a, "AST-0001"),
    "chronology_as_of": lambda q, a, e, w: q.staff.chronology(a, "AST-0001", as_of=w.clock.now()),
    "diff": lambda q, a, e, w: q.staff.diff(a, "AST-0001", w.clock.now(), w.clock.now()),
    "wellbeing": lambda q, a, e, w: q.staff.wellbeing(a, "AST-0001"),
    "escalation_queue": lambda q, a, e, w: q.oversight.escalation_queue(a, include_resolved=True),
    "explain": lambda q, a, e, w: q.oversight.explain(a, e),
    "events": lambda q, a, e, w: q.audit.events(a, "AST-0001"),
    "access_log": lambda q, a, e, w: q.audit.access_log(a),
    "integrity": lambda q, a, e, w: q.audit.integrity(a, "AST-0001"),
    "export": lambda q, a, e, w: q.audit.export(a, "AST-0001"),
    "caseload": lambda q, a, e, w: q.oversight.caseload(a),
    "schools": lambda q, a, e, w: q.staff.schools(a),
}


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, (list, tuple)):
        return {k for v in value for k in keys_of(v)}
    return set()


@pytest.mark.parametrize("query", list(QUERIES))
@pytest.mark.parametrize("who", list(ROLES))
def test_what_a_query_returns_holds_only_fields_the_role_may_see(world, who, query):
    escalation = seed(world)
    actor = getattr(world, who)
    try:
        result = QUERIES[query](Readers(world.app, world.rt.view), actor, escalation, world)
    except NotAuthorised:
        return  # refused: nothing returned at all
    text = json.dumps(result, default=str)
    for field in POLICY[ROLES[who]].hidden:
        assert field not in keys_of(result), (who, query, field)
        if field in CANARY:
            assert CANARY[field] not in text, (who, query, field)
    if who in ("teacher", "psychologist"):  # school staff see their school only
        assert "ALA-0001" not in text and "other-school-canary" not in text, (who, query)


@pytest.mark.parametrize("who", ["teacher", "psychologist"])
def test_staff_see_zero_records_of_another_school(world, who):
    seed(world)
    queries = Readers(world.app, world.rt.view)
    actor = getattr(world, who)
    assert [c["code"] for c in queries.staff.children(actor)] == ["AST-0001"]
    with pytest.raises(NotAuthorised):
        queries.staff.chronology(actor, "ALA-0001")


def test_a_supervisor_sees_no_session_note_anywhere(world):
    escalation = seed(world)
    queries = Readers(world.app, world.rt.view)
    seen = json.dumps([QUERIES[q](queries, world.supervisor, escalation, world)
                       for q in ("chronology", "chronology_as_of", "explain", "child_summary",
                                 "escalation_queue", "caseload")], default=str)
    assert CANARY["confidential_notes"] not in seen and "confidential_notes" not in seen


def concern_of(code: str) -> Any:
    return concern_id(str(child_id(code)))


def test_an_auditor_can_change_nothing(world):
    escalation = seed(world)
    app, auditor, when = world.app, world.auditor, world.later(hours=1)
    entry = [r for r in Readers(app, world.rt.view).staff.chronology(world.psychologist, "AST-0001")
             if r["kind"] == "ConflictRecorded"][0]["entry_id"]
    attempts = [
        lambda: app.enrol_child(auditor, forms.enrolment("AST-0009", when)),
        lambda: app.record_conflict(auditor, "AST-0001", forms.conflict(when)),
        lambda: app.record_peer_incident(auditor, "AST-0001", forms.peer_incident(when)),
        lambda: app.record_counselling_session(auditor, "AST-0001", forms.session(when)),
        lambda: app.raise_concern(auditor, "AST-0001", Concern(when, Level.LOW, "x")),
        lambda: app.amend_entry(auditor, "AST-0001", Correction(entry, "x", {"severity": 2})),
        lambda: app.retract_entry(auditor, "AST-0001", Correction(entry, "x")),
        lambda: app.transfer_child(auditor, "AST-0001", "S2", "x"),
        lambda: app.close_enrolment(auditor, "AST-0001", "x"),
        lambda: app.acknowledge_concern(auditor, concern_of("AST-0001"), "x"),
        lambda: app.assign_concern(auditor, concern_of("AST-0001"), "p.s1", "x"),
        lambda: app.snooze_concern(auditor, concern_of("AST-0001"), when, "x"),
        lambda: app.resolve_concern(auditor, concern_of("AST-0001"),
                                    Resolution(Outcome.NO_FURTHER_ACTION, "x")),
        lambda: app.acknowledge_escalation(auditor, uuid_of(escalation), "x"),
        lambda: app.register_school(auditor, "S9", "Nine", "Astana"),
        lambda: app.register_account(auditor, "u9", "U", Role.TEACHER, ["S1"], "password9"),
        lambda: app.erase_personal_data(auditor, "AST-0001", "x"),
    ]
    before = app.recorder.max_notification_id()
    for attempt in attempts:
        with pytest.raises(NotAuthorised):
            attempt()
    assert app.recorder.max_notification_id() == before


def test_denials_are_logged_with_who_asked_for_what(world, caplog):
    seed(world)
    with caplog.at_level("WARNING", logger="kopir.access"):
        with pytest.raises(NotAuthorised):
            Readers(world.app, world.rt.view).staff.chronology(world.teacher, "ALA-0001")
    [record] = [r for r in caplog.records if r.name == "kopir.access"]
    assert "t.s1" in record.getMessage() and "read a record of S2" in record.getMessage()


def uuid_of(value: str):  # type: ignore[no-untyped-def]
    from uuid import UUID

    return UUID(value)


