"""A store written before concerns existed still opens: its escalations and their
lifecycle load, its read models (of the earlier shape) are projected again, and what was
unresolved folds into one concern row per child; a new signal then opens the child's
concern and folds the earlier row into it.

The fixture is a `kopir demo --children 6 --until 2026-06-30` store written by the
release before concerns (encrypted under its demo master key)."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from pathlib import Path

import pytest

from domain.commands import Concern as ConcernForm
from domain.vocabulary import Level
from infrastructure.settings import settings
from kopir import bootstrap, cli
from projections.tables import SHAPE

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store-before-concerns.tar.xz"
UNRESOLVED = ("open", "acknowledged", "assigned")


@pytest.fixture
def old_store(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(tmp_path, filter="data")
    monkeypatch.setenv("KOPIR_DATABASE_URL", f"sqlite:///{tmp_path}/kopir.db")
    for name in ("KOPIR_CIPHER_KEY", "KOPIR_CIPHER_KEY_FILE", "KOPIR_READ_MODELS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings.cache_clear()
    yield tmp_path
    settings.cache_clear()


def old_escalations(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path / "kopir-views.db") as db:
        return db.execute("SELECT child_id, level, status FROM rm_escalations").fetchall()


def test_a_store_of_the_previous_release_opens_and_folds_into_concerns(old_store, capsys):
    before = old_escalations(old_store)
    unresolved = {child for child, _, status in before if status in UNRESOLVED}
    assert unresolved, "the fixture has unresolved escalations"
    rt = bootstrap.build()
    assert rt.view.outdated()  # made by the earlier release
    rt.runner.catch_up()
    assert not rt.view.outdated()
    # Every escalation loaded (its events upcast), and the same ones are in the table.
    assert sorted(old_escalations(old_store)) == sorted(before)
    rows = rt.view.rows("rm_concerns")
    open_rows = [r for r in rows if r["status"] in UNRESOLVED + ("snoozed",)]
    # One row per child with anything unresolved, at the highest level of what is open.
    assert sorted(r["child_id"] for r in open_rows) == sorted(unresolved)
    order = ["low", "medium", "high"]
    for row in open_rows:
        levels = [lv for child, lv, st in before if child == row["child_id"] and st in UNRESOLVED]
        assert row["level"] == max(levels, key=order.index)
        assert row["episode"] == 0 and row["open_signals"] == len(levels)
    # The caseload counts each child's unresolved concern once.
    counted = {r["child_id"]: r["open_escalations"] for r in rt.view.rows("rm_children")}
    assert counted == {child: int(child in unresolved) for child in counted}
    with sqlite3.connect(old_store / "kopir-views.db") as db:
        assert db.execute("SELECT version FROM rm_shape").fetchone() == (SHAPE,)

    # A new signal opens the child's concern, and the earlier row folds into it.
    child = next(iter(unresolved))
    code = next(r["code"] for r in rt.view.rows("rm_children") if r["child_id"] == child)
    psychologist = rt.app.actor_for(next(
        r["user_id"] for r in rt.view.rows("rm_accounts")
        if r["role"] == "psychologist" and json.loads(r["school_ids"]) ==
        [next(c["school_id"] for c in rt.view.rows("rm_children") if c["child_id"] == child)]))
    rt.app.raise_concern(psychologist, code, ConcernForm(
        occurred_at=rt.app.clock.now(), level=Level.MEDIUM, reason="Withdrawn in class."))
    rt.runner.catch_up()
    mine = [r for r in rt.view.rows("rm_concerns") if r["child_id"] == child]
    assert sorted(r["status"] for r in mine) == ["folded", "open"]
    [current] = [r for r in mine if r["status"] == "open"]
    assert current["episode"] == 1 and current["signal_count"] == \
        1 + next(r["open_signals"] for r in open_rows if r["child_id"] == child)

    # And the command line lists it, as it lists every open concern.
    assert cli.main(["concerns", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(r["code"] for r in listed) == sorted(
        c["code"] for c in rt.view.rows("rm_children") if c["child_id"] in unresolved)
