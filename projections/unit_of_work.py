"""A batch of read-model writes: one transaction, inserts gathered per table, the caseload
counters of each child gathered, and the positions recorded once at the end.

A position at or below the one already recorded raises `IntegrityError` and nothing
of the batch is kept, so a replayed batch changes nothing (exactly-once effects).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError, Tracking
from sqlalchemy import Table
from sqlalchemy.orm import Session

from projections import caseload, concerns, counters, plans, sql

if TYPE_CHECKING:
    from projections.views import ReadModelView


@dataclass
class UnitOfWork:
    """A batch of read-model writes: inserts gathered per table, counters per child."""

    session: Session
    view: "ReadModelView"
    positions: dict[str, int] = field(default_factory=dict)
    known: dict[str, int | None] = field(default_factory=dict)
    inserts: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)
    deltas: dict[str, caseload.ChildDelta] = field(default_factory=dict)

    pending: dict[tuple[str, Any], dict[str, Any]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # rows a module changes in place
    # Applying a parked event again, behind the position: the position stays where it is.
    out_of_order: bool = False

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        self.inserts.setdefault(table, []).append(row)
        key = row[table.primary_key.columns.values()[0].name]
        self.pending[(table.name, key)] = row

    def pending_row(self, table: Table, key: Any) -> dict[str, Any] | None:
        """A row gathered in this batch and not yet written (changes to it are kept)."""
        return self.pending.get((table.name, key))

    def child(self, child_id: str) -> caseload.ChildDelta:
        delta = self.deltas.get(child_id)
        if delta is None:
            delta = self.deltas[child_id] = caseload.ChildDelta(child_id)
        return delta

    def flushed(self) -> Session:
        """The session with every gathered insert written (before reading or updating)."""
        plans.before_writing(self)  # on rows written before, so before this batch's rows
        for table, rows in self.inserts.items():
            if rows:
                sql.insert_rows(self.session, table, rows)
        self.inserts.clear()
        self.pending.clear()
        return self.session

    def finish(self) -> None:
        self.flushed()
        concerns.write(self)
        caseload.flush(self, list(self.deltas.values()))
        self.deltas.clear()
        counters.flush(self)  # what the rows above changed in the per-school counters

    def position(self, name: str) -> int | None:
        """The last position processed for an upstream, this batch included."""
        if name in self.positions:
            return self.positions[name]
        if name not in self.known:
            self.known[name] = self.view.max_tracking_id(name)
        return self.known[name]

    def done(self, tracking: Tracking) -> bool:
        current = self.position(tracking.application_name)
        return current is not None and tracking.notification_id <= current

    def advance(self, tracking: Tracking) -> None:
        """Raised (IntegrityError) when the position was already processed."""
        if self.out_of_order:
            return
        if self.done(tracking):
            raise IntegrityError(f"{tracking.application_name} position "
                                 f"{tracking.notification_id} already processed")
        self.positions[tracking.application_name] = tracking.notification_id

