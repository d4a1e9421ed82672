"""Caseload: one row per child with the counters a school's overview needs.

Changes to a child's counters are gathered in memory for the whole batch
(`ChildDelta`) and written with one UPDATE per child at the end of the unit of
work, so a rebuild does not pay one UPDATE per event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import Boolean, Integer, bindparam, case, cast, column, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from domain.model import Child, KopirAggregate
from projections import counters, sql
from projections.tables import children

if TYPE_CHECKING:
    from projections.unit_of_work import UnitOfWork

c = children.c
COUNTERS = ("conflicts", "peer_incidents", "positive_interactions", "sessions_attended",
            "open_escalations")
LATEST = ("last_incident_at", "last_session_at")
SET = ("school_id", "transferred_from", "status", "next_follow_up_on", "version", "updated_at")


@dataclass
class ChildDelta:
    """What a batch changes in one child's caseload row."""

    child_id: str
    conflicts: int = 0
    peer_incidents: int = 0
    positive_interactions: int = 0
    sessions_attended: int = 0
    open_escalations: int = 0
    missed_reset: bool = False
    missed_added: int = 0
    last_incident_at: datetime | None = None
    last_session_at: datetime | None = None
    school_id: str | None = None
    transferred_from: str | None = None
    status: str | None = None
    next_follow_up_on: str | None = None
    version: int | None = None
    updated_at: datetime | None = None

    def touch(self, event: KopirAggregate.Event) -> None:
        self.version = event.originator_version
        self.updated_at = event.timestamp

    def latest(self, name: str, moment: datetime) -> None:
        current = getattr(self, name)
        if current is None or current < moment:
            setattr(self, name, moment)

    def session(self, attendance: str) -> None:
        if attendance == "attended":
            self.missed_reset, self.missed_added = True, 0
        elif attendance == "missed":
            self.missed_added += 1

    def params(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in COUNTERS + LATEST + SET}
        values.update(key=self.child_id, missed_reset=self.missed_reset,
                      missed_added=self.missed_added)
        return values


TYPES = {**{name: c[name].type for name in COUNTERS + LATEST + SET}, "key": c.child_id.type,
         "missed_reset": Boolean(), "missed_added": Integer()}


def _latest(name: str, value: Any) -> Any:
    column = c[name]
    return case((value.is_(None), column), (column.is_(None), value), (column < value, value),
                else_=column)


def _flush(value: Callable[[str], Any]) -> Any:
    """The UPDATE that adds a batch's changes to a child's row, each value from `value`."""
    return update(children).values(
        **{name: c[name] + value(name) for name in COUNTERS},
        **{name: _latest(name, value(name)) for name in LATEST},
        **{name: case((value(name).is_(None), c[name]), else_=value(name)) for name in SET},
        sessions_missed_in_a_row=case(
            (value("missed_reset"), value("missed_added")),
            else_=c.sessions_missed_in_a_row + value("missed_added")),
    )


FLUSH = _flush(lambda name: bindparam(name, type_=TYPES[name])) \
    .where(c.child_id == bindparam("key"))
# On PostgreSQL: one statement for the batch, each parameter an array over the children.
_ROWS = func.unnest(*(cast(bindparam(f"a_{n}"), ARRAY(TYPES[n])) for n in TYPES)) \
    .table_valued(*(column(n, TYPES[n]) for n in TYPES)).render_derived(name="v")
FLUSH_ARRAYS = _flush(lambda name: _ROWS.c[name]).where(c.child_id == _ROWS.c.key)


def flush(uow: "UnitOfWork", deltas: list[ChildDelta]) -> None:
    if deltas:
        _count_moves(uow, [d for d in deltas if d.school_id or d.status])
        rows = [d.params() for d in deltas]
        if uow.session.get_bind().dialect.name == "postgresql":
            uow.session.execute(FLUSH_ARRAYS, {f"a_{n}": [r[n] for r in rows] for n in TYPES})
        else:
            sql.executemany(uow.session, FLUSH, rows)


