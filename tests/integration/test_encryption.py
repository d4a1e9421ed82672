"""Per-child encryption on a real store (SQLite and PostgreSQL): stored state is bound to
its row, a flipped bit or a swapped state fails loudly, and erasure leaves the events
but not their personal content."""

from __future__ import annotations

import random

import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import EnrolmentIsClosed, MissingMasterKey, NotAuthorised
from infrastructure.settings import Settings
from kopir import bootstrap
from tests import forms
from tests.readers import Readers


def stored(world) -> list[StoredEvent]:  # type: ignore[no-untyped-def]
    return [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
            for n in world.app.recorder.select_notifications(1, 10_000)]


def test_no_plaintext_reaches_the_store(encrypted_world):
    world = encrypted_world
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
        world.later(hours=1), description="canary-7f3a pushed in the queue"))
    assert all(b"canary-7f3a" not in bytes(e.state) for e in stored(world))
    assert all(b"AST-0001" not in bytes(e.state) for e in stored(world))


def test_swapped_or_flipped_states_fail_loudly(encrypted_world):
    world = encrypted_world
    for i in range(6):
        code = f"AST-{i:04d}"
        world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1)))
        world.app.record_conflict(world.teacher, code, forms.conflict(world.later(hours=1)))
    events = [e for e in stored(world) if e.topic.startswith("domain.model:Child.")]
    mapper = world.app.mapper
    rng = random.Random(11)
    for trial in range(1000):
        a, b = rng.sample(events, 2)
        if trial % 2:  # another row's state under this row's id, version and type
            moved = StoredEvent(a.originator_id, a.originator_version, a.topic, b.state)
        else:  # one bit flipped anywhere in the stored state
            state = bytearray(a.state)
            bit = rng.randrange(len(state) * 8)
            state[bit // 8] ^= 1 << (bit % 8)
            moved = StoredEvent(a.originator_id, a.originator_version, a.topic, bytes(state))
        try:
            event = mapper.to_domain_event(moved)
        except Exception:  # noqa: BLE001 - any loud failure is what we want
            continue
        raise AssertionError(f"trial {trial} read back {event!r} from {moved.state!r}, was {a.state!r}")


def test_erasure_keeps_the_events_and_drops_personal_content(encrypted_world):
    world = encrypted_world
    world.app.enrol_child(world.psychologist, forms.enrolment(
        "AST-0001", world.later(hours=1), support_needs="canary-needs", personal_name="Canary Name"))
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0002", world.later(hours=1)))
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
        world.later(hours=1), description="canary-text one"))
    world.app.record_conflict(world.teacher, "AST-0002", forms.conflict(
        world.later(hours=1), description="kept-text two"))
    world.project()
    with pytest.raises(NotAuthorised):
        world.app.erase_personal_data(world.psychologist, "AST-0001", "request")
    destroyed = world.app.erase_personal_data(world.admin, "AST-0001", "Mother's written request")
    assert destroyed >= 1
    world.project()
    queries = Readers(world.app, world.rt.view)
    erased = queries.staff.chronology(world.psychologist, "AST-0001")
    assert [r["kind"] for r in erased][-1] == "PersonalDataErased"
    assert all("canary" not in str(r["fields"]) for r in erased)
    assert "kept-text two" in str(queries.staff.chronology(world.psychologist, "AST-0002"))
    # The log still reads back: the child's events load, with their personal text empty.
    events = world.app.child_events(world.auditor, "AST-0001")
    assert events[1].description == "" and events[0].personal_name == ""
    with pytest.raises(EnrolmentIsClosed):
        world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))


def test_production_refuses_to_start_without_a_master_key(settings: Settings):
    with pytest.raises(MissingMasterKey):
        bootstrap.build(settings.model_copy(update={"production": True}))
