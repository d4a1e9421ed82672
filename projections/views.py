"""The read-model view: every write takes a Tracking and lands in one transaction with it.

`ReadModelView` is an eventsourcing tracking recorder (SQLAlchemy) whose tables
are the read models. A write outside a unit of work is its own transaction;
inside `unit_of_work()` a whole batch shares one transaction and the tracking
position is written once, at the end (`projections.unit_of_work`). Each write
method is one kind of event, handed to the writer module of each read model it
touches.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

from eventsourcing.persistence import Tracking
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from domain.model import (
    AccessEntry,
    Child,
    Escalation,
    KopirAggregate,
    School,
    StaffAccount,
)
from domain.regions import region_code
from infrastructure.store import Datastore, schema_lock
from projections import (
    caseload,
    chronology,
    concerns,
    counters,
    erasure,
    escalations,
    plans,
    wellbeing,
)
from projections.tables import (
    READ_MODEL_TABLES,
    SHAPE,
    access_log,
    accounts,
    metadata,
    schools,
    shape,
)
from projections.unit_of_work import UnitOfWork

TRACKING_TABLE = "rm_tracking"


class ReadModelView(SQLAlchemyTrackingRecorder):
    """Materialised views of the SchoolIntegration log."""

    def __init__(self, datastore: SQLAlchemyDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, tracking_table_name=TRACKING_TABLE, **kwargs)
        self._uow: ContextVar[UnitOfWork | None] = ContextVar(f"uow-{id(self)}", default=None)

    @classmethod
    def from_url(cls, url: str) -> "ReadModelView":
        view = cls(Datastore(url=url))
        view.create_table()
        return view

    # --- schema ------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        engine = self.datastore.engine
        if not isinstance(engine, Engine):
            raise TypeError("the read models need a database engine, not a session")
        return engine

    def create_table(self) -> None:
        with schema_lock(self.engine):
            super().create_table()
            metadata.create_all(self.engine, tables=[*READ_MODEL_TABLES, shape])
            if self._shape() is None and not self._projected():  # new read models
                self.mark_current()
            for table in READ_MODEL_TABLES:  # indexes added since the tables were made
                for index in table.indexes:
                    index.create(self.engine, checkfirst=True)

    def outdated(self) -> bool:
        """True when these read models were made by a release whose shape differs (the
        position says something was projected, the shape is not the current one)."""
        return self._shape() != SHAPE

    def _shape(self) -> int | None:
        with self.engine.connect() as connection:
            return connection.execute(select(shape.c.version).where(
                shape.c.name == "read_models")).scalar()

    def _projected(self) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(select(self.tracking_table.c.notification_id)
                                      .limit(1)).first() is not None

    def mark_current(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(shape))
            connection.execute(insert(shape), [{"name": "read_models", "version": SHAPE}])

    def reshape(self) -> None:
        """Drop the read models of an earlier shape and their position: the runner then
        projects the whole log again into the current tables."""
        with schema_lock(self.engine):
            self.drop_tables()
        self.create_table()
        self.mark_current()

    def analyse(self) -> None:
        """Refresh the query planner's statistics. Without them SQLite picked the wrong
        index for the monitor (434 → 1 ms at 267k escalations once analysed); PostgreSQL's
        autovacuum does this on its own, and doing it after a bulk load does no harm."""
        with self.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")

    def drop_tables(self) -> None:
        """Drop the read models and forget the positions (rebuild starts from zero)."""
        metadata.drop_all(self.engine, tables=list(READ_MODEL_TABLES))
        self.tracking_table.drop(self.engine, checkfirst=True)

    # --- transactions --------------------------------------------------------------
    @contextmanager
    def unit_of_work(self, out_of_order: bool = False) -> Iterator[UnitOfWork]:
        """One transaction for a batch of writes; positions recorded once at the end
        (`out_of_order`: events applied behind the position, which stays)."""
        current = self._uow.get()
        if current is not None:
            yield current
            return
        with self.transaction(commit=True) as session:
            uow = UnitOfWork(session=session, view=self, out_of_order=out_of_order)
            token = self._uow.set(uow)
            try:
                yield uow
            finally:
                self._uow.reset(token)
            uow.finish()
            self._write_positions(session, uow)

    def _write_positions(self, session: Session, uow: UnitOfWork) -> None:
        table = self.tracking_table
        for name, position in uow.positions.items():
            if uow.known.get(name) is None and name in uow.known:
                session.execute(insert(table), [{"application_name": name,
                                                 "notification_id": position}])
            else:
                done = session.execute(
                    update(table).where(table.c.application_name == name)
                    .values(notification_id=position)
                ).rowcount
                if not done:
                    session.execute(insert(table), [{"application_name": name,
                                                     "notification_id": position}])

    @contextmanager
    def _tracked(self, tracking: Tracking) -> Iterator[UnitOfWork]:
        with self.unit_of_work() as uow:
            uow.advance(tracking)
            yield uow

    # --- writes: one per kind of event -------------------------------------------
    def note_position(self, tracking: Tracking) -> None:
        """For events no read model needs: the position still moves on."""
        with self.unit_of_work() as uow:
            uow.advance(tracking)

    def school_registered(self, event: School.SchoolRegistered, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            region, names = region_code(event.region), json.dumps(
                event.names, sort_keys=True, ensure_ascii=False)
            counters.school_registered(uow, event.school_id, region)
            uow.insert(schools, {"school_id": event.school_id, "name": event.name,
                                 "region": region, "names": names})

    def child_enrolled(self, event: Child.ChildEnrolled, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            caseload.enrolled(uow, event)
            chronology.record(uow, event)

    def child_transferred(self, event: Child.ChildTransferred, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            caseload.transferred(uow, event)
            chronology.record(uow, event)
            concerns.child_transferred(uow, str(event.originator_id), event.to_school_id)
            plans.moved(uow, str(event.originator_id), event.to_school_id)

    def plan_changed(self, event: KopirAggregate.Event, tracking: Tracking) -> None:
        """A step of the support plan, a consent, a transfer proposed or rejected: in the
        chronology, and in the plan's rows."""
        with self._tracked(tracking) as uow:
            chronology.record(uow, event)
            uow.child(str(event.originator_id)).touch(event)
            plans.plan_changed(uow, event, plans.code_of(uow, str(event.originator_id)))

    def enrolment_closed(self, event: Child.EnrolmentClosed, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            caseload.closed(uow, event)
            chronology.record(uow, event)

    def entry_recorded(self, event: KopirAggregate.Event, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            chronology.record(uow, event)
            caseload.entry_recorded(uow, event)
            if isinstance(event, Child.CounsellingSessionRecorded):
                wellbeing.session_recorded(uow, event)
            plans.entry_recorded(uow, event)

    def entry_corrected(self, event: KopirAggregate.Event, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            kind, fields = chronology.correct(uow, event)
            chronology.record(uow, event)
            caseload.corrected(uow, event, kind, fields)
            escalations.entry_corrected(uow, event)
            plans.entry_corrected(uow, event)
            if isinstance(event, Child.EntryRetracted):
                wellbeing.retracted(uow, event)
            elif isinstance(event, Child.EntryAmended):
                wellbeing.amended(uow, event)

    def escalation_raised(self, event: Escalation.EscalationRaised, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            escalations.raised(uow, event)
            concerns.escalation_raised(uow, event)

    def escalation_changed(self, event: KopirAggregate.Event, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            escalations.changed(uow, event)
            concerns.escalation_changed(uow, event)

    def concern_changed(self, event: KopirAggregate.Event, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            concerns.changed(uow, event)

    def account_registered(self, event: StaffAccount.AccountRegistered,
                           tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            uow.insert(accounts, {"user_id": event.user_id, "display_name": event.display_name,
                                  "display_names": json.dumps(event.display_names,
                                                              sort_keys=True,
                                                              ensure_ascii=False),
                                  "role": event.user_role,
                                  "school_ids": json.dumps(list(event.school_ids)),
                                  "email": "", "digest": True, "language": "",
                                  "active": True})

    def account_changed(self, event: KopirAggregate.Event, tracking: Tracking) -> None:
        """Disabled or enabled, or a new role and schools (a password is no read model's)."""
        if isinstance(event, StaffAccount.RoleChanged):
            values: dict[str, Any] = {"role": event.user_role,
                                      "school_ids": json.dumps(list(event.school_ids))}
        else:
            values = {"active": isinstance(event, StaffAccount.AccountEnabled)}
        with self._tracked(tracking) as uow:
            uow.flushed().execute(update(accounts).where(
                accounts.c.user_id == event.user_id).values(**values))  # type: ignore[attr-defined]

    def notifications_set(self, event: StaffAccount.NotificationsSet,
                          tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            uow.flushed().execute(update(accounts).where(accounts.c.user_id == event.user_id)
                                  .values(email=event.email, digest=event.digest,
                                          language=event.language))

    def personal_data_erased(self, event: Child.PersonalDataErased, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            chronology.record(uow, event)
            erasure.erased(uow, event)
            concerns.erased(uow, str(event.originator_id))

    def record_viewed(self, event: AccessEntry.RecordViewed, tracking: Tracking) -> None:
        with self._tracked(tracking) as uow:
            uow.insert(access_log, {
                "access_id": str(event.originator_id), "child_id": event.child_id,
                "child_code": event.child_code, "school_id": event.school_id,
                "viewed_by": event.recorded_by, "role": event.role, "purpose": event.purpose,
                "fields": json.dumps(list(event.fields)), "as_of": event.as_of,
                "viewed_at": event.timestamp})

    # --- reads ------------------------------------------------------------------------
    def rows(self, table_name: str) -> list[dict[str, Any]]:
        """Every row of a read-model table, in primary-key order (for comparisons)."""
        table = metadata.tables[table_name]
        with self.transaction(commit=False) as session:
            result = session.execute(select(table).order_by(*table.primary_key.columns))
            return [dict(r._mapping) for r in result]

    def count(self, table_name: str) -> int:
        table = metadata.tables[table_name]
        with self.transaction(commit=False) as session:
            return int(session.execute(select(func.count()).select_from(table)).scalar_one())
