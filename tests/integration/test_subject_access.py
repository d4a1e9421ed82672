"""Subject access: `kopir subject-access CODE --as DPO` exports everything held about one
child, as JSON and as a PDF. Two children carry a distinct canary in every free-text field
they can have; the export of one holds every canary of theirs (in the JSON, and in the
PDF's text as pdftotext reads it) and none of the other's. The export is in the access
log; only the data-protection officer may make it; an erased child's export says so and
lists what is left."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.access import Role
from domain.application import SYSTEM
from domain.commands import Correction, Resolution
from domain.concern import concern_id
from domain.model import child_id
from domain.plan_forms import FamilyContact, Goal, Measure, MeasureChange, PlanDraft
from domain.vocabulary import (
    ContactOutcome,
    ContactType,
    FamilyMember,
    MeasureStatus,
    MeasureType,
    Outcome,
)
from infrastructure.settings import settings as configured
from kopir import cli
from tests import forms

pytestmark = pytest.mark.backends("sqlite", "postgres")

FIELDS = ("needs", "origin", "name", "desc", "act", "peer", "peeract", "summ", "note", "why",
          "fix", "gone", "concern", "ack", "snooze", "rat", "plan", "goal", "meas", "mres",
          "mnote", "fam")


def canary(child: str, field: str) -> str:
    return f"cnry{child}{field}"


def seed(world: Any, child: str, code: str) -> None:
    """A child with a canary in every free-text field: enrolment, a conflict (amended), a
    peer incident (retracted), a session with notes, a concern and its decisions, a support
    plan with a goal and a measure, a contact with the mother."""
    app, c = world.app, (lambda field: canary(child, field))
    app.enrol_child(world.psychologist, forms.enrolment(
        code, world.later(hours=1), support_needs=c("needs"), returned_from=c("origin"),
        personal_name=c("name")))
    conflict = app.record_conflict(world.teacher, code, forms.conflict(
        world.later(hours=1), description=c("desc"), action_taken=c("act")))
    app.amend_entry(world.teacher, code, Correction(
        entry_id=conflict, reason=c("why"), changes={"description": c("fix")}))
    peer = app.record_peer_incident(world.teacher, code, forms.peer_incident(
        world.later(hours=1), description=c("peer"), action_taken=c("peeract")))
    app.retract_entry(world.teacher, code, Correction(entry_id=peer, reason=c("gone")))
    app.record_counselling_session(world.psychologist, code, forms.session(
        world.later(hours=1), summary=c("summ"), confidential_notes=c("note")))
    app.raise_concern(world.psychologist, code, forms.concern(world.later(hours=1),
                                                              reason=c("concern")))
    concern = concern_id(str(child_id(code)))
    app.acknowledge_concern(world.supervisor, concern, c("ack"))
    app.snooze_concern(world.supervisor, concern, world.later(hours=1) + timedelta(days=1),
                       c("snooze"))
    app.resolve_concern(world.supervisor, concern, Resolution(
        outcome=Outcome.NO_FURTHER_ACTION, rationale=c("rat")))
    today = world.clock.now().date()
    app.draft_plan(world.psychologist, code, PlanDraft(
        (Goal("social_ties", c("goal")),), today + timedelta(days=20), c("plan")))
    measure = app.add_measure(world.psychologist, code, Measure(
        MeasureType.COUNSELLING, "social_ties", "p.s1", today, today + timedelta(days=9),
        c("meas")))
    app.update_measure(world.psychologist, code, MeasureChange(
        measure, MeasureStatus.DONE, c("mres"), note=c("mnote")))
    app.record_family_contact(world.psychologist, code, FamilyContact(
        world.later(hours=1), FamilyMember.MOTHER, ContactType.PHONE, ContactOutcome.REACHED,
        summary=c("fam")))


@pytest.fixture
def store(encrypted_world: Any) -> Any:
    """Children A (AST-0001) and B (AST-0002), a data-protection officer and a psychologist
    who reads A's record once."""
    world = encrypted_world
    app = world.app
    app.register_account(SYSTEM, "dpo1", "Data Officer", Role.DPO, ["*"], "a long password")
    app.register_account(SYSTEM, "p.s1", "Psychologist", Role.PSYCHOLOGIST, ["S1"],
                         "a long password")
    app.register_account(SYSTEM, "aud1", "Auditor", Role.AUDITOR, ["*"], "a long password")
    seed(world, "A", "AST-0001")
    seed(world, "B", "AST-0002")
    world.project()
    world.rt.staff().chronology(world.psychologist, "AST-0001")
    world.project()
    return world


def kopir(world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          *argv: str) -> tuple[int, str]:
    """Run `kopir` in-process on the world's store; (exit status, what it said)."""
    config = world.rt.config
    with monkeypatch.context() as patch:
        patch.setenv("KOPIR_DATABASE_URL", config.database_url)
        patch.setenv("KOPIR_CIPHER_KEY", config.cipher_key)
        configured.cache_clear()
        try:
            status = cli.main(list(argv))
        finally:
            configured.cache_clear()
    said = capsys.readouterr()
    return status, said.out + said.err


