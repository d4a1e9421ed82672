"""`kopir import FILE --as USER` on a seeded SQLite store: every form type from JSON Lines
and CSV, recorded once however often the file is imported; rejected rows named by line
with the form's own messages, and nothing of them written; files that are not rows
refused in one sentence. And a scenario through it: "no injuries" raises no HIGH."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kopir import bootstrap, cli
from processes.engine_runner import EngineRunner
from tests.stores import demo_store

PSYCH, SCHOOL = "psych.ast-12", "AST-12"


@pytest.fixture(scope="module")
def store(tmp_path_factory):  # type: ignore[no-untyped-def]
    with demo_store(tmp_path_factory.mktemp("import"), "--children", "6", "--seed", "3", "--until", "2026-04-30") as path:
        yield path


def events() -> int:
    rt = bootstrap.build()
    try:
        return rt.app.recorder.max_notification_id() or 0
    finally:
        rt.close()


def write_jsonl(path: Path, rows: list[dict]) -> Path:  # type: ignore[type-arg]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


EVERY_FORM = [
    {"row_id": "j1", "form": "enrolment", "child_code": "IMP-J1", "school_id": SCHOOL,
     "grade": 6, "birth_year": 2014, "occurred_at": "2026-02-02T09:00:00+05:00",
     "languages": ["kk", "ru"], "family_situation": "with_mother"},
    {"row_id": "j2", "form": "enrolment", "child_code": "IMP-J2", "school_id": SCHOOL,
     "grade": 6, "birth_year": 2014, "occurred_at": "2026-02-02T09:00:00+05:00"},
    {"row_id": "j3", "form": "conflict", "child_code": "IMP-J1",
     "occurred_at": "2026-02-10T10:00:00+05:00", "kind": "physical", "severity": 2,
     "description": "Pushing at break.", "child_role": "target",
     "participants": [{"child_code": "IMP-J2", "role": "initiator"}]},
    {"row_id": "j4", "form": "peer_incident", "child_code": "IMP-J1",
     "occurred_at": "2026-02-11T10:00:00+05:00", "kind": "stigmatising_label",
     "severity": 3, "label_about": "origin", "description": "Called by a nickname."},
    {"row_id": "j5", "form": "session", "child_code": "IMP-J1",
     "occurred_at": "2026-02-12T10:00:00+05:00", "session_type": "individual",
     "attendance": "attended", "follow_up_on": "2026-02-26",
     "wellbeing": {"social_ties": 3, "school_engagement": 3, "emotional_state": 2,
                   "family_support": 4}},
    {"row_id": "j6", "form": "concern", "child_code": "IMP-J1",
     "occurred_at": "2026-02-12T11:00:00+05:00", "level": "medium",
     "reason": "Seems withdrawn since the nickname."},
    {"row_id": "j7", "form": "amendment", "child_code": "IMP-J1", "entry": "j3",
     "reason": "It was worse than first written.", "changes": {"severity": 3}},
    {"row_id": "j8", "form": "retraction", "child_code": "IMP-J1", "entry": "j4",
     "reason": "Recorded for the wrong child."},
]


def test_every_form_type_imports_once_however_often_the_file_is_imported(store, tmp_path,
                                                                        capsys):
    path = write_jsonl(tmp_path / "history.jsonl", EVERY_FORM)
    capsys.readouterr()
    assert cli.main(["import", str(path), "--as", PSYCH]) == 0
    out = capsys.readouterr().out
    assert "8 rows, 8 recorded, 0 already there, 0 rejected" in out
    assert cli.main(["chronology", "IMP-J1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    kinds = {r["kind"]: r for r in rows}
    assert {"ChildEnrolled", "ConflictRecorded", "PeerIncidentRecorded",
            "CounsellingSessionRecorded", "ConcernRaised"} <= set(kinds)
    assert kinds["ConflictRecorded"]["fields"]["severity"] == 3  # the amendment, applied
    assert kinds["PeerIncidentRecorded"]["status"] == "retracted"
    assert cli.main(["chronology", "IMP-J2", "--json"]) == 0  # the other participant's copy
    assert "ConflictRecorded" in {r["kind"] for r in json.loads(capsys.readouterr().out)}
    before = events()
    assert cli.main(["import", str(path), "--as", PSYCH, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["recorded"], report["already"], report["rejected"]) == (0, 8, [])
    assert events() == before


def test_rejected_rows_are_named_by_line_and_nothing_of_them_is_written(store, tmp_path,
                                                                       capsys):
    path = tmp_path / "rows.csv"
    path.write_text(
        "row_id,form,child_code,occurred_at,kind,severity,description,colour\n"
        "c1,conflict,IMP-J1,2026-03-02T10:00,verbal,2,Argument over a ball.,\n"
        "c2,conflict,IMP-J1,2026-03-02T10:00,shouting,9,,\n"
        "c3,conflict,IMP-J1,yesterday,verbal,two,Argument.,\n"
        "c4,conflict,IMP-J1,2026-03-02T10:00,verbal,2,Argument.,red\n"
        "c5,party,IMP-J1,2026-03-02T10:00,verbal,2,Argument.,\n"
        "c6,conflict,NOT-THERE,2026-03-02T10:00,verbal,2,Argument.,\n"
        '"c7",conflict,IMP-J1,2026-03-02T10:00,verbal,2,"Two lines\nof text.",\n'
        "c8,conflict,IMP-J1,2099-03-02T10:00,verbal,2,Argument.,\n")
    before = events()
    capsys.readouterr()
    assert cli.main(["import", str(path), "--as", PSYCH]) == 1
    out, err = capsys.readouterr()
    lines = {line.split(":", 1)[0]: line for line in out.splitlines() if line.startswith("line")}
    assert set(lines) == {"line 3 (row c2)", "line 4 (row c3)", "line 5 (row c4)",
                          "line 6 (row c5)", "line 7 (row c6)", "line 10 (row c8)"}
    assert "description: is needed and missing." in lines["line 3 (row c2)"]
    assert "kind: must be one of: verbal, physical" in lines["line 3 (row c2)"]
    assert "severity: must be a whole number from 1 to 5." in lines["line 3 (row c2)"]
    assert "occurred_at: must be a date and time like" in lines["line 4 (row c3)"]
    assert "severity: must be a whole number." in lines["line 4 (row c3)"]
    assert "colour: is not a field of the conflict form." in lines["line 5 (row c4)"]
    assert "form: must be one of: enrolment, conflict" in lines["line 6 (row c5)"]
    assert "No child with code NOT-THERE" in lines["line 7 (row c6)"]
    assert "is in the future" in lines["line 10 (row c8)"]
    assert "8 rows, 2 recorded, 0 already there, 6 rejected" in out
    assert err.strip().splitlines()[-1] == (
        "kopir: 6 of 8 rows were rejected and nothing of them was recorded; they are listed "
        "above")
    # Only the two good rows reached the store: each its entry and its submission's claim.
    assert events() == before + 4


def test_another_schools_user_is_refused_row_by_row(store, tmp_path, capsys):
    path = write_jsonl(tmp_path / "other.jsonl", [
        {"row_id": "o1", "form": "conflict", "child_code": "IMP-J1",
         "occurred_at": "2026-03-03T10:00:00+05:00", "kind": "verbal", "severity": 1,
         "description": "Argument."}])
    capsys.readouterr()
    assert cli.main(["import", str(path), "--as", "teacher.ala-05"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("line 1 (row o1): ") and "1 rejected" in out


@pytest.mark.parametrize("name,content,said", [
    ("rows.txt", "row_id\n", "import reads .csv or .jsonl files"),
    ("rows.csv", b"row_id,form\n\xff\xfe,x\n", "not UTF-8 text"),
    ("missing.jsonl", None, "cannot be read"),
])
def test_a_file_that_is_not_rows_is_refused_in_one_sentence(store, tmp_path, capsys, name,
                                                             content, said):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    capsys.readouterr()
    assert cli.main(["import", str(path), "--as", PSYCH]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kopir: ") and said in err[0]


def test_scenario_a_scuffle_with_no_injuries_raises_no_high(store, tmp_path, capsys):
    path = write_jsonl(tmp_path / "scuffle.jsonl", [
        {"row_id": "s1", "form": "enrolment", "child_code": "IMP-S1", "school_id": SCHOOL,
         "grade": 4, "birth_year": 2016, "occurred_at": "2026-03-02T09:00:00+05:00"},
        {"row_id": "s2", "form": "conflict", "child_code": "IMP-S1",
         "occurred_at": "2026-03-04T10:00:00+05:00", "kind": "physical", "severity": 2,
         "description": "Scuffle in the corridor; no injuries."},
        {"row_id": "s3", "form": "conflict", "child_code": "IMP-S1",
         "occurred_at": "2026-03-05T10:00:00+05:00", "kind": "physical", "severity": 2,
         "description": "Толкались на лестнице, без травм."},
    ])
    assert cli.main(["import", str(path), "--as", PSYCH]) == 0
    rt = bootstrap.build()
    engine = EngineRunner(rt.app)
    engine.process_available()
    engine.close()
    rt.runner.catch_up()
    coordinator = rt.app.actor_for("coordinator")
    raised = [r for r in rt.oversight().escalation_queue(coordinator)
              if r["child_code"] == "IMP-S1"]
    rt.close()
    assert [r for r in raised if r["level"] == "high"] == []


def test_scenario_a_retracted_trigger_withdraws_its_escalation(store, tmp_path):
    rows = [
        {"row_id": "w1", "form": "enrolment", "child_code": "IMP-W1", "school_id": SCHOOL,
         "grade": 4, "birth_year": 2016, "occurred_at": "2026-03-02T09:00:00+05:00"},
        {"row_id": "w2", "form": "conflict", "child_code": "IMP-W1",
         "occurred_at": "2026-03-04T10:00:00+05:00", "kind": "physical", "severity": 2,
         "description": "Pushed on the stairs; his wrist was injured."}]

    def escalations() -> list[dict]:  # type: ignore[type-arg]
        rt = bootstrap.build()
        engine = EngineRunner(rt.app)
        engine.process_available()
        engine.close()
        rt.runner.catch_up()
        found = [r for r in rt.oversight().escalation_queue(
            rt.app.actor_for("coordinator"), include_resolved=True)
            if r["child_code"] == "IMP-W1" and r["rule_id"] == "serious-incident"]
        rt.close()
        return found

    assert cli.main(["import", str(write_jsonl(tmp_path / "a.jsonl", rows)), "--as", PSYCH]) == 0
    [raised] = escalations()
    assert (raised["level"], raised["status"]) == ("high", "open")
    retraction = {"row_id": "w3", "form": "retraction", "child_code": "IMP-W1", "entry": "w2",
                  "reason": "Recorded for the wrong child."}
    assert cli.main(["import", str(write_jsonl(tmp_path / "b.jsonl", [retraction])),
                     "--as", PSYCH]) == 0
    [withdrawn] = escalations()
    assert withdrawn["status"] == "withdrawn"


def test_plans_measures_reviews_and_family_contacts_import_once(store, tmp_path, capsys):
    path = tmp_path / "plans.csv"
    path.write_text(
        "row_id,form,child_code,school_id,grade,birth_year,occurred_at,contact_with,"
        "contact_type,outcome,refused_by,purpose,given,given_by,goals,review_on,"
        "measure_type,area,responsible,starts_on,outcomes,next_review_on\n"
        f"p1,enrolment,IMP-P1,{SCHOOL},7,2013,2026-02-02T09:00,,,,,,,,,,,,,,,\n"
        "p2,family_contact,IMP-P1,,,,2026-02-03T16:00,mother,home_visit,refused,father,"
        ",,,,,,,,,,\n"
        "p3,consent,IMP-P1,,,,,,,,,specialist_referral,yes,mother,,,,,,,,\n"
        "p4,plan,IMP-P1,,,,,,,,,,,,social_ties: two friends in class; family_support: the "
        "mother meets the school,2027-01-15,,,,,,\n"
        f"p5,measure,IMP-P1,,,,,,,,,,,,,2027-01-10,referral_medical,social_ties,{PSYCH},"
        "2026-12-10,,\n"
        "p6,review,IMP-P1,,,,,,,,,,,,,,,,,,social_ties: better; family_support: same,"
        "2027-02-15\n")
    capsys.readouterr()
    assert cli.main(["import", str(path), "--as", PSYCH]) == 0, capsys.readouterr()
    assert "6 rows, 6 recorded, 0 already there, 0 rejected" in capsys.readouterr().out
    assert cli.main(["plan", "IMP-P1", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [g["area"] for g in plan["goals"]] == ["social_ties", "family_support"]
    assert [m["measure_type"] for m in plan["measures"]] == ["referral_medical"]
    assert sorted(plan["reviews"][0]["outcomes"].values()) == ["better", "same"]
    assert plan["consents"]["specialist_referral"]["given"] is True
    assert cli.main(["chronology", "IMP-P1", "--json"]) == 0
    contact = next(r for r in json.loads(capsys.readouterr().out)
                   if r["kind"] == "FamilyContactRecorded")
    assert contact["fields"]["refused_by"] == "father"
    before = events()
    assert cli.main(["import", str(path), "--as", PSYCH, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["recorded"], report["already"], report["rejected"]) == (0, 6, [])
    assert events() == before
