"""Rows written behind the application's back, as someone with the database's password and
no key would: a plaintext event is refused wherever it is read, and a data key deleted
without an erasure is reported. (Findings 7 and 9.)"""

from __future__ import annotations

import json

import pytest
from eventsourcing.persistence import MapperDeserialisationError
from sqlalchemy import create_engine, text

from processes import audit
from tests import forms
from tests.readers import Readers

# The rows are written with SQL, so the store must be a real database.
pytestmark = pytest.mark.backends("sqlite", "postgres")


def run_sql(settings, statement: str, **values) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(settings.events_url())
    with engine.begin() as connection:
        connection.execute(text(statement), values)
    engine.dispose()


def forge_a_conflict(world, settings) -> None:  # type: ignore[no-untyped-def]
    """A ConflictRecorded as plain JSON, the next version of the child's stream."""
    child = world.app.child("AST-0001")
    state = {"entry_id": "forged-1", "incident_id": "forged-1", "kind": "physical",
             "severity": 5, "description": "forged", "child_role": "initiator",
             "participants": [], "others_not_in_system": False, "staff_involved": False,
             "action_taken": "", "recorded_by": "t.s1", "role": "teacher", "school_id": "S1",
             "occurred_at": {"_type_": "datetime_iso", "_data_": "2025-09-02T08:00:00+00:00"},
             "timestamp": {"_type_": "datetime_iso", "_data_": "2025-09-02T08:00:00+00:00"},
             "originator_topic": "domain.model:Child"}
    table = "schoolintegration_events"
    run_sql(settings, f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
                      "VALUES (:id, :version, :topic, :state)",
            id=child.id.bytes if settings.events_url().startswith("sqlite") else child.id,
            version=child.version + 1, topic="domain.model:Child.ConflictRecorded",
            state=json.dumps(state).encode())


def test_a_plaintext_row_in_an_encrypted_store_is_refused_everywhere(encrypted_world, settings):
    world = encrypted_world
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    world.project()
    forge_a_conflict(world, settings)
    # The application will not load the record, the projection will not apply the row...
    with pytest.raises(MapperDeserialisationError, match="not encrypted"):
        world.app.child_events(world.auditor, "AST-0001")
    world.project()  # parked with its reason, not applied; the projection goes on
    [parked] = world.rt.runner.quarantine.entries()
    assert "not encrypted" in parked["reason"]
    # ...the per-child integrity check says so, and no chronology shows the forged text.
    readers = Readers(world.app, world.rt.view)
    integrity = readers.audit.integrity(world.auditor, "AST-0001")
    assert not integrity["ok"] and "not encrypted" in " ".join(integrity["problems"])
    with pytest.raises(MapperDeserialisationError):
        readers.staff.chronology(world.supervisor, "AST-0001")


def test_a_data_key_deleted_without_an_erasure_is_reported(encrypted_world, settings):
    # Finding 9: deleting a child's key blanked their text silently.
    world = encrypted_world
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    assert audit.missing_keys(world.app) == []
    child = world.app.child("AST-0001")
    run_sql(settings, "DELETE FROM kopir_data_keys WHERE owner = :owner", owner=str(child.id))
    assert audit.missing_keys(world.app) == ["AST-0001"]
    # An erasure, by contrast, is a key destroyed with its event: nothing to report.
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0002", world.later(hours=1)))
    world.app.erase_personal_data(world.admin, "AST-0002", "A lawful request.")
    assert audit.missing_keys(world.app) == ["AST-0001"]
