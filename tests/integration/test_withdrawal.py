"""Escalations follow the record (seen on the demo: correcting the entry left its HIGH
alarm open). Retracting the entry a rule fired on, or amending it so that the rule no
longer holds, withdraws the escalation: it leaves the monitor, its history says why, a
restarted engine does not do it twice, and a rebuild gives the same tables."""

from __future__ import annotations

import pytest

from domain.commands import Correction
from processes.engine_runner import EngineRunner
from processes.rebuild import rebuild
from tests import forms
from tests.readers import Readers

pytestmark = pytest.mark.backends("sqlite", "postgres")  # the engine keeps its position in SQL


def decide(world) -> None:  # type: ignore[no-untyped-def]
    engine = EngineRunner(world.app)
    engine.process_available()
    engine.close()
    world.project()


def escalations(world, code: str = "AST-0001") -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    rows = Readers(world.app, world.rt.view).oversight.escalation_queue(
        world.supervisor, include_resolved=True)
    return {r["rule_id"]: r for r in rows if r["child_code"] == code}


def conflict(world, **changes) -> str:  # type: ignore[no-untyped-def]
    return world.app.record_conflict(world.teacher, "AST-0001",
                                     forms.conflict(world.later(hours=1), **changes))


@pytest.fixture
def enrolled(world):  # type: ignore[no-untyped-def]
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    return world


def test_a_retracted_trigger_withdraws_its_escalation(enrolled):
    world = enrolled
    entry = conflict(world, description="Pushed on the stairs; his wrist was injured.")
    decide(world)
    assert escalations(world)["serious-incident"]["status"] == "open"
    world.app.retract_entry(world.teacher, "AST-0001", Correction(entry, "Wrong child."))
    decide(world)
    row = escalations(world)["serious-incident"]
    assert row["status"] == "withdrawn"
    assert [h["action"] for h in row["history"]][-1] == "withdrawn"
    assert row["history"][-1]["note"] == "entry_retracted"
    # The child's concern says it has no open signal left (a person closes it, with why).
    monitor = Readers(world.app, world.rt.view).oversight.concern_monitor(world.supervisor)
    [concern] = monitor["rows"]
    assert (concern["open_signals"], concern["signal_count"]) == (0, 1)
    assert concern["history"][-1]["action"] == "signal_withdrawn"
    # A restarted engine decides nothing again; a rebuild gives the same tables.
    before = world.app.recorder.max_notification_id()
    decide(world)
    assert world.app.recorder.max_notification_id() == before
    assert rebuild(world.rt.runner).identical


def test_an_amendment_that_undoes_the_rule_withdraws_and_one_that_keeps_it_does_not(enrolled):
    world = enrolled
    words = conflict(world, description="Pushed on the stairs; his wrist was injured.")
    severe = conflict(world, severity=5, description="A fight after lessons.")
    kept = conflict(world, description="Hit in the yard; the knee was injured.")
    decide(world)
    raised = Readers(world.app, world.rt.view).oversight.escalation_queue(world.supervisor)
    assert len([r for r in raised if r["rule_id"] == "serious-incident"]) == 3
    world.app.amend_entry(world.teacher, "AST-0001", Correction(
        words, "It was a scuffle.", {"description": "Scuffle on the stairs; no injuries."}))
    world.app.amend_entry(world.teacher, "AST-0001", Correction(
        severe, "Overstated.", {"severity": 2}))
    world.app.amend_entry(world.teacher, "AST-0001", Correction(
        kept, "More detail.", {"description": "Hit in the yard; the knee was badly injured."}))
    decide(world)
    rows = Readers(world.app, world.rt.view).oversight.escalation_queue(
        world.supervisor, include_resolved=True)
    status = {r["triggering_entries"][0]: r["status"] for r in rows
              if r["rule_id"] == "serious-incident"}
    assert status == {words: "withdrawn", severe: "withdrawn", kept: "open"}


def test_a_window_keeps_its_escalation_while_enough_entries_remain(enrolled):
    world = enrolled
    entries = [conflict(world, description=f"Argument {i}.") for i in range(4)]
    decide(world)
    window = escalations(world)["frequent-incidents-14d"]
    assert len(window["triggering_entries"]) == 3
    # One of the three retracted: two left, fewer than three: withdrawn.
    world.app.retract_entry(world.teacher, "AST-0001",
                            Correction(window["triggering_entries"][0], "Not this child."))
    decide(world)
    assert escalations(world)["frequent-incidents-14d"]["status"] == "withdrawn"
    assert entries
