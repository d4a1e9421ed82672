"""The signed hash chain over a real store (SQLite and PostgreSQL): rows changed behind
the application's back are found by `kopir verify-log`, and an export verifies offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from Crypto.PublicKey import ECC
from sqlalchemy import create_engine, text

from infrastructure import ledger
from processes import audit
from tests import forms

KEY = ECC.construct(curve="ed25519", seed=bytes(range(32)))
TRUSTED = (ledger.public_key_hex(KEY),)
ROOT = Path(__file__).resolve().parents[2]


def seeded(world) -> None:  # type: ignore[no-untyped-def]
    for i in range(4):
        code = f"AST-{i:04d}"
        world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1)))
        world.app.record_conflict(world.teacher, code, forms.conflict(world.later(hours=1)))


def tamper(settings, statement: str) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(settings.events_url())
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


TAMPERING = {
    "edit": "UPDATE schoolintegration_events SET topic = topic || 'x' WHERE id = 5",
    "delete": "DELETE FROM schoolintegration_events WHERE id = 6",
    "swap": "UPDATE schoolintegration_events SET state = CASE id "
            "WHEN 7 THEN (SELECT state FROM schoolintegration_events WHERE id = 8) "
            "ELSE (SELECT state FROM schoolintegration_events WHERE id = 7) END "
            "WHERE id IN (7, 8)",
    "insert": "INSERT INTO schoolintegration_events (id, originator_id, originator_version, "
              "topic, state) SELECT 4000, originator_id, 99, topic, state "
              "FROM schoolintegration_events WHERE id = 3",
}


# Rows are changed with SQL, behind the application's back.
@pytest.mark.backends("sqlite", "postgres")
@pytest.mark.parametrize("how", list(TAMPERING))
def test_rows_changed_behind_the_application_are_found(world, settings, how):
    seeded(world)
    signed = audit.checkpoint(world.app, KEY)
    seeded_more = world.app.recorder.max_notification_id()
    assert signed.position == seeded_more - 1  # the checkpoint is itself the next event
    assert audit.verify(world.app, TRUSTED).ok
    if how == "insert":  # an insertion among the signed rows: give it a signed position
        tamper(settings, "DELETE FROM schoolintegration_events WHERE id = 4")
        tamper(settings, TAMPERING[how].replace("4000", "4"))
    else:
        tamper(settings, TAMPERING[how])
    verdict = audit.verify(world.app, TRUSTED)
    assert not verdict.ok and verdict.problems, how


def test_the_log_verifies_offline_from_an_export(world, settings, tmp_path):
    seeded(world)
    audit.checkpoint(world.app, KEY)
    path = tmp_path / "log.jsonl"
    written = audit.export(world.app, path)
    assert written == world.app.recorder.max_notification_id()
    result = subprocess.run([sys.executable, "-m", "kopir.cli", "verify-log", "--file", str(path),
                             "--trust", ledger.public_key_hex(KEY)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("verified:"), result.stderr
    edited = path.read_text().replace('"version": 2', '"version": 3', 1)
    path.write_text(edited)
    result = subprocess.run([sys.executable, "-m", "kopir.cli", "verify-log", "--file",
                             str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout.startswith("NOT VERIFIED")
