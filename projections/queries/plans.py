"""Reads of support plans: a child's plan (as it stands, or as it stood), logged as a read
of the child's record; the transfers waiting for a school's answer."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain import access
from domain.access import Actor
from domain.child import scored_sessions
from projections.plan_view import plan_of
from projections.queries.common import Reader
from projections.tables import accounts, schools, transfers


class PlanQueries(Reader):
    def plan(self, actor: Actor, code: str, as_of: datetime | None = None,
             logged: bool = True) -> dict[str, Any]:
        """The child's support plan with its goals, measures (the person responsible by
        name), reviews (outcomes beside what the record showed), approvals and consents; the
        fields the reader may not see left out. One read of the record, logged (unless the
        page logs the same read already: a replay shows the plan's events in its rows)."""
        events = self.app.child_events(actor, code, as_of=as_of)
        plan = plan_of(events)
        names, by_language = self.staff_names(), self.staff_names_by_language()
        for measure in plan["measures"]:
            measure["responsible_name"] = names.get(measure["responsible"],
                                                    measure["responsible"])
            measure["responsible_names"] = by_language.get(measure["responsible"], {})
        plan["owner_name"] = names.get(plan["owner"], plan["owner"])
        plan["owner_names"] = by_language.get(plan["owner"], {})
        plan["wellbeing_trend"] = _trend(events)
        shown = access.redact(plan, access.hidden_fields(actor))
        if logged:
            self.app.record_access(actor, code, "plan" if as_of is None else "replay",
                                   sorted(k for k, v in shown.items() if v), as_of=as_of)
        return shown  # type: ignore[no-any-return]

    def staff_names(self) -> dict[str, str]:
        a = accounts.c
        return {r["user_id"]: r["display_name"]
                for r in self._select(select(a.user_id, a.display_name))}

    def staff_names_by_language(self) -> dict[str, dict[str, str]]:
        """Each person's name in kk/ru/en, by user id (empty when given in one language)."""
        a = accounts.c
        return {r["user_id"]: json.loads(r["display_names"] or "{}")
                for r in self._select(select(a.user_id, a.display_names))}

    def responsible_people(self, actor: Actor, school_id: str) -> list[dict[str, str]]:
        """Who may be responsible for a measure at a school, by name: its active tutors,
        psychologists and supervisors named for it."""
        access.check_in_scope(actor, school_id, "", "choose a responsible person")
        a = accounts.c
        rows = self._select(select(a.user_id, a.display_name, a.display_names, a.role,
                                   a.school_ids, a.active)
                            .order_by(a.display_name, a.user_id))
        return [{"user_id": r["user_id"], "display_name": r["display_name"],
                 "display_names": json.loads(r["display_names"] or "{}")} for r in rows
                if r["role"] in ("teacher", "psychologist", "supervisor") and r["active"]
                and school_id in json.loads(r["school_ids"])]

    def registered_schools(self) -> list[dict[str, Any]]:
        """Every registered school (the directory a transfer is chosen from)."""
        rows = self._select(select(schools).order_by(schools.c.region, schools.c.name))
        return [{**row, "names": json.loads(row["names"] or "{}")} for row in rows]

    def transfers_waiting(self, actor: Actor) -> list[dict[str, Any]]:
        """Children proposed to move to one of the actor's schools, waiting for an answer:
        their code, the sending school and when, nothing of the record."""
        t = transfers.c
        return [row for row in self._select(
            select(t.child_code, t.from_school_id, t.to_school_id, t.proposed_at)
            .order_by(t.proposed_at)) if actor.covers(row["to_school_id"])]


def _trend(events: list[Any]) -> list[dict[str, Any]]:
    """The wellbeing scores, session by session, for the chart beside the reviews."""
    return [{"occurred_at": e.occurred_at, **dict(e.wellbeing or {})}
            for e in scored_sessions(events)]
