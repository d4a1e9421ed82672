"""The `kopir` command on a seeded SQLite store."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kopir import cli
from tests.stores import demo_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):  # type: ignore[no-untyped-def]
    # One seeded store for the module: these commands only read it (a rebuild recreates
    # identical read models).
    with demo_store(tmp_path_factory.mktemp("cli"), "--children", "8", "--seed", "5", "--until", "2026-04-30") as path:
        yield path


def test_children_and_chronology_as_json(store, capsys):
    capsys.readouterr()
    assert cli.main(["children", "--json"]) == 0
    children = json.loads(capsys.readouterr().out)
    assert len(children) == 8 and {"code", "school_id", "status"} <= set(children[0])
    # The demo's codes are in the real format, the one enrolment proposes.
    from domain.child_codes import REAL_FORMAT

    assert all(REAL_FORMAT.match(c["code"]) for c in children)
    code = children[0]["code"]
    assert cli.main(["chronology", code, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["kind"] == "ChildEnrolled"
    # As it stood one second after enrolment: only the enrolment had been recorded.
    enrolled_at = rows[0]["recorded_at"]
    from datetime import datetime, timedelta

    moment = (datetime.fromisoformat(enrolled_at) + timedelta(seconds=1)).isoformat()
    assert cli.main(["chronology", code, "--as-of", moment, "--json"]) == 0
    assert [r["kind"] for r in json.loads(capsys.readouterr().out)] == ["ChildEnrolled"]


def test_children_of_one_school(store, capsys):
    capsys.readouterr()
    cli.main(["children", "--json"])
    school = json.loads(capsys.readouterr().out)[0]["school_id"]
    assert cli.main(["children", "--school", school, "--json"]) == 0
    assert {c["school_id"] for c in json.loads(capsys.readouterr().out)} == {school}


def test_rebuild_verify_passes_on_the_demo(store, capsys):
    assert cli.main(["rebuild", "--verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["identical"] and report["events"] > 100


def test_demo_refuses_to_seed_twice_without_reset(store, capsys):
    assert cli.main(["demo", "--children", "2"]) == 1
    assert "--reset" in capsys.readouterr().err


def test_make_demo_keeps_what_was_entered_unless_reset_is_asked_for(store, capsys):
    # `make demo` a second time serves the same store: nothing entered since is wiped.
    capsys.readouterr()
    cli.main(["children", "--json"])
    before = json.loads(capsys.readouterr().out)
    assert cli.main(["demo", "--if-empty", "--children", "2"]) == 0
    assert "RESET=1" in capsys.readouterr().out
    cli.main(["children", "--json"])
    assert json.loads(capsys.readouterr().out) == before
    # The Makefile asks for a reset only with RESET=1.
    plain = subprocess.run(["make", "-n", "demo"], capture_output=True, text=True, check=True)
    reset = subprocess.run(["make", "-n", "demo", "RESET=1"], capture_output=True, text=True,
                           check=True)
    assert "--if-empty" in plain.stdout and "--reset" not in plain.stdout
    assert "--reset" in reset.stdout and "--if-empty" not in reset.stdout


def test_the_seeding_progress_knows_its_total_from_the_start(tmp_path):
    # The demo's answers are planned as the history unfolds, so the bar counts the days
    # of the history: the same total on every line, and it ends at 100 %.
    import io
    from datetime import date

    from infrastructure.settings import Settings
    from kopir.bootstrap import application
    from kopir.cli.progress import ProgressBar
    from kopir.seed import demo

    stream = io.StringIO()
    bar = ProgressBar("recording", stream=stream, unit="days")
    bar._last_draw = -1e9  # draw every update (not a terminal: every 2 s otherwise)
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        bar(done, total)

    config = Settings(database_url=f"sqlite:///{tmp_path}/progress.db")
    demo.seed(lambda clk, ids: application(config, clk, ids), children=3, seed_value=2,
              until=date(2026, 3, 1), progress=progress)
    totals = {total for _, total in calls}
    assert len(calls) > 3 and len(totals) == 1, calls[:5]
    assert calls[-1][0] == calls[-1][1] and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert "days" in stream.getvalue()


@pytest.mark.parametrize("args,message", [
    (["chronology", "NOPE-1"], "No child with code NOPE-1"),
    (["chronology", "X", "--as-of", "tuesday"], "expected a date and time"),
    (["demo", "--children", "-3"], "at least 1"),
    (["serve", "--port", "99999"], "at most 65535"),
    (["children", "--school", "ZZZ"], "no children in school"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_get_one_line_and_a_non_zero_exit(store, args, message):
    result = subprocess.run([sys.executable, "-m", "kopir.cli", *args], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_backtest_of_the_shipped_rules_prints_a_table_and_writes_nothing(store, capsys):
    from domain.application import SchoolIntegration
    from infrastructure.settings import settings as config

    app = SchoolIntegration(env=config().app_env())
    before = app.recorder.max_notification_id()
    capsys.readouterr()
    assert cli.main(["rules", "backtest", "domain/rules/rules.toml"]) == 0
    out = capsys.readouterr().out
    assert "nothing was written" in out and "would raise" in out
    assert "serious-incident" in out
    assert app.recorder.max_notification_id() == before
    app.close()


def test_a_bad_rules_file_is_one_line_with_its_line_number(store, tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rule]]\nid = "x1"\nversion = 1\nlevel = "urgent"\n')
    result = subprocess.run([sys.executable, "-m", "kopir.cli", "rules", "check", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"{bad}:4: rule 'x1': level must be one of" in result.stderr


def test_the_demo_labels_its_episodes_beside_the_store_and_the_rules_are_measured(store,
                                                                                  capsys):
    truth = store / "kopir-truth.jsonl"
    labels = [json.loads(line) for line in truth.read_text().splitlines()]
    assert labels and {"child_code", "kind", "start", "end"} == set(labels[0])
    # Never in the event store: no kind of stored event is about episodes or the truth.
    import sqlite3

    with sqlite3.connect(store / "kopir.db") as db:
        topics = {t for (t,) in db.execute("SELECT DISTINCT topic FROM schoolintegration_events")}
    assert topics and not [t for t in topics if "pisode" in t or "ruth" in t]
    capsys.readouterr()
    assert cli.main(["rules", "evaluate", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    overall, load = report["overall"], report["load"]
    assert load["episodes"] == len(labels) and load["children"] == 8
    assert 0 < overall["precision"] <= 1 and 0 < overall["recall"] <= 1
    assert overall["signals"] == sum(r["signals"] for r in report["rules"])
    # One concern per child groups the signals: fewer items than escalations.
    assert load["concerns"]["items"] < load["escalations"]["items"]
    assert load["concerns"]["signals_per_concern"] > 1
    assert cli.main(["rules", "evaluate"]) == 0
    table = capsys.readouterr().out
    assert "Serious incident" in table and "all rules together" in table
    assert "per supervisor per week" in table


def test_evaluating_without_labels_says_where_they_come_from(store, tmp_path, capsys):
    capsys.readouterr()
    assert cli.main(["rules", "evaluate", "--truth", str(tmp_path / "none.jsonl")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("kopir: ") and "`kopir demo` writes them" in err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"child_code": "X"}\n')
    assert cli.main(["rules", "evaluate", "--truth", str(broken)]) == 1
    assert "broken.jsonl:1: an episode is a JSON object" in capsys.readouterr().err
