"""Importing form submissions from a file (`kopir import`): CSV with a header row, or JSON
Lines with an object per line. Each row is checked as its form would check it and
recorded through the application as the importing user, in a transaction of its own: a
rejected row writes nothing and is reported with its line and the reasons; the others go
on. A row recorded before (the same row id) is recorded once."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from domain.access import Actor
from domain.application import SchoolIntegration
from domain.checks import plain
from domain.commands import Correction, Enrolment
from domain.errors import ChildAlreadyEnrolled, InvalidEntry, KopirError
from domain.plan_forms import Consent, Measure, PlanDraft, Review
from domain.rows import Submission, parse

MAX_FILE = 200 * 1024 * 1024


class ImportFileError(KopirError):
    """Raised when the file itself cannot be read as rows (not one of its rows)."""


@dataclass
class Rejected:
    line: int
    row_id: str
    reasons: list[str]


@dataclass
class Report:
    rows: int = 0
    recorded: int = 0
    already: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def summary(self, path: Path) -> str:
        return (f"imported {path.name}: {self.rows} rows, {self.recorded} recorded, "
                f"{self.already} already there, {len(self.rejected)} rejected")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) for each row of the file; a `.csv` has a header, a `.jsonl` an object
    per line."""
    if path.suffix.lower() not in (".csv", ".jsonl"):
        raise ImportFileError(f"{path.name}: import reads .csv or .jsonl files")
    try:
        if path.stat().st_size > MAX_FILE:
            raise ImportFileError(f"{path.name}: larger than {MAX_FILE // 2**20} MB; split it")
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as error:
        raise ImportFileError(f"{path}: cannot be read ({error.strerror})") from None
    with handle:
        try:
            if path.suffix.lower() == ".csv":
                reader = csv.DictReader(handle)
                start = 2
                for row in reader:
                    yield start, {k: v for k, v in row.items() if k is not None}
                    start = reader.line_num + 1
            else:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        yield number, _object(line, number)
        except UnicodeDecodeError:
            raise ImportFileError(f"{path.name}: not UTF-8 text") from None
        except csv.Error as error:
            raise ImportFileError(f"{path.name}: not a CSV file ({error})") from None


def _object(line: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        return {"__broken__": f"line {number} is not a JSON object"}
    return value if isinstance(value, dict) else {"__broken__": "a row is a JSON object"}


def import_rows(app: SchoolIntegration, actor: Actor, rows: Iterator[tuple[int, dict[str, Any]]],
                progress: Callable[[int], None] | None = None) -> Report:
    report = Report()
    zone = datetime.now().astimezone().tzinfo
    for line, values in rows:
        report.rows += 1
        if "__broken__" in values:
            report.rejected.append(Rejected(line, "", [values["__broken__"]]))
            continue
        try:
            submission = parse(values, line, zone)  # type: ignore[arg-type]
            before = app.recorder.max_notification_id()
            record(app, actor, submission)
            if app.recorder.max_notification_id() == before:
                report.already += 1
            else:
                report.recorded += 1
        except ChildAlreadyEnrolled:
            report.already += 1
        except InvalidEntry as error:
            report.rejected.append(Rejected(line, str(values.get("row_id") or ""),
                                            [f"{p.field}: {p.message}" for p in error.problems]))
        except KopirError as error:
            report.rejected.append(Rejected(line, str(values.get("row_id") or ""), [str(error)]))
        if progress is not None:
            progress(report.rows)
    return report


def record(app: SchoolIntegration, actor: Actor, row: Submission) -> None:
    """One row, through the command its form would run."""
    payload = row.payload
    if isinstance(payload, Enrolment):
        app.enrol_child(actor, payload)
    elif row.form in PLANNING:
        record_planning(app, actor, row)
    elif isinstance(payload, Correction):
        command = app.amend_entry if row.form == "amendment" else app.retract_entry
        command(actor, row.child_code, payload, entry_id=row.entry_id)
    else:
        command = {"conflict": app.record_conflict, "peer_incident": app.record_peer_incident,
                   "session": app.record_counselling_session, "concern": app.raise_concern,
                   "family_contact": app.record_family_contact}[row.form]
        command(actor, row.child_code, payload, entry_id=row.entry_id)  # type: ignore[operator]


PLANNING = ("consent", "plan", "measure", "review")


def record_planning(app: SchoolIntegration, actor: Actor, row: Submission) -> None:
    """A consent, a plan, a measure or a review, each recorded once however often the file
    is imported: a consent that is already as the row says, a child who already has a
    plan, a measure or a review whose row was recorded, are left as they are."""
    payload: Any = row.payload
    child = app.child(row.child_code)
    if isinstance(payload, Consent):
        if child.consents.get(plain(payload.purpose)) != payload.given:
            app.record_consent(actor, row.child_code, payload)
    elif isinstance(payload, PlanDraft):
        if not child.plan["status"]:
            app.draft_plan(actor, row.child_code, payload)
    elif isinstance(payload, Measure):
        app.add_measure(actor, row.child_code, payload, measure_id=row.entry_id)
    elif isinstance(payload, Review):  # its goals named by their wellbeing area
        goals = {area: goal for goal, area in reversed(child.plan["goals"].items())}
        unknown = [area for area in payload.outcomes if area not in goals]
        if unknown:
            raise InvalidEntry.one("outcomes", "plan.unknown_goal")
        by_goal = {goals[area]: outcome for area, outcome in payload.outcomes.items()}
        app.review_plan(actor, row.child_code, replace(payload, outcomes=by_goal),
                        review_id=row.entry_id)
