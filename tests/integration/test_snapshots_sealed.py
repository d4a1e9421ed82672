"""Snapshots of a child's record are sealed under the child's key (SQLite and PostgreSQL):
the stored snapshot holds no plaintext, erasure makes it unreadable, the record still
loads (from its events), and another child's snapshot still opens."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import StoredEvent

from domain.model import Child
from infrastructure.errors import UnreadableRow
from tests import forms

pytestmark = pytest.mark.backends("sqlite", "postgres")

INTERVAL = 100  # the application snapshots a child every 100 events


def record_long(world, code: str, canary: str) -> None:  # type: ignore[no-untyped-def]
    """Enrolment and 99 conflicts, each with the canary in its free text: 100 events."""
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1),
                                                        support_needs=f"{canary} needs"))
    with app.batch():
        for n in range(INTERVAL - 1):
            app.record_conflict(world.teacher, code, forms.conflict(
                world.later(minutes=5), description=f"{canary} entry {n}"))


def snapshot_rows(world, code: str) -> list[StoredEvent]:  # type: ignore[no-untyped-def]
    app = world.app
    return list(app.snapshots.recorder.select_events(app.child(code).id))


def test_an_erased_childs_snapshot_cannot_be_opened_and_others_still_can(encrypted_world):
    world = encrypted_world
    app = world.app
    assert Child in app.snapshotting_intervals and app.snapshots is not None
    record_long(world, "AST-7431", "cnry-snap-one")
    record_long(world, "AST-7432", "cnry-snap-two")

    # Each child got a snapshot at version 100; its bytes hold neither the free text nor
    # even the child's code (the aggregate's whole state is sealed)...
    [sealed] = snapshot_rows(world, "AST-7431")
    assert sealed.originator_version == INTERVAL
    state = bytes(sealed.state)
    assert b"cnry-snap" not in state and b"AST-7431" not in state
    # ...and it opens with the child's key, to the record as it stood.
    opened = app.mapper.to_domain_event(sealed)
    assert opened.state["code"] == "AST-7431"

    app.erase_personal_data(world.admin, "AST-7431", "Mother's written request")

    # The erased child's snapshot is still there, still without a canary, and no longer
    # opens: the key it was sealed under is gone.
    [after] = snapshot_rows(world, "AST-7431")
    assert b"cnry-snap-one" not in bytes(after.state)
    with pytest.raises(UnreadableRow):
        app.mapper.to_domain_event(after)
    # The record still loads, from its events, as erased.
    app.repository.cache = None  # type: ignore[assignment]
    assert app.child("AST-7431").is_erased
    # The other child's snapshot still opens, and loading them starts from it.
    [other] = snapshot_rows(world, "AST-7432")
    assert app.mapper.to_domain_event(other).state["code"] == "AST-7432"
    assert [s.originator_version for s in app.snapshots.get(app.child("AST-7432").id)] == \
        [INTERVAL]
