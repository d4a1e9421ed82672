"""`kopir rules evaluate`: a rules file replayed over the log (as the back-test does,
writing nothing) and measured against labelled "needs attention" episodes: precision,
recall within two school days, time to detection, and the load it puts on people, as
escalations and as one concern per child (`domain.rules.quality`)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from sqlalchemy import select

from domain.application import SchoolIntegration
from domain.errors import KopirError
from domain.model import Child
from domain.rules.loader import RuleSet
from domain.rules.quality import Enrolled, Episode, evaluate
from processes.backtest import Backtest
from processes.scan import LogScan
from projections.tables import schools
from projections.views import ReadModelView

TOPICS = [get_topic(Child.ChildEnrolled), get_topic(Child.ChildTransferred),
          get_topic(Child.EnrolmentClosed)]


class TruthFileError(KopirError):
    """Raised when the labelled episodes cannot be read."""


def read_truth(path: Path) -> list[Episode]:
    """Episodes, one JSON object a line: child_code, kind, start, end (ISO moments)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise TruthFileError(f"{path}: the labelled episodes cannot be read "
                             f"({error.strerror}); `kopir demo` writes them beside the store "
                             "it seeds") from None
    except UnicodeDecodeError:
        raise TruthFileError(f"{path}: not UTF-8 text") from None
    episodes = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            episodes.append(Episode(str(row["child_code"]), str(row["kind"]),
                                    datetime.fromisoformat(row["start"]),
                                    datetime.fromisoformat(row["end"])))
        except (ValueError, KeyError, TypeError):
            raise TruthFileError(f"{path}:{number}: an episode is a JSON object with "
                                 "child_code, kind, start and end") from None
    return episodes


def enrolments(app: SchoolIntegration, view: ReadModelView, end: datetime) -> list[Enrolled]:
    """Each child's time at school (to the end of the history) and the region of its
    school then (the last school it was in)."""
    with view.transaction(commit=False) as session:
        region_of = {r.school_id: r.region for r in session.execute(select(schools))}
    found: dict[str, dict[str, Any]] = {}
    codes: dict[str, str] = {}

    def note(batch: Sequence[Notification]) -> None:
        for n in batch:
            event = app.mapper.to_domain_event(n)
            child = str(event.originator_id)
            if isinstance(event, Child.ChildEnrolled):
                codes[child] = event.code
                found[child] = {"school": event.school_id, "start": event.occurred_at,
                                "end": end}
            elif child in found and isinstance(event, Child.ChildTransferred):
                found[child]["school"] = event.to_school_id
            elif child in found:
                found[child]["end"] = min(end, event.occurred_at)

    LogScan(app, note, topics=TOPICS).process_available()
    return [Enrolled(codes[c], region_of.get(v["school"], v["school"]), v["start"], v["end"])
            for c, v in found.items()]


def evaluate_rules(app: SchoolIntegration, view: ReadModelView, rules: RuleSet,
                   episodes: list[Episode]) -> dict[str, Any]:
    run = Backtest(app, rules, None)
    decisions = run.run()
    end = app.clock.now()
    enrolled = enrolments(app, view, end)
    report = evaluate(decisions, episodes, enrolled, rules.calendar)
    report["events"] = run.events
    report["titles"] = {rule.id: rule.title() for rule in rules}
    return report
