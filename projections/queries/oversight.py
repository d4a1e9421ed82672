"""Reads for oversight (supervisors, psychologists, auditors): the escalation queue and
the live monitor, "why?", how fast escalations are handled, and the caseload."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from domain import access
from domain.access import Actor
from domain.errors import UnknownEscalation
from domain.rules.loader import load_rules
from projections import chronology as chronology_rows
from projections.queries.caseload import caseload
from projections.queries.common import (
    UNRESOLVED,
    decode_lists,
    present,
    school_staff,
    visible,
    within,
)
from projections.queries.concerns import ConcernQueries
from projections.queries.timing import censored_median
from projections.tables import accounts, chronology, concerns, escalations


class OversightQueries(ConcernQueries):
    def caseload(self, actor: Actor, weeks: int = 12,
                 region: str | None = None) -> dict[str, Any]:
        """Per school (with its region), or per region for a national role unless one
        `region` is asked for: children, open concerns by level, overdue acknowledgements,
        incidents and sessions in the last 30 days; incidents per week for the trend chart
        (projections/queries/caseload.py)."""
        access.check_may_see_caseload(actor)
        with self.view.transaction(commit=False):  # one snapshot for every count
            return caseload(self, actor, self.app.clock.now(), weeks, region)

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

    def explain(self, actor: Actor, escalation_id: str, language: str = "en") -> dict[str, Any]:
        """Why an escalation was raised: the rule as written, its version, the window as
        evaluated, and the triggering entries (those the actor may see)."""
        access.check_may_see_escalations(actor)
        e = escalations.c
        [row] = self._select(select(escalations).where(
            e.escalation_id == escalation_id, within(e.school_id, actor))) or [None]
        if row is None:
            raise UnknownEscalation(code="unknown_escalation.in_scope", escalation=escalation_id)
        why: dict[str, Any] = {"escalation": row, **self._why(row, language)}
        wanted = set(row["triggering_entries"])
        rows = self._select(select(chronology).where(chronology.c.entry_id.in_(wanted)))
        why["entries"] = [present(r, actor) for r in chronology_rows.sort_rows(rows)
                          if visible(r, actor)]
        self.app.record_access(actor, row["child_code"], "explain",
                               sorted({"kind", *(k for r in why["entries"] for k in r["fields"])}))
        return why

    @staticmethod
    def _why(row: dict[str, Any], language: str) -> dict[str, Any]:
        """A signal's rule as written, what held when it fired (decodes the row)."""
        if isinstance(row["history"], str):
            decode_lists(row)
        first = row["history"][0] if row["history"] else {}
        why: dict[str, Any] = {"rule": None, "window": None,
                               "fired": list(first.get("fired", [])),
                               "words": list(first.get("words", []))}
        rule = None
        if row["rule_id"] != "manual":
            try:
                rule = load_rules().by_id(row["rule_id"])
            except KeyError:
                rule = None
        if rule is not None:
            why["rule"] = {"id": rule.id, "version": rule.version, "title": rule.title(language),
                           "current_version": rule.version,
                           "same_version": rule.version == row["rule_version"],
                           "level": rule.level, "kind": rule.when.kind,
                           "text": rule.reasons.get(language) or rule.reasons["en"],
                           "condition": {k: v for k, v in vars(rule.when).items()
                                         if v not in ((), None, 0, False, "")}}
            if rule.when.kind == "window":
                why["window"] = {"from": row["due_at"] - timedelta(days=rule.when.days),
                                 "to": row["due_at"], "days": rule.when.days}
        return why

    def escalation_metrics(self, actor: Actor) -> list[dict[str, Any]]:
        """Per school and level: how long from the triggering entry to the signal
        (detection), and from a concern's opening to its acknowledgement and to its
        resolution (medians, in hours). A concern still waiting counts with its age so
        far (`timing.censored_median`); `*_at_least` says the median is only a floor,
        and `waiting`/`overdue` how many concerns nobody has acknowledged yet."""
        signals = self.escalation_queue(actor, include_resolved=True)
        access.check_may_see_escalations(actor)
        k = concerns.c
        handled = self._select(select(k.school_id, k.level, k.opened_at, k.acknowledged_at,
                                      k.resolved_at, k.acknowledge_by)
                               .where(within(k.school_id, actor), k.status != "folded"))
        now = self.app.clock.now()
        groups: dict[tuple[str, str], dict[str, list[Any]]] = {}
        for row in signals:
            groups.setdefault((row["school_id"], row["level"]), {"s": [], "c": []})["s"].append(row)
        for row in handled:
            groups.setdefault((row["school_id"], row["level"]), {"s": [], "c": []})["c"].append(row)

        def seconds(end: Any, start: Any) -> float:
            return float((end - start).total_seconds())

        result = []
        for (school, level), found in sorted(groups.items()):
            detect = [seconds(r["raised_at"], r["due_at"]) for r in found["s"]]
            looked = [r for r in found["c"] if r["acknowledged_at"] or r["resolved_at"]]
            waiting = [r for r in found["c"] if not (r["acknowledged_at"] or r["resolved_at"])]
            ack = censored_median(
                [seconds(r["acknowledged_at"] or r["resolved_at"], r["opened_at"])
                 for r in looked], [seconds(now, r["opened_at"]) for r in waiting])
            resolve = censored_median(
                [seconds(r["resolved_at"], r["opened_at"]) for r in found["c"]
                 if r["resolved_at"]],
                [seconds(now, r["opened_at"]) for r in found["c"] if not r["resolved_at"]])
            result.append({"school_id": school, "level": level, "escalations": len(found["s"]),
                           "concerns": len(found["c"]),
                           "acknowledged": sum(1 for r in found["c"] if r["acknowledged_at"]),
                           "resolved": sum(1 for r in found["c"] if r["resolved_at"]),
                           "waiting": len(waiting),
                           "overdue": sum(1 for r in waiting if r["acknowledge_by"]
                                          and r["acknowledge_by"] < now),
                           "median_hours_to_escalation": censored_median(detect, []).hours,
                           "median_hours_to_acknowledgement": ack.hours,
                           "acknowledgement_at_least": ack.at_least,
                           "median_hours_to_resolution": resolve.hours,
                           "resolution_at_least": resolve.at_least})
        return result

    def staff_of(self, actor: Actor, school_id: str) -> list[dict[str, str]]:
        """Who could take on an escalation of a school, by name: the psychologists and
        supervisors of that school (not everyone who may read every school)."""
        access.check_may_handle_escalations(actor, school_id)
        a = accounts.c
        rows = self._select(select(a.user_id, a.display_name, a.display_names, a.role,
                                   a.school_ids, a.active)
                            .order_by(a.display_name, a.user_id))
        return [{"user_id": r["user_id"], "display_name": r["display_name"],
                 "display_names": json.loads(r["display_names"] or "{}")}
                for r in school_staff(rows, school_id)]
