"""The log rolled back or re-signed, as someone with the database and a key of their own
would: deleting the newest checkpoint with the rows after an earlier one, or only the
newest checkpoint, or re-signing with another key, does not verify. (Findings 6 and 8.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from Crypto.PublicKey import ECC
from sqlalchemy import create_engine, text

from infrastructure import ledger
from kopir import bootstrap
from processes import audit
from tests import forms

pytestmark = pytest.mark.backends("sqlite", "postgres")  # rows are deleted with SQL
KEY = ECC.construct(curve="ed25519", seed=bytes(range(32)))
ATTACKER = ECC.construct(curve="ed25519", seed=bytes(range(5, 37)))
TRUSTED = (ledger.public_key_hex(KEY),)
ROOT = Path(__file__).resolve().parents[2]


def record_some(world, n: int = 3) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        code = f"AST-{world.app.recorder.max_notification_id():04d}"
        world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1)))


def delete_rows_after(settings, position: int) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(settings.events_url())
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM schoolintegration_events WHERE id > :p"),
                           {"p": position})
    engine.dispose()


@pytest.mark.parametrize("how", ["the tail after an earlier checkpoint", "the newest checkpoint"])
def test_a_log_rolled_back_does_not_verify(world, settings, tmp_path, how):
    heads = ledger.HeadsFile(tmp_path / "heads.jsonl")
    record_some(world)
    first = audit.checkpoint(world.app, KEY, heads)
    record_some(world)
    newest = audit.checkpoint(world.app, KEY, heads)
    assert audit.verify(world.app, TRUSTED, heads=heads).ok
    # What is left after the deletion is a consistent, earlier log...
    delete_rows_after(settings, first.position + 1 if how.startswith("the tail")
                      else newest.position)
    alone = audit.verify(world.app, TRUSTED)
    assert alone.ok, alone.problems
    # ...but the heads written down outside the store, or kept by an auditor, remember.
    verdict = audit.verify(world.app, TRUSTED, heads=heads)
    assert not verdict.ok and "rolled back" in verdict.summary()
    kept = ledger.expected_head(f"{newest.position}:{newest.head}")
    assert not audit.verify(world.app, TRUSTED, expected=[kept]).ok


def test_a_checkpoint_deleted_from_the_middle_breaks_the_links(world, settings):
    record_some(world)
    audit.checkpoint(world.app, KEY)
    record_some(world)
    middle = audit.checkpoint(world.app, KEY)
    record_some(world)
    audit.checkpoint(world.app, KEY)
    engine = create_engine(settings.events_url())
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM schoolintegration_events WHERE id = :p"),
                           {"p": middle.position + 1})  # the checkpoint's own row
    engine.dispose()
    verdict = audit.verify(world.app, TRUSTED)
    assert not verdict.ok and "a checkpoint is missing" in verdict.summary()


def test_a_log_re_signed_with_another_key_does_not_verify(world):
    record_some(world)
    audit.checkpoint(world.app, ATTACKER)
    assert not audit.verify(world.app, TRUSTED).ok
    # The auditor's page trusts what is configured, never whoever signed.
    assert not audit.verify_for(world.auditor, world.app, (), None).ok
    config = world.rt.config.model_copy(update={"ledger_trusted_keys": TRUSTED[0]})
    assert bootstrap.trusted_keys(config, None) == TRUSTED


def test_verify_log_checks_a_head_an_auditor_kept(world, settings, tmp_path):
    record_some(world)
    signed = audit.checkpoint(world.app, KEY)
    record_some(world)
    env = {"KOPIR_DATABASE_URL": settings.database_url, "KOPIR_LEDGER_TRUSTED_KEYS": TRUSTED[0],
           "KOPIR_LEDGER_HEADS_FILE": str(tmp_path / "heads.jsonl"), "PATH": "/usr/bin:/bin"}

    def verify_log(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kopir.cli", "verify-log", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    kept = f"{signed.position}:{signed.head}"
    assert verify_log("--expect-head", kept).returncode == 0
    other = f"{signed.position}:{'0' * 64}"
    refused = verify_log("--expect-head", other)
    assert refused.returncode == 1 and "rolled back" in refused.stdout


def test_the_checkpointer_signs_as_the_log_grows(world, tmp_path):
    from processes.checkpointer import Checkpointer

    heads = ledger.HeadsFile(tmp_path / "heads.jsonl")
    record_some(world, 2)
    signer = Checkpointer(world.app, KEY, every=5, heads=heads)
    signer.step()
    assert audit.checkpoints(world.app) == []  # not enough recorded yet
    record_some(world, 4)
    signer.step()
    record_some(world, 6)
    signer.step()
    made = audit.checkpoints(world.app)
    assert len(made) == 2 and [c.position for c in heads.read()] == [c.position for c in made]
    assert made[1].previous == made[0].digest  # linked
    assert audit.verify(world.app, TRUSTED, heads=heads).ok
    signer.step()  # nothing new but its own checkpoint: nothing signed
    assert len(audit.checkpoints(world.app)) == 2
