"""Wellbeing trajectory: the four indicators of every attended session, for charts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update

from domain.model import Child
from domain.vocabulary import INDICATORS
from projections.tables import wellbeing

if TYPE_CHECKING:
    from projections.unit_of_work import UnitOfWork


def session_recorded(uow: "UnitOfWork", event: Child.CounsellingSessionRecorded) -> None:
    if not event.wellbeing:
        return
    uow.insert(wellbeing, {
        "entry_id": event.entry_id,
        "child_id": str(event.originator_id),
        "occurred_at": event.occurred_at,
        **{k: None for k in INDICATORS},  # an area not assessed stays empty
        **{k: int(v) for k, v in event.wellbeing.items() if v is not None},
        "retracted": False,
    })


def retracted(uow: "UnitOfWork", event: Child.EntryRetracted) -> None:
    uow.flushed().execute(update(wellbeing).where(wellbeing.c.entry_id == event.retracts)
                    .values(retracted=True))


def amended(uow: "UnitOfWork", event: Child.EntryAmended) -> None:
    if "occurred_at" in event.changes:
        uow.flushed().execute(update(wellbeing).where(wellbeing.c.entry_id == event.amends)
                        .values(occurred_at=event.changes["occurred_at"]))
