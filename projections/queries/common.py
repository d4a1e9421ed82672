"""What every audience's queries share: the read models, the actor's scope, and how an
entry is shown to a reader (which entries, which fields)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, true

from domain import access
from domain.access import Actor
from domain.application import SchoolIntegration
from projections.views import ReadModelView

AGE_BANDS = ((6, 9, "6–9"), (10, 11, "10–11"), (12, 14, "12–14"), (15, 18, "15–17"))
UNRESOLVED = ("open", "acknowledged", "assigned")  # index-friendly, unlike != "resolved"


@dataclass
class Reader:
    """Reads for people: every query takes the actor first, checks access, returns plain
    data."""

    app: SchoolIntegration
    view: ReadModelView

    def _select(self, statement: Any, tuples: bool = False) -> list[Any]:
        """The rows as dicts by column name (or as tuples)."""
        with self.view.transaction(commit=False) as session:
            result = session.execute(statement)
            if tuples:
                return [tuple(row) for row in result.all()]
            keys = list(result.keys())  # once, not per row (thousands of rows nationally)
            return [dict(zip(keys, row)) for row in result.all()]


HANDLE_CONCERNS = ("psychologist", "supervisor")


def school_staff(people: list[dict[str, Any]], school_id: str) -> list[dict[str, Any]]:
    """Who of these accounts takes on a concern of a school: its psychologists and the
    supervisors named for it (not those who may read every school)."""
    return [p for p in people if p["role"] in HANDLE_CONCERNS and p.get("active", True)
            and school_id in json.loads(p["school_ids"])]


def age_band(birth_year: int, on: datetime) -> str:
    age = on.year - birth_year
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "under 6" if age < 6 else "18+"


def within(column: Any, actor: Actor) -> ColumnElement[bool]:
    """Rows of the actor's schools only (every school for a national role), and of the
    schools of a supervisor they stand in for."""
    schools = actor.oversight_schools
    if access.ALL_SCHOOLS in schools:
        return true()
    return column.in_(sorted(schools))


def decode_lists(row: dict[str, Any]) -> None:
    """An escalation row's JSON columns as lists."""
    row["triggering_entries"] = json.loads(row["triggering_entries"])
    row["history"] = json.loads(row["history"])


def visible(row: dict[str, Any], actor: Actor) -> bool:
    """Teachers see the entries they recorded themselves; other readers see every entry."""
    return access.sees_whole_chronology(actor) or row["recorded_by"] == actor.user_id


def present(row: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """A chronology row as plain data with the fields the actor may see (at any depth: an
    amendment's changes too)."""
    hidden = access.hidden_fields(actor, row.get("school_id"))
    out = access.redact(dict(row), hidden)
    out["fields"] = access.redact(json.loads(row["fields"]), hidden)
    if row.get("original_fields"):
        out["original_fields"] = access.redact(json.loads(row["original_fields"]), hidden)
    return out
