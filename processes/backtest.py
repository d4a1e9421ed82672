"""Back-testing a rules file: what it would have raised over history, next to the live queue.

Runs a fresh rule engine over the event log, with time moving as it moved when the
events were recorded, and writes nothing: no event, no read-model row.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any, Sequence

from eventsourcing.persistence import Notification
from sqlalchemy import func, select

from domain.application import SchoolIntegration
from domain.model import Escalation
from domain.rules.engine import Decision, Engine
from domain.rules.loader import RuleSet
from domain.rules.quality import concerns_of
from processes.scan import LogScan
from projections.tables import concerns, escalations
from projections.views import ReadModelView


class Backtest:
    """A rules file replayed over the log up to `end` (store time)."""

    def __init__(self, app: SchoolIntegration, rules: RuleSet, end: datetime | None) -> None:
        self.app = app
        self.engine = Engine(rules)
        self.end = end
        self.decisions: list[Decision] = []
        self.events = 0
        self.day: date | None = None

    def feed(self, notifications: Sequence[Notification]) -> bool:
        for notification in notifications:
            event = self.app.mapper.to_domain_event(notification)
            if self.end is not None and event.timestamp > self.end:
                return False
            if isinstance(event, Escalation.EscalationRaised) and event.rule_id != "manual":
                continue  # the live engine's decisions are what we compare against
            if self.day != event.timestamp.date():  # time-based rules, once per recorded day
                self.day = event.timestamp.date()
                self.decisions += self.engine.tick(event.timestamp)
            self.decisions += self.engine.observe(event, event.timestamp)
            self.events += 1
        return True

    def run(self, batch_size: int = 2000) -> list[Decision]:
        LogScan(self.app, self.feed, batch_size=batch_size).process_available()
        return self.decisions + self.engine.tick(self.end or self.app.clock.now())


def raised_per_rule(view: ReadModelView, start: datetime | None,
                    end: datetime | None) -> Counter[tuple[str, str]]:
    """How many escalations the live queue holds per (rule, school), raised in the period."""
    e = escalations.c
    statement = select(e.rule_id, e.school_id, func.count()).group_by(e.rule_id, e.school_id)
    if start is not None:
        statement = statement.where(e.raised_at >= start)
    if end is not None:
        statement = statement.where(e.raised_at <= end)
    with view.transaction(commit=False) as session:
        return Counter({(r[0], r[1]): r[2] for r in session.execute(statement)})


def backtest(app: SchoolIntegration, view: ReadModelView, rules: RuleSet,
             start: datetime | None = None, end: datetime | None = None,
             batch_size: int = 2000) -> dict[str, Any]:
    run = Backtest(app, rules, end)
    decisions = run.run(batch_size)
    chosen = [d for d in decisions if (start is None or d.detected_at >= start)
              and (end is None or d.detected_at <= end)]
    would = Counter((d.rule.id, d.school_id) for d in chosen)
    live = raised_per_rule(view, start, end)
    rows = [{"rule_id": rule, "school_id": school, "would_raise": would.get((rule, school), 0),
             "live": live.get((rule, school), 0)}
            for rule, school in sorted(set(would) | set(live)) if rule != "manual"]
    k = concerns.c
    opened = select(func.count()).where(k.episode > 0)
    if start is not None:
        opened = opened.where(k.opened_at >= start)
    if end is not None:
        opened = opened.where(k.opened_at <= end)
    with view.transaction(commit=False) as session:
        live_concerns = session.execute(opened).scalar() or 0
    return {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
            "events": run.events, "rows": rows,
            "per_rule": dict(Counter(d.rule.id for d in chosen)),
            # As a supervisor meets them: concerns opened (the back-test groups its signals
            # per child as `kopir rules evaluate` does; the live ones were opened for real).
            "concerns": {"would_open": concerns_of(chosen)["opened"], "live": live_concerns}}
