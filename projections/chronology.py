"""The chronology: one row per recorded entry of a child, sorted by when it happened.

The row builders are pure functions of events, so the same code serves the
SQL read model and the auditor's replay of a record "as it stood" at a moment.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import select, update

from domain.model import Child, KopirAggregate
from domain.vocabulary import LATE_AFTER
from projections import counters
from projections.tables import chronology

if TYPE_CHECKING:
    from projections.unit_of_work import UnitOfWork

BASE_KEYS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic",
                       "recorded_by", "role", "school_id", "occurred_at", "entry_id",
                       "confidential_notes", "reason"})
CORRECTIONS = (Child.EntryAmended, Child.EntryRetracted)


def dumps(value: Any) -> str:
    """Canonical JSON: the same value always gives the same text (rebuilds compare bytes)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_default,
                      separators=(",", ":"))


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def entry_id_of(event: KopirAggregate.Event) -> str:
    """Entries carry their own id; enrolment, transfer and closure get one from their position."""
    return getattr(event, "entry_id", None) or f"{event.originator_id}:{event.originator_version}"


def entry_row(event: KopirAggregate.Event) -> dict[str, Any]:
    """The chronology row for one event of a child's stream."""
    delay = event.timestamp - event.occurred_at
    values = event.__dict__
    return {
        "entry_id": entry_id_of(event),
        "child_id": str(event.originator_id),
        "version": event.originator_version,
        "school_id": event.school_id,
        "kind": type(event).__name__,
        "occurred_at": event.occurred_at,
        "recorded_at": event.timestamp,
        "recorded_by": event.recorded_by,
        "role": event.role,
        "delay_seconds": max(0, int(delay.total_seconds())),
        "late": delay > LATE_AFTER,
        "fields": dumps({k: v for k, v in values.items() if k not in BASE_KEYS}),
        "original_fields": None,
        "confidential_notes": values.get("confidential_notes", ""),
        "status": "recorded",
        "corrects": getattr(event, "amends", None) or getattr(event, "retracts", None),
        "reason": values.get("reason", ""),
    }


def correction_of(target: dict[str, Any], event: KopirAggregate.Event) -> dict[str, Any]:
    """Column updates of the corrected row: the original content stays visible."""
    if isinstance(event, Child.EntryRetracted):
        return {"status": "retracted"}
    if not isinstance(event, Child.EntryAmended):
        raise TypeError(f"{type(event).__name__} does not correct an entry")
    changes = dict(event.changes)
    updates: dict[str, Any] = {"status": "amended"}
    if "confidential_notes" in changes:
        updates["confidential_notes"] = changes.pop("confidential_notes")
    if target["original_fields"] is None:
        updates["original_fields"] = target["fields"]
    updates["fields"] = dumps({**json.loads(target["fields"]), **changes})
    if "occurred_at" in changes:
        occurred = changes["occurred_at"]
        updates["occurred_at"] = (datetime.fromisoformat(occurred)
                                  if isinstance(occurred, str) else occurred)
    return updates


def replay(events: Iterable[KopirAggregate.Event]) -> list[dict[str, Any]]:
    """The chronology rows of a child built in memory from their events."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        if isinstance(event, CORRECTIONS):
            target = rows.get(event.amends if isinstance(event, Child.EntryAmended)
                              else event.retracts)
            if target is not None:
                target.update(correction_of(target, event))
        row = entry_row(event)
        rows[row["entry_id"]] = row
    return sort_rows(rows.values())


def sort_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["occurred_at"], r["recorded_at"], r["entry_id"]))


# --- the SQL read model ---------------------------------------------------------
def record(uow: "UnitOfWork", event: KopirAggregate.Event) -> None:
    row = entry_row(event)
    uow.insert(chronology, row)
    counters.entry(uow, row, +1)


def correct(uow: "UnitOfWork", event: KopirAggregate.Event) -> tuple[str | None, dict[str, Any]]:
    """Apply a correction to its target row; returns the target's kind and fields as recorded."""
    target_id = event.amends if isinstance(event, Child.EntryAmended) else event.retracts
    pending = uow.pending_row(chronology, target_id)
    if pending is not None:
        recorded_fields, before = json.loads(pending["fields"]), dict(pending)
        pending.update(correction_of(pending, event))
        counters.entry_changed(uow, before, pending)
        return str(pending["kind"]), recorded_fields
    session = uow.session  # not gathered in this batch, so already in the table
    h = chronology.c
    found = session.execute(
        select(h.kind, h.fields, h.original_fields, h.school_id, h.occurred_at, h.status)
        .where(h.entry_id == target_id)
    ).first()
    if found is None:
        return None, {}
    target = dict(found._mapping)
    changes = correction_of(target, event)
    session.execute(update(chronology).where(h.entry_id == target_id).values(**changes))
    counters.entry_changed(uow, target, {**target, **changes})
    return str(target["kind"]), json.loads(target["fields"])