def pdf_text(path: Path) -> str:
    """The PDF's text as pdftotext reads it, without whitespace (a cell may wrap a word)."""
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: install poppler-utils"
    text = subprocess.run([tool, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return re.sub(r"\s+", "", text)


def test_the_export_holds_every_canary_of_the_child_and_none_of_another(
        store, tmp_path, monkeypatch, capsys):
    # The data-protection officer exports child A.
    status, said = kopir(store, monkeypatch, capsys, "subject-access", "AST-0001",
                         "--as", "dpo1", "--out", str(tmp_path))
    assert status == 0, said
    assert said.count("\n") == 1 and "AST-0001" in said
    raw = (tmp_path / "AST-0001-subject-access.json").read_text(encoding="utf-8")
    text = pdf_text(tmp_path / "AST-0001-subject-access.pdf")
    # Every canary of A is in the JSON and in the PDF; none of B's is in either.
    for field in FIELDS:
        assert canary("A", field) in raw, field
        assert canary("A", field) in text, field
    assert "cnryB" not in raw and "cnryB" not in text
    # The record shows the amendment beside what was first written, and the retraction.
    export = json.loads(raw)
    conflict = next(r for r in export["record"] if r["kind"] == "ConflictRecorded")
    assert conflict["status"] == "amended"
    assert conflict["original_fields"]["description"] == canary("A", "desc")
    assert any(r["status"] == "retracted" for r in export["record"])
    assert export["erased"] is None
    # The psychologist's read is in the export's access log.
    assert [r["purpose"] for r in export["access_log"] if r["viewed_by"] == "p.s1"] == \
        ["chronology"]
    # The export itself is logged: who, which child, as a subject-access export.
    store.project()
    log = store.rt.audit().access_log(store.auditor, "AST-0001")
    assert [(r["viewed_by"], r["role"]) for r in log if r["purpose"] == "subject_access"] == \
        [("dpo1", "dpo")]


def test_only_the_data_protection_officer_may_export(store, tmp_path, monkeypatch, capsys):
    # An auditor, who may read every record, still may not make a subject-access export.
    status, said = kopir(store, monkeypatch, capsys, "subject-access", "AST-0001",
                         "--as", "aud1", "--out", str(tmp_path / "out"))
    assert status == 1
    assert said.strip() == "kopir: Only the data-protection officer exports a child's data."
    # Nor may a psychologist of the child's school.
    status, said = kopir(store, monkeypatch, capsys, "subject-access", "AST-0001",
                         "--as", "p.s1", "--out", str(tmp_path / "out"))
    assert status == 1 and "data-protection officer" in said
    # Someone without an account is named as unknown.
    status, said = kopir(store, monkeypatch, capsys, "subject-access", "AST-0001",
                         "--as", "nobody", "--out", str(tmp_path / "out"))
    assert (status, said.strip()) == (1, "kopir: Unknown user nobody.")
    # A child who was never enrolled is one sentence too; nothing was written or logged.
    status, said = kopir(store, monkeypatch, capsys, "subject-access", "AST-9999",
                         "--as", "dpo1", "--out", str(tmp_path / "out"))
    assert status == 1
    assert said.strip() == "kopir: No child with code AST-9999 is enrolled in Köpir."
    assert not (tmp_path / "out").exists()
    store.project()
    assert not [r for r in store.rt.audit().access_log(store.auditor)
                if r["purpose"] == "subject_access"]


def test_an_erased_childs_export_says_so_and_lists_what_is_left(
        store, tmp_path, monkeypatch, capsys):
    # Child B's personal data is erased; the officer exports B's record.
    store.app.erase_personal_data(store.admin, "AST-0002", "Mother's written request")
    store.project()
    status, said = kopir(store, monkeypatch, capsys, "subject-access", "AST-0002",
                         "--as", "dpo1", "--out", str(tmp_path))
    assert status == 0, said
    assert "was erased" in said
    raw = (tmp_path / "AST-0002-subject-access.json").read_text(encoding="utf-8")
    export = json.loads(raw)
    # The export says the content was erased, and on what basis...
    assert export["erased"]["legal_basis"] == "Mother's written request"
    assert export["child"]["status"] == "erased"
    # ...and still lists the kinds and dates of what was recorded, without the text.
    kinds = {r["kind"] for r in export["record"]}
    assert {"ChildEnrolled", "ConflictRecorded", "CounsellingSessionRecorded",
            "FamilyContactRecorded", "PlanDrafted", "PersonalDataErased"} <= kinds
    assert all(r["occurred_at"] for r in export["record"])
    assert "cnryB" not in raw
    assert "cnryB" not in pdf_text(tmp_path / "AST-0002-subject-access.pdf")
