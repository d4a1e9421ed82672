"""A child's concern and the decisions taken on it, as rows of the chronology: opened,
level raised, acknowledged, assigned, snoozed, resolved, reopened. Concerns are not
entries of the child's own stream, so the query merges them in for the readers who handle
or audit concerns (never for class tutors)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from domain import access
from domain.access import POLICY, Actor
from projections.queries.common import Reader
from projections.tables import concerns

KINDS = {"opened": "ConcernOpened", "level_raised": "ConcernLevelRaised",
         "acknowledged": "ConcernAcknowledged", "assigned": "ConcernAssigned",
         "snoozed": "ConcernSnoozed", "resolved": "ConcernResolved",
         "reopened": "ConcernReopened"}


def sees_concerns(actor: Actor) -> bool:
    """Those who handle concerns (psychologists, supervisors) and auditors."""
    policy = POLICY[actor.role]
    return policy.handles_escalations or policy.audits


def _moment(value: Any) -> datetime:
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def concern_rows(reader: Reader, actor: Actor, child_id: str,
                 as_of: datetime | None = None) -> list[dict[str, Any]]:
    """The child's concern decisions as chronology rows (plain data, `fields` a dict), as
    recorded by `as_of` when given; none for a reader who may not see concerns."""
    if not sees_concerns(actor):
        return []
    k = concerns.c
    found = reader._select(select(k.concern_key, k.concern_id, k.school_id, k.level,
                                  k.history).where(k.child_id == child_id, k.status != "folded"))
    rows = []
    for concern in found:
        for number, step in enumerate(json.loads(concern["history"])):
            kind = KINDS.get(step.get("action", ""))
            at = _moment(step["at"])
            if kind is None or (as_of is not None and at > as_of):
                continue
            fields = {"note": step.get("note", "") if step["action"] != "level_raised" else "",
                      "concern_id": concern["concern_id"]}
            for name in ("assignee", "outcome", "until"):
                if step.get(name):
                    fields[name] = step[name]
            if step["action"] == "level_raised":
                fields["level"] = step.get("note", "")
            rows.append({
                "entry_id": f"{concern['concern_key']}:{number}", "child_id": child_id,
                "version": 0, "school_id": concern["school_id"], "kind": kind,
                "occurred_at": at, "recorded_at": at, "recorded_by": step.get("by", ""),
                "role": "", "delay_seconds": 0, "late": False,
                "original_fields": None, "confidential_notes": "", "status": "recorded",
                "corrects": None, "reason": "",
                "fields": access.redact(fields, access.hidden_fields(actor, concern["school_id"]))})
    return rows
