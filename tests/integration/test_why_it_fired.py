"""Through the application, the engine and the read models: a negated mention raises
nothing, an unnegated one raises HIGH, and "why?" names what fired (the words as written,
the rule by its human name in the reader's language). The words are the entry's own text:
erased with the child, identical after a rebuild. Escalations stored before they said
what fired still load."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from domain.model import Escalation
from processes.engine_runner import EngineRunner
from processes.rebuild import rebuild
from tests import forms
from tests.readers import Readers


def high_ones(world):  # type: ignore[no-untyped-def]
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
        world.later(hours=2), severity=2, description="Scuffle in the corridor; no injuries."))
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
        world.later(hours=3), severity=2, description="Pushed on the stairs; his wrist was injured."))
    engine = EngineRunner(world.app)
    engine.process_available()
    engine.close()
    world.project()
    readers = Readers(world.app, world.rt.view)
    queue = readers.oversight.escalation_queue(world.supervisor)
    return readers, [r for r in queue if r["level"] == "high"]


@pytest.mark.backends("sqlite", "postgres")  # the engine keeps its position in SQL
def test_why_names_the_words_that_fired_and_a_negated_mention_raises_nothing(world):
    readers, high = high_ones(world)
    [one] = high  # "no injuries" raised nothing
    why = readers.oversight.explain(world.supervisor, one["escalation_id"], language="ru")
    assert why["fired"] == ["words"] and why["words"] == ["injured"]
    assert why["rule"]["title"] == "Серьёзный случай"
    assert [e["fields"]["description"] for e in why["entries"]] == \
        ["Pushed on the stairs; his wrist was injured."]


@pytest.mark.backends("sqlite", "postgres")
def test_the_words_that_fired_are_erased_with_the_child(encrypted_world):
    world = encrypted_world
    readers, [one] = high_ones(world)
    world.app.erase_personal_data(world.admin, "AST-0001", "A lawful request.")
    world.project()
    why = readers.oversight.explain(world.supervisor, one["escalation_id"])
    assert why["fired"] == ["words"] and why["words"] == []
    assert rebuild(world.rt.runner).identical


def test_an_escalation_stored_before_it_said_what_fired_still_loads(world):
    mapper = Mapper(transcoder=world.app.mapper.transcoder)
    state = {"originator_id": uuid4(), "originator_version": 1, "timestamp": world.later(),
             "class_version": 2, "child_id": "c", "child_code": "AST-0001", "level": "high",
             "rule_id": "serious-incident", "rule_version": 1, "reason": "A serious incident.",
             "triggering_entries": ["e1"], "acknowledge_by": world.later(hours=1),
             "due_at": world.later(), "detection_delay_seconds": 0, "recorded_by": "engine",
             "role": "system", "school_id": "S1", "occurred_at": world.later()}
    originator = state.pop("originator_id")
    version = state.pop("originator_version")
    stored = StoredEvent(originator_id=originator, originator_version=version,
                         topic=get_topic(Escalation.EscalationRaised),
                         state=world.app.mapper.transcoder.encode(state))
    event = mapper.to_domain_event(stored)
    assert event.fired == [] and event.matched_words == []
    assert event.rule_id == "serious-incident"
