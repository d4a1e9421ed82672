"""On a seeded demo, the Astana supervisor's monitor has at most one row per child, and the
header, the list, the caseload and the command line agree on the count."""

from __future__ import annotations

import json

import pytest

from kopir import bootstrap, cli
from tests.stores import demo_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):  # type: ignore[no-untyped-def]
    with demo_store(tmp_path_factory.mktemp("demo"), "--children", "18", "--seed", "5",
                    "--until", "2026-05-20") as path:
        yield path


def test_one_row_per_child_and_one_count_everywhere(store, capsys):
    rt = bootstrap.build()
    try:
        rt.runner.catch_up()
        astana = rt.app.actor_for("supervisor.astana")
        view = rt.oversight().concern_monitor(astana, limit=1000)
        codes = [r["child_code"] for r in view["rows"]]
        assert codes and len(codes) == len(set(codes))
        assert {r["school_id"] for r in view["rows"]} <= {"AST-12", "AST-45"}
        caseload = rt.oversight().caseload(astana)
        shown = sum(row[f"open_{level}"] for row in caseload["schools"]
                    for level in ("high", "medium", "low"))
        assert sum(view["open"].values()) == view["total"] == shown == len(codes)
        assert view["overdue"] == sum(row["overdue"] for row in caseload["schools"])
        # Every signal of the demo belongs to exactly one concern row.
        signals = {r["escalation_id"] for r in rt.view.rows("rm_escalations")}
        attached = [s["id"] for r in rt.view.rows("rm_concerns")
                    for s in json.loads(r["signals"])]
        assert sorted(attached) == sorted(signals)
    finally:
        rt.close()
    for school in ("AST-12", "AST-45"):
        assert cli.main(["concerns", "--school", school, "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert sorted(r["code"] for r in listed) == sorted(
            r["child_code"] for r in view["rows"] if r["school_id"] == school)
