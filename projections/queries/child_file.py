"""A child's file, as one reader may print it: the enrolment facts, the chronology, the
support plan and the concerns with their decisions, each with the fields the reader's role
may see (a class tutor's file has their own entries only, and no concerns). Making the file
is one deliberate read of the child's record, logged once, with the purpose "print"."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from domain import access
from domain.access import Actor
from projections.queries.staff import StaffQueries
from projections.tables import concerns, schools

PURPOSE = "print"


def child_file(staff: StaffQueries, actor: Actor, code: str) -> dict[str, Any]:
    """Everything the reader may see of the child's record, for a printed file: `summary`,
    `school` (id, name, region), `entries` (the chronology, oldest first), `plan`, and
    `concerns` (None when the role does not see concerns). Logged as one read."""
    summary = staff._summary(actor, code)
    entries = staff._chronology(actor, code, None)
    plan = staff.plan(actor, code, logged=False)
    plan = access.redact(plan, access.hidden_fields(actor, summary["school_id"]))
    found = concerns_of(staff, actor, summary["child_id"])
    school = staff._select(select(schools).where(schools.c.school_id == summary["school_id"]))
    staff.app.record_access(actor, code, PURPOSE, fields_shown(summary, entries, plan, found))
    return {"summary": summary, "entries": entries, "plan": plan, "concerns": found,
            "school": {**school[0], "names": json.loads(school[0]["names"] or "{}")} if school
            else {"school_id": summary["school_id"], "name": summary["school_id"], "region": "",
                  "names": {}}}


def concerns_of(staff: StaffQueries, actor: Actor,
                child_id: str) -> list[dict[str, Any]] | None:
    """The child's concerns, every episode (resolved ones too), oldest first, with their
    signals and history of decisions; None for a role that does not see concerns."""
    policy = access.POLICY[actor.role]
    if not (policy.handles_escalations or policy.audits):  # as check_may_see_escalations
        return None
    c = concerns.c
    rows = staff._select(select(concerns).where(c.child_id == child_id)
                         .order_by(c.opened_at, c.episode))
    for row in rows:
        row["signals"] = json.loads(row["signals"])
        row["history"] = json.loads(row["history"])
    return rows


def fields_shown(summary: dict[str, Any], entries: list[dict[str, Any]], plan: dict[str, Any],
                 found: list[dict[str, Any]] | None) -> list[str]:
    """The names of the fields the file shows, for the access log."""
    shown = {"occurred_at", "kind", "recorded_by", *summary}
    for row in entries:
        shown.update(row.get("fields", {}))
        if row.get("confidential_notes"):
            shown.add("confidential_notes")
    if plan.get("status"):
        shown.update(f"plan.{k}" for k, v in plan.items() if v)
    if found:
        shown.update({"concerns", "concern_decisions"})
    return sorted(shown)
