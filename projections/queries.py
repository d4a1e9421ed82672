"""Reads for people: every query takes the actor first, checks access, returns plain data.

Current state comes from the read models; "as it stood at a moment" is replayed
from the event log itself, with the same row builders the projection uses.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from domain import access
from domain.access import Actor
from domain.application import SchoolIntegration
from domain.errors import UnknownChild, UnknownEscalation
from projections import chronology as chronology_rows
from projections.tables import children, chronology, escalations, schools, wellbeing
from projections.views import ReadModelView

AGE_BANDS = ((6, 9, "6–9"), (10, 11, "10–11"), (12, 14, "12–14"), (15, 18, "15–17"))


def age_band(birth_year: int, on: datetime) -> str:
    age = on.year - birth_year
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "under 6" if age < 6 else "18+"


@dataclass
class Queries:
    app: SchoolIntegration
    view: ReadModelView

    def _select(self, statement: Any) -> list[dict[str, Any]]:
        with self.view.transaction(commit=False) as session:
            return [dict(r._mapping) for r in session.execute(statement)]

    # --- children -------------------------------------------------------------------
    def children(self, actor: Actor, school_id: str | None = None) -> list[dict[str, Any]]:
        """Children in the actor's scope (optionally one school): codes, school, state."""
        if actor.role == access.Role.ADMIN:
            access.check_may_read_child(actor, school_id or "")
        c = children.c
        statement = select(c.code, c.child_id, c.school_id, c.grade, c.birth_year, c.status,
                           c.open_escalations, c.last_session_at).order_by(c.code)
        if school_id is not None:
            statement = statement.where(c.school_id == school_id)
        now = self.app.clock.now()
        rows = [r for r in self._select(statement) if actor.covers(r["school_id"])]
        for row in rows:
            row["age_band"] = age_band(row.pop("birth_year"), now)
        return rows

    def child_summary(self, actor: Actor, code: str) -> dict[str, Any]:
        found = self._select(select(children).where(children.c.code == code))
        if not found:
            raise UnknownChild(f"No child with code {code} is enrolled in Köpir.")
        row = found[0]
        access.check_may_read_child(actor, row["school_id"])
        hidden = access.hidden_fields(actor)
        row["languages"] = json.loads(row["languages"])
        row["age_band"] = age_band(row["birth_year"], self.app.clock.now())
        return {k: v for k, v in row.items() if k not in hidden}

    # --- chronology -------------------------------------------------------------------
    def chronology(self, actor: Actor, code: str,
                   as_of: datetime | None = None) -> list[dict[str, Any]]:
        """A child's entries by when they happened; `as_of` replays what was recorded by then."""
        if as_of is None:
            summary = self.child_summary(actor, code)
            rows = chronology_rows.sort_rows(self._select(
                select(chronology).where(chronology.c.child_id == summary["child_id"])))
        else:
            rows = chronology_rows.replay(self.app.child_events(actor, code, as_of=as_of))
        return [present(row, actor) for row in rows if visible(row, actor)]

    def wellbeing(self, actor: Actor, code: str) -> list[dict[str, Any]]:
        summary = self.child_summary(actor, code)
        w = wellbeing.c
        return self._select(select(w.occurred_at, w.social_ties, w.school_engagement,
                                   w.emotional_state, w.family_support)
                            .where(w.child_id == summary["child_id"], w.retracted.is_(False))
                            .order_by(w.occurred_at))

    # --- escalations and caseload -----------------------------------------------------
    def escalation_queue(self, actor: Actor, include_resolved: bool = False) -> list[dict[str, Any]]:
        if actor.role not in (access.Role.SUPERVISOR, access.Role.PSYCHOLOGIST,
                              access.Role.AUDITOR):
            raise access.NotAuthorised("The escalation queue is for supervisors and psychologists.")
        statement = select(escalations).order_by(escalations.c.raised_at.desc())
        if not include_resolved:
            statement = statement.where(escalations.c.status != "resolved")
        rows = [r for r in self._select(statement) if actor.covers(r["school_id"])]
        for row in rows:
            row["triggering_entries"] = json.loads(row["triggering_entries"])
            row["history"] = json.loads(row["history"])
        return rows

    def explain(self, actor: Actor, escalation_id: str, language: str = "en") -> dict[str, Any]:
        """Why an escalation was raised: the rule as written, its version, the window as
        evaluated, and the triggering entries (those the actor may see)."""
        from domain.rules.loader import load_rules

        [row] = [r for r in self.escalation_queue(actor, include_resolved=True)
                 if r["escalation_id"] == escalation_id] or [None]
        if row is None:
            raise UnknownEscalation(f"No escalation {escalation_id} in your schools.")
        why: dict[str, Any] = {"escalation": row, "rule": None, "window": None, "entries": []}
        if row["rule_id"] != "manual":
            try:
                rule = load_rules().by_id(row["rule_id"])
            except KeyError:
                rule = None
            if rule is not None:
                why["rule"] = {"id": rule.id, "version": rule.version,
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

    def schools(self, actor: Actor) -> list[dict[str, Any]]:
        rows = self._select(select(schools).order_by(schools.c.school_id))
        return [r for r in rows if actor.covers(r["school_id"])]


def visible(row: dict[str, Any], actor: Actor) -> bool:
    """Teachers see the entries they recorded themselves; other readers see every entry."""
    return access.sees_whole_chronology(actor) or row["recorded_by"] == actor.user_id


def present(row: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """A chronology row as plain data with the fields the actor may see."""
    hidden = access.hidden_fields(actor)
    out = dict(row)
    out["fields"] = {k: v for k, v in json.loads(row["fields"]).items() if k not in hidden}
    if row.get("original_fields"):
        out["original_fields"] = {k: v for k, v in json.loads(row["original_fields"]).items()
                                  if k not in hidden}
    if "confidential_notes" in hidden:
        out.pop("confidential_notes", None)
    return out
