"""Wellbeing trajectory: the four indicators of every attended session, for charts."""

from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from domain.model import Child
from projections.tables import wellbeing


def session_recorded(session: Session, event: Child.CounsellingSessionRecorded) -> None:
    if not event.wellbeing:
        return
    session.execute(insert(wellbeing), [{
        "entry_id": event.entry_id,
        "child_id": str(event.originator_id),
        "occurred_at": event.occurred_at,
        **{k: int(v) for k, v in event.wellbeing.items()},
        "retracted": False,
    }])


def retracted(session: Session, event: Child.EntryRetracted) -> None:
    session.execute(update(wellbeing).where(wellbeing.c.entry_id == event.retracts)
                    .values(retracted=True))


def amended(session: Session, event: Child.EntryAmended) -> None:
    if "occurred_at" in event.changes:
        session.execute(update(wellbeing).where(wellbeing.c.entry_id == event.amends)
                        .values(occurred_at=event.changes["occurred_at"]))
