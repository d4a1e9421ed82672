"""Reads for oversight (supervisors, psychologists, auditors): the escalation queue and
the live monitor, "why?", how fast escalations are handled, and the caseload."""

from __future__ import annotations

import json
import statistics
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, true

from domain import access
from domain.access import Actor
from domain.errors import UnknownEscalation
from domain.rules.loader import load_rules
from domain.vocabulary import URGENT_FIRST
from projections import chronology as chronology_rows
from projections.queries.caseload import caseload
from projections.queries.common import (
    UNRESOLVED,
    Reader,
    decode_lists,
    present,
    visible,
    within,
)
from projections.tables import accounts, chronology, escalations


class OversightQueries(Reader):
    def caseload(self, actor: Actor, weeks: int = 12) -> dict[str, Any]:
        """Per school (with its region): children, open escalations by level, incidents
        and sessions in the last 30 days; and incidents per week for the trend chart."""
        access.check_may_see_caseload(actor)
        return caseload(self, actor, self.app.clock.now(), weeks)

    def escalation_queue(self, actor: Actor,
                         include_resolved: bool = False) -> list[dict[str, Any]]:
        access.check_may_see_escalations(actor)
        statement = (select(escalations).where(within(escalations.c.school_id, actor))
                     .order_by(escalations.c.raised_at.desc()))
        if not include_resolved:
            statement = statement.where(escalations.c.status.in_(UNRESOLVED))
        rows = self._select(statement)
        for row in rows:
            decode_lists(row)
        return rows

    def monitor(self, actor: Actor, levels: tuple[str, ...] = URGENT_FIRST,
                school: str | None = None, order: str = "newest", limit: int = 25,
                after: datetime | None = None) -> dict[str, Any]:
        """What the live monitor shows, counted and cut by the database: open counts per
        level, the overdue count, the schools with escalations, how many match the
        filters and the first `limit` of them, and those raised after `after` (for the
        "new" notices). A refresh reads a page, not the country's whole queue."""
        access.check_may_see_escalations(actor)
        e = escalations.c
        now = self.app.clock.now()
        unresolved = and_(e.status.in_(UNRESOLVED), within(e.school_id, actor))
        is_open = e.status == "open"
        # Counted as everywhere else (the list, the caseload): every unresolved one; overdue
        # are those nobody acknowledged by their deadline.
        overdue = and_(is_open, e.acknowledge_by < now)
        counts = {row["level"]: (row["n"], int(row["overdue"] or 0)) for row in self._select(
            select(e.level, func.count().label("n"),
                   func.sum(case((overdue, 1), else_=0)).label("overdue"))
            .where(unresolved).group_by(e.level))}
        schools_seen = [r["school_id"] for r in self._select(
            select(e.school_id).where(unresolved).distinct().order_by(e.school_id))]
        matching = and_(unresolved, e.level.in_(levels),
                        e.school_id == school if school else true())
        total = self._select(select(func.count().label("n")).where(matching))[0]["n"]
        if order == "deadline":  # most urgent first
            # Overdue HIGH (the most recently overdue first), then the least time left, then
            # what is long overdue and not HIGH (newest first), then what is taken on.
            bucket = case((and_(overdue, e.level == "high"), 0), (and_(is_open, ~overdue), 1),
                          (is_open, 2), else_=3)
            ordering = [bucket, case((bucket == 1, e.acknowledge_by), else_=None),
                        case((bucket != 1, e.acknowledge_by), else_=None).desc(),
                        e.raised_at.desc()]
        else:
            ordering = [e.raised_at.desc()]
        rows = self._select(select(escalations).where(matching).order_by(*ordering).limit(limit))
        arrived = [] if after is None else self._select(
            select(escalations).where(unresolved, e.raised_at > after)
            .order_by(e.raised_at).limit(10))
        latest = self._select(select(func.max(e.raised_at).label("at")).where(unresolved))[0]["at"]
        for row in rows + arrived:
            decode_lists(row)
        return {"open": {level: counts.get(level, (0, 0))[0] for level in URGENT_FIRST},
                "overdue": sum(overdue for _, overdue in counts.values()),
                "schools": schools_seen, "total": total, "rows": rows, "arrived": arrived,
                "latest": latest}

    def explain(self, actor: Actor, escalation_id: str, language: str = "en") -> dict[str, Any]:
        """Why an escalation was raised: the rule as written, its version, the window as
        evaluated, and the triggering entries (those the actor may see)."""
        access.check_may_see_escalations(actor)
        e = escalations.c
        [row] = self._select(select(escalations).where(
            e.escalation_id == escalation_id, within(e.school_id, actor))) or [None]
        if row is None:
            raise UnknownEscalation(code="unknown_escalation.in_scope", escalation=escalation_id)
        decode_lists(row)
        first = row["history"][0] if row["history"] else {}
        why: dict[str, Any] = {"escalation": row, "rule": None, "window": None, "entries": [],
                               "fired": list(first.get("fired", [])),
                               "words": list(first.get("words", []))}
        if row["rule_id"] != "manual":
            try:
                rule = load_rules().by_id(row["rule_id"])
            except KeyError:
                rule = None
            if rule is not None:
                why["rule"] = {"id": rule.id, "version": rule.version,
                               "title": rule.title(language),
                               "current_version": rule.version,
                               "same_version": rule.version == row["rule_version"],
                               "level": rule.level, "kind": rule.when.kind,
                               "text": rule.reasons.get(language) or rule.reasons["en"],
                               "condition": {k: v for k, v in vars(rule.when).items()
                                             if v not in ((), None, 0, False, "")}}
                if rule.when.kind == "window":
                    why["window"] = {"from": row["due_at"] - timedelta(days=rule.when.days),
                                     "to": row["due_at"], "days": rule.when.days}
        wanted = set(row["triggering_entries"])
        rows = self._select(select(chronology).where(chronology.c.entry_id.in_(wanted)))
        why["entries"] = [present(r, actor) for r in chronology_rows.sort_rows(rows)
                          if visible(r, actor)]
        self.app.record_access(actor, row["child_code"], "explain",
                               sorted({"kind", *(k for r in why["entries"] for k in r["fields"])}))
        return why

    def escalation_metrics(self, actor: Actor) -> list[dict[str, Any]]:
        """Per school and level: how long from the triggering entry to the escalation
        (detection), to acknowledgement, and to resolution (medians, in hours)."""
        rows = self.escalation_queue(actor, include_resolved=True)
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault((row["school_id"], row["level"]), []).append(row)

        def median_hours(values: list[float]) -> float | None:
            return round(statistics.median(values) / 3600, 2) if values else None

        result = []
        for (school, level), items in sorted(groups.items()):
            detect = [(r["raised_at"] - r["due_at"]).total_seconds() for r in items]
            ack = [(r["acknowledged_at"] - r["raised_at"]).total_seconds()
                   for r in items if r["acknowledged_at"]]
            resolve = [(r["resolved_at"] - r["raised_at"]).total_seconds()
                       for r in items if r["resolved_at"]]
            result.append({"school_id": school, "level": level, "escalations": len(items),
                           "acknowledged": len(ack), "resolved": len(resolve),
                           "median_hours_to_escalation": median_hours(detect),
                           "median_hours_to_acknowledgement": median_hours(ack),
                           "median_hours_to_resolution": median_hours(resolve)})
        return result

    def staff_of(self, actor: Actor, school_id: str) -> list[dict[str, str]]:
        """Who could take on an escalation of a school, by name: the psychologists and
        supervisors of that school (not everyone who may read every school)."""
        access.check_may_handle_escalations(actor, school_id)
        a = accounts.c
        rows = self._select(select(a.user_id, a.display_name, a.school_ids).where(
            a.role.in_(("psychologist", "supervisor"))).order_by(a.display_name, a.user_id))
        return [{"user_id": r["user_id"], "display_name": r["display_name"]} for r in rows
                if school_id in json.loads(r["school_ids"])]
