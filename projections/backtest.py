"""Back-testing a rules file: what it would have raised over history, next to the live queue.

Runs a fresh rule engine over the event log, with time moving as it moved when the
events were recorded, and writes nothing: no event, no read-model row.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from domain.application import SchoolIntegration
from domain.model import Escalation
from domain.rules.engine import Decision, Engine
from domain.rules.loader import RuleSet
from projections.tables import escalations
from projections.views import ReadModelView


def backtest(app: SchoolIntegration, view: ReadModelView, rules: RuleSet,
             start: datetime | None = None, end: datetime | None = None,
             batch_size: int = 2000) -> dict[str, Any]:
    engine = Engine(rules)
    decisions: list[Decision] = []
    position, events, day = 1, 0, None
    while True:
        notifications = app.recorder.select_notifications(position, batch_size)
        if not notifications:
            break
        for notification in notifications:
            event = app.mapper.to_domain_event(notification)
            if end is not None and event.timestamp > end:
                break
            if isinstance(event, Escalation.EscalationRaised) and event.rule_id != "manual":
                continue  # the live engine's decisions are what we compare against
            if day != event.timestamp.date():  # time-based rules, once per recorded day
                day = event.timestamp.date()
                decisions += engine.tick(event.timestamp)
            decisions += engine.observe(event, event.timestamp)
            events += 1
        else:
            position = notifications[-1].id + 1
            continue
        break
    decisions += engine.tick(end or app.clock.now())
    chosen = [d for d in decisions if (start is None or d.detected_at >= start)
              and (end is None or d.detected_at <= end)]
    would = Counter((d.rule.id, d.school_id) for d in chosen)
    live = _live(view, start, end)
    rows = [{"rule_id": rule, "school_id": school, "would_raise": would.get((rule, school), 0),
             "live": live.get((rule, school), 0)}
            for rule, school in sorted(set(would) | set(live)) if rule != "manual"]
    return {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
            "events": events, "rows": rows,
            "per_rule": dict(Counter(d.rule.id for d in chosen))}


def _live(view: ReadModelView, start: datetime | None, end: datetime | None) -> Counter:
    e = escalations.c
    statement = select(e.rule_id, e.school_id, func.count()).group_by(e.rule_id, e.school_id)
    if start is not None:
        statement = statement.where(e.raised_at >= start)
    if end is not None:
        statement = statement.where(e.raised_at <= end)
    with view.transaction(commit=False) as session:
        return Counter({(r[0], r[1]): r[2] for r in session.execute(statement)})
