"""Erasure in the read models: when a child's keys are destroyed, their free text and
personal fields go from every table, leaving exactly what a rebuild from the (now
partly unreadable) log gives: the same rows with those values empty."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from domain.vocabulary import NESTED_FIELDS, PERSONAL_FIELDS
from projections import escalations as escalations_model
from projections.chronology import dumps
from projections.tables import children, chronology, escalations, measures

if TYPE_CHECKING:
    from domain.model import Child
    from projections.unit_of_work import UnitOfWork


def blank(fields: dict[str, Any]) -> dict[str, Any]:
    """The same fields with personal values emptied (as they read back after erasure)."""
    out = {k: ("" if k in PERSONAL_FIELDS else v) for k, v in fields.items()}
    for name in NESTED_FIELDS:
        if isinstance(out.get(name), dict):
            out[name] = blank(out[name])
    return out


def erased(uow: "UnitOfWork", event: "Child.PersonalDataErased") -> None:
    child_id = str(event.originator_id)
    session = uow.flushed()
    c = chronology.c
    for row in session.execute(select(c.entry_id, c.fields, c.original_fields)
                               .where(c.child_id == child_id)).all():
        original = None if row.original_fields is None else \
            dumps(blank(json.loads(row.original_fields)))
        session.execute(update(chronology).where(c.entry_id == row.entry_id).values(
            fields=dumps(blank(json.loads(row.fields))), original_fields=original,
            confidential_notes="", reason=""))
    code = session.execute(select(children.c.code)
                           .where(children.c.child_id == child_id)).scalar()
    session.execute(update(children).where(children.c.child_id == child_id).values(
        support_needs="", returned_from="", personal_name=""))
    session.execute(update(measures).where(measures.c.child_id == child_id).values(outcome=""))
    if code:
        unnamed(session, child_id, code)
    e = escalations.c
    for row in session.execute(select(e.escalation_id, e.rationale, e.history)
                               .where(e.child_id == child_id)).all():
        session.execute(update(escalations).where(e.escalation_id == row.escalation_id).values(
            reason="", rationale=None if row.rationale is None else "",
            history=dumps(escalations_model.without_personal_notes(json.loads(row.history)))))


def unnamed(session: Any, child_id: str, code: str) -> None:
    """Shared incidents in other children's records stop naming the erased child: their
    code becomes empty there, as the application shows the events."""
    c = chronology.c
    for row in session.execute(select(c.entry_id, c.fields, c.original_fields).where(
            c.child_id != child_id, c.fields.contains(f'"{code}"'))).all():
        values = {"fields": dumps(_without(json.loads(row.fields), code))}
        if row.original_fields is not None:
            values["original_fields"] = dumps(_without(json.loads(row.original_fields), code))
        session.execute(update(chronology).where(c.entry_id == row.entry_id).values(**values))


def _without(fields: dict[str, Any], code: str) -> dict[str, Any]:
    parts = fields.get("participants")
    if not isinstance(parts, list):
        return fields
    return {**fields, "participants": [
        {**p, "child_code": ""} if isinstance(p, dict) and p.get("child_code") == code else p
        for p in parts]}
