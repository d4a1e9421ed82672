"""The canary test of erasure: 50 children with a unique canary in every free-text field;
one is erased. Nothing of theirs is left in the SQLite files (or a pg_dump), in the read
models or on the Kafka topic; every other canary still reads back through the app; a
rebuild gives the same read models; the signed log still verifies."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from Crypto.PublicKey import ECC

from domain.access import Role
from domain.application import SYSTEM
from domain.commands import Concern, Correction, Resolution
from domain.concern import concern_id
from domain.model import child_id
from domain.plan_forms import FamilyContact, Goal, Measure, MeasureChange, PlanDraft
from domain.vocabulary import (
    ContactOutcome,
    ContactType,
    FamilyMember,
    Level,
    MeasureStatus,
    MeasureType,
    Outcome,
)
from infrastructure import ledger
from infrastructure.store import scrub
from processes import audit
from processes.rebuild import rebuild, snapshot
from tests import forms
from tests.readers import Readers

# What an erasure leaves is looked for in the database files themselves.
pytestmark = pytest.mark.backends("sqlite", "postgres")

CHILDREN = 50
ERASED = 7
KEY = ECC.construct(curve="ed25519", seed=bytes(range(32)))


def canary(i: int, field: str) -> str:
    return f"cnry{i:02d}{field}"


def seed(world) -> None:  # type: ignore[no-untyped-def]
    app = world.app
    app.register_account(SYSTEM, "p.s1", "Psychologist", Role.PSYCHOLOGIST, ["S1"],
                         "a long password")
    for i in range(CHILDREN):
        code = f"AST-{i:04d}"
        app.enrol_child(world.psychologist, forms.enrolment(
            code, world.later(hours=1), support_needs=canary(i, "needs"),
            returned_from=canary(i, "origin"), personal_name=canary(i, "name")))
        entry = app.record_conflict(world.teacher, code, forms.conflict(
            world.later(hours=1), description=canary(i, "desc"), action_taken=canary(i, "act")))
        app.record_counselling_session(world.psychologist, code, forms.session(
            world.later(hours=1), summary=canary(i, "summ"), confidential_notes=canary(i, "note")))
        app.amend_entry(world.teacher, code, Correction(
            entry_id=entry, reason=canary(i, "why"), changes={"description": canary(i, "fix")}))
        app.raise_concern(world.psychologist, code, Concern(
            occurred_at=world.later(hours=1), level=Level.LOW, reason=canary(i, "concern")))
        concern = concern_id(str(child_id(code)))
        app.acknowledge_concern(world.supervisor, concern, canary(i, "ack"))
        app.snooze_concern(world.supervisor, concern, world.later(hours=1) + timedelta(days=1),
                           canary(i, "snooze"))
        app.resolve_concern(world.supervisor, concern, Resolution(
            outcome=Outcome.NO_FURTHER_ACTION, rationale=canary(i, "rat")))
        # The support plan and the family work, each free text with its canary.
        today = world.clock.now().date()
        app.draft_plan(world.psychologist, code, PlanDraft(
            (Goal("social_ties", canary(i, "goal")),), today + timedelta(days=20),
            canary(i, "plan")))
        measure = app.add_measure(world.psychologist, code, Measure(
            MeasureType.COUNSELLING, "social_ties", "p.s1", today, today + timedelta(days=9),
            canary(i, "meas")))
        app.update_measure(world.psychologist, code, MeasureChange(
            measure, MeasureStatus.DONE, canary(i, "mres")))
        app.record_family_contact(world.psychologist, code, FamilyContact(
            world.later(hours=1), FamilyMember.MOTHER, ContactType.PHONE,
            ContactOutcome.REACHED, summary=canary(i, "fam")))


def files_of(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    found = []
    for url in (settings.events_url(), settings.read_models_url()):
        base = Path(url[len("sqlite:///"):])
        found += [p for p in (base, Path(f"{base}-wal")) if p.exists()]
    return found


def dump(settings) -> bytes:  # type: ignore[no-untyped-def]
    """Every byte an attacker with the database would see."""
    if settings.events_url().startswith("sqlite"):
        return b"".join(p.read_bytes() for p in files_of(settings))
    [pg_dump] = Path("/usr/lib/postgresql").glob("*/bin/pg_dump")
    url = settings.events_url().replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run([str(pg_dump), url], capture_output=True, check=True,
                          timeout=120).stdout


def test_an_erased_child_leaves_no_canary_and_the_others_keep_theirs(encrypted_world, settings):
    world = encrypted_world
    seed(world)
    world.project()
    audit.checkpoint(world.app, KEY)
    before = snapshot(world.rt.view)
    queries = Readers(world.app, world.rt.view)
    # The search works: before the erasure the read models hold the child's notes.
    assert canary(ERASED, "note").encode() in dump(settings)

    world.app.erase_personal_data(world.admin, f"AST-{ERASED:04d}", "Mother's written request")
    world.project()
    scrub(world.rt.view.datastore.engine)
    scrub(world.app.recorder.datastore.engine)

    # Nothing of the erased child in the database files (or the dump)...
    raw = dump(settings)
    assert raw.count(f"cnry{ERASED:02d}".encode()) == 0
    # ...nor in the read models;
    after = snapshot(world.rt.view)
    text = str(after)
    assert f"cnry{ERASED:02d}" not in text
    # every other child's canaries read back through the application, as before.
    for i in range(CHILDREN):
        if i == ERASED:
            continue
        shown = str(queries.staff.chronology(world.psychologist, f"AST-{i:04d}"))
        for field in ("desc", "act", "summ", "note", "why", "fix", "concern", "goal", "plan",
                      "meas", "mres", "fam"):
            assert canary(i, field) in shown, (i, field)
    decisions = str(world.rt.view.rows("rm_concerns"))
    assert all(canary(i, "ack") in decisions and canary(i, "rat") in decisions
               and canary(i, "snooze") in decisions for i in range(CHILDREN) if i != ERASED)
    # Rows of the other children are untouched by the erasure.
    erased_id = str(world.app.child(f"AST-{ERASED:04d}").id)
    for table, rows in before.items():
        untouched = [r for r in rows if erased_id not in r and f"AST-{ERASED:04d}" not in r]
        assert set(untouched) <= set(after[table]), table
    # A rebuild from the log gives the same read models, and the signed log verifies.
    report = rebuild(world.rt.runner)
    assert report.identical, report.differences
    assert audit.verify(world.app, [ledger.public_key_hex(KEY)]).ok
