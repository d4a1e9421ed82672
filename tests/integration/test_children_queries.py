"""Finding and knowing a child: the per-child list by risk, personal names for those who may
see them (each showing logged), the concern's decisions in the chronology for those who
handle concerns, and a proposed child code in the real format. In memory and on SQLite."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from domain import child_codes
from domain.access import Actor, Role
from domain.commands import Resolution
from domain.concern import concern_id
from domain.errors import NotAuthorised
from domain.model import child_id
from domain.vocabulary import Level, Outcome
from tests import forms
from tests.readers import Readers

pytestmark = pytest.mark.backends("memory", "sqlite")


def enrol(world, code, school="S1", **changes):  # type: ignore[no-untyped-def]
    author = world.psychologist if school == "S1" else \
        Actor("p.s2", Role.PSYCHOLOGIST, frozenset({"S2"}))
    world.app.enrol_child(author, forms.enrolment(code, world.later(hours=1), school=school,
                                                  **changes))


def raise_concern(world, code, level):  # type: ignore[no-untyped-def]
    world.app.raise_concern(world.psychologist, code, forms.concern(world.later(hours=1),
                                                                    level=level))
    return str(concern_id(str(child_id(code))))


def names_read(world, code):  # type: ignore[no-untyped-def]
    log = Readers(world.app, world.rt.view).audit.access_log(world.auditor, code)
    return [r for r in log if r["purpose"] == "names"]


def test_the_children_one_oversees_are_listed_most_at_risk_first(world):
    for code in ("KZ-AAAA2", "KZ-BBBB3", "KZ-CCCC4", "KZ-DDDD5"):
        enrol(world, code)
    enrol(world, "KZ-EEEE6", school="S2")
    high = raise_concern(world, "KZ-DDDD5", Level.HIGH)
    raise_concern(world, "KZ-CCCC4", Level.MEDIUM)
    # A session on B set a follow-up that has passed; A was seen recently, B never since.
    session_day = world.later(days=1)
    world.app.record_counselling_session(world.psychologist, "KZ-BBBB3", forms.session(
        session_day, follow_up_on=(session_day + timedelta(days=2)).date()))
    world.app.record_counselling_session(world.psychologist, "KZ-AAAA2",
                                         forms.session(world.later(days=1)))
    world.later(days=7)
    world.project()
    staff = Readers(world.app, world.rt.view).staff

    rows = staff.children_by_risk(world.psychologist)
    # The highest concern first, then the medium one, then the overdue follow-up, then
    # the child seen least recently; only the psychologist's own school.
    assert [r["code"] for r in rows] == ["KZ-DDDD5", "KZ-CCCC4", "KZ-BBBB3", "KZ-AAAA2"]
    assert rows[0]["level"] == "high" and rows[0]["concern_id"] == high
    assert rows[2]["overdue_follow_ups"] == 1 and rows[3]["overdue_follow_ups"] == 0
    assert rows[3]["level"] == "" and rows[3]["plan_status"] == ""
    # A supervisor of both schools sees both; a class tutor is refused the list.
    assert {r["code"] for r in staff.children_by_risk(world.supervisor)} == {
        "KZ-AAAA2", "KZ-BBBB3", "KZ-CCCC4", "KZ-DDDD5", "KZ-EEEE6"}
    with pytest.raises(NotAuthorised):
        staff.children_by_risk(world.teacher)


def test_names_are_shown_to_psychologists_of_the_school_and_each_showing_is_logged(world):
    enrol(world, "KZ-NAME2", personal_name="Aigerim")
    enrol(world, "KZ-NONE3")  # no name given: only the code
    enrol(world, "KZ-OTHR4", school="S2", personal_name="Daniyar")
    world.project()
    staff = Readers(world.app, world.rt.view).staff

    assert staff.child_names(world.psychologist) == {"KZ-NAME2": "Aigerim"}
    world.project()
    assert len(names_read(world, "KZ-NAME2")) == 1
    # Shown again in the same visit: not logged again.
    assert staff.child_names(world.psychologist, logged=False) == {"KZ-NAME2": "Aigerim"}
    world.project()
    assert len(names_read(world, "KZ-NAME2")) == 1
    # Class tutors and supervisors do not see personal names, and nothing is logged.
    assert staff.child_names(world.teacher) == {}
    assert staff.child_names(world.supervisor) == {}
    assert staff.child_names(world.auditor) == {}
    world.project()
    assert len(names_read(world, "KZ-NAME2")) == 1 and not names_read(world, "KZ-OTHR4")


def test_the_chronology_shows_the_concern_decisions_to_those_who_handle_concerns(world):
    enrol(world, "KZ-CONC5")
    world.app.record_conflict(world.teacher, "KZ-CONC5", forms.conflict(world.later(hours=1)))
    key = raise_concern(world, "KZ-CONC5", Level.MEDIUM)
    world.app.acknowledge_concern(world.supervisor, key, "Seen, calling the mother.")
    world.later(hours=2)
    world.app.resolve_concern(world.supervisor, key, Resolution(
        outcome=Outcome.ACTION_TAKEN, rationale="Talked with both families."))
    world.project()
    staff = Readers(world.app, world.rt.view).staff

    entries = staff.record(world.psychologist, "KZ-CONC5")["entries"]
    kinds = [r["kind"] for r in entries]
    assert {"ConcernOpened", "ConcernAcknowledged", "ConcernResolved"} <= set(kinds)
    assert kinds.index("ConcernOpened") < kinds.index("ConcernAcknowledged") \
        < kinds.index("ConcernResolved")
    [ack] = [r for r in entries if r["kind"] == "ConcernAcknowledged"]
    assert ack["recorded_by"] == "sup" and ack["fields"]["note"] == "Seen, calling the mother."
    # In order of when it happened, with the child's own entries.
    assert [r["occurred_at"] for r in entries] == sorted(r["occurred_at"] for r in entries)
    # The class tutor's chronology has no concern in it.
    mine = staff.record(world.teacher, "KZ-CONC5")["entries"]
    assert mine and not [r for r in mine if r["kind"].startswith("Concern")]
    assert staff.record(world.teacher, "KZ-CONC5")["wellbeing"] is None


def test_a_record_shown_again_is_not_logged_again(world):
    enrol(world, "KZ-LOGG6")
    world.project()
    audit = Readers(world.app, world.rt.view).audit
    staff = Readers(world.app, world.rt.view).staff
    staff.record(world.psychologist, "KZ-LOGG6")
    staff.record(world.psychologist, "KZ-LOGG6", logged=False)
    world.project()
    reads = [r for r in audit.access_log(world.auditor, "KZ-LOGG6")
             if r["purpose"] == "chronology"]
    assert len(reads) == 1


def test_a_proposed_code_is_in_the_real_format_and_no_child_has_it(world):
    enrol(world, "KZ-TAKN7")
    code = world.app.propose_child_code()
    assert child_codes.REAL_FORMAT.match(code) and not world.app.is_enrolled(code)
    # Codes already given are skipped.
    taken = {child_codes.random_code(random.Random(1))}
    assert child_codes.new_code(taken.__contains__, random.Random(1)) not in taken