def _count_moves(uow: "UnitOfWork", moving: list[ChildDelta]) -> None:
    """A transfer or a closure moves the child in the per-school counters (from the row
    as it stands before the batch's update to the row after it)."""
    for first in range(0, len(moving), 500):
        chunk = {d.child_id: d for d in moving[first:first + 500]}
        for row in uow.session.execute(select(c.child_id, c.school_id, c.status)
                                       .where(c.child_id.in_(sorted(chunk)))).all():
            delta = chunk[row.child_id]
            counters.child(uow, row.school_id, row.status, -1)
            counters.child(uow, delta.school_id or row.school_id, delta.status or row.status,
                           +1)


def enrolled(uow: "UnitOfWork", event: Child.ChildEnrolled) -> None:
    counters.child(uow, event.school_id, "open", +1)
    uow.insert(children, {
        "child_id": str(event.originator_id),
        "code": event.code,
        "school_id": event.school_id,
        "grade": event.grade,
        "birth_year": event.birth_year,
        "family_situation": event.family_situation,
        "languages": json.dumps(list(event.languages), ensure_ascii=False),
        "months_schooling_missed": event.months_schooling_missed,
        "support_needs": event.support_needs,
        "returned_from": event.returned_from,
        "personal_name": event.personal_name,
        "enrolled_on": event.occurred_at,
        "status": "open",
        "transferred_from": None,
        "conflicts": 0,
        "peer_incidents": 0,
        "positive_interactions": 0,
        "last_incident_at": None,
        "sessions_attended": 0,
        "sessions_missed_in_a_row": 0,
        "last_session_at": None,
        "next_follow_up_on": None,
        "open_escalations": 0,
        "version": event.originator_version,
        "updated_at": event.timestamp,
    })


def _delta(uow: "UnitOfWork", event: KopirAggregate.Event) -> ChildDelta:
    delta = uow.child(str(event.originator_id))
    delta.touch(event)
    return delta


def transferred(uow: "UnitOfWork", event: Child.ChildTransferred) -> None:
    delta = _delta(uow, event)
    delta.school_id, delta.transferred_from = event.to_school_id, event.school_id


def closed(uow: "UnitOfWork", event: Child.EnrolmentClosed) -> None:
    _delta(uow, event).status = "closed"


def entry_recorded(uow: "UnitOfWork", event: KopirAggregate.Event) -> None:
    delta = _delta(uow, event)
    if isinstance(event, Child.ConflictRecorded):
        delta.conflicts += 1
        delta.latest("last_incident_at", event.occurred_at)
    elif isinstance(event, Child.PeerIncidentRecorded) and event.positive:
        delta.positive_interactions += 1
    elif isinstance(event, Child.PeerIncidentRecorded):
        delta.peer_incidents += 1
        delta.latest("last_incident_at", event.occurred_at)
    elif isinstance(event, Child.CounsellingSessionRecorded):
        delta.session(event.attendance)
        if event.attendance == "attended":
            delta.sessions_attended += 1
            delta.latest("last_session_at", event.occurred_at)
        if event.follow_up_on:
            delta.next_follow_up_on = event.follow_up_on


def corrected(uow: "UnitOfWork", event: KopirAggregate.Event, target_kind: str | None,
              target_fields: dict[str, Any]) -> None:
    """A retraction takes the entry out of the counters; an amendment only touches the row."""
    delta = _delta(uow, event)
    if not isinstance(event, Child.EntryRetracted):
        return
    if target_kind == "ConflictRecorded":
        delta.conflicts -= 1
    elif target_kind == "PeerIncidentRecorded" and target_fields.get("positive"):
        delta.positive_interactions -= 1
    elif target_kind == "PeerIncidentRecorded":
        delta.peer_incidents -= 1
    elif target_kind == "CounsellingSessionRecorded" and target_fields.get("attendance") == "attended":
        delta.sessions_attended -= 1
