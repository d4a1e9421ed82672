"""The event store: eventsourcing-sqlalchemy's recorders, reading and writing with SQLAlchemy Core.

The library's recorders build ORM objects for every stored event; on the command
path (load a child, save one event) and the projection path (scan the log) that
object work costs more than the database itself (see bench/core.py). These
subclasses keep the library's tables, locking, notification and transaction
handling, and only replace the three statements with Core equivalents.

Select it with PERSISTENCE_MODULE=infrastructure.store (the settings do). Its factory
also builds the application's mapper (per-child encryption, `infrastructure.cipher`).
"""

from __future__ import annotations

import fcntl
import warnings
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Sequence
from uuid import UUID

import eventsourcing_sqlalchemy.factory as sqlalchemy_factory
from eventsourcing.persistence import Notification, PersistenceError, StoredEvent
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore, exception_classes, transactions
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyApplicationRecorder,
    SQLAlchemyProcessRecorder,
)
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SAWarning, SQLAlchemyError
from sqlalchemy.orm import Session

from domain.errors import KopirError
from infrastructure.cipher import KopirMapper, build_mapper
from infrastructure.group_commit import GroupCommit
from infrastructure.sqlite_writes import Writes


def _bytes(state: Any) -> bytes:
    return bytes(state) if isinstance(state, memoryview) else state


class CoreStatements:
    """Core versions of the recorder's select and insert statements."""

    events_record_cls: Any

    @property
    def _table(self) -> Any:
        return self.events_record_cls.__table__

    def select_events(self, originator_id: UUID | str, gt: Optional[int] = None,
                      lte: Optional[int] = None, desc: bool = False,
                      limit: Optional[int] = None) -> List[StoredEvent]:
        shape = (gt is not None, lte is not None, desc, limit is not None)
        parameters = {"originator_id": originator_id, "gt": gt, "lte": lte, "limit": limit}
        rows = self._read_raw(shape, parameters)
        if rows is None:
            rows = self._read(self._events_statement(*shape), parameters)
        return [StoredEvent(originator_id=r[0], originator_version=r[1], topic=r[2],
                            state=_bytes(r[3])) for r in rows]

    def _events_statement(self, gt: bool, lte: bool, desc: bool, limit: bool) -> Any:
        """One statement per shape, built once: a command loads its child through here
        (the cached aggregate fast-forwarded), and building the statement cost more than
        running it."""
        shapes = self.__dict__.setdefault("_event_statements", {})
        found = shapes.get((gt, lte, desc, limit))
        if found is None:
            t = self._table
            found = select(t.c.originator_id, t.c.originator_version, t.c.topic, t.c.state) \
                .where(t.c.originator_id == bindparam("originator_id"))
            if gt:
                found = found.where(t.c.originator_version > bindparam("gt"))
            if lte:
                found = found.where(t.c.originator_version <= bindparam("lte"))
            found = found.order_by(t.c.originator_version.desc() if desc
                                   else t.c.originator_version)
            if limit:
                found = found.limit(bindparam("limit", literal_execute=False))
            shapes[(gt, lte, desc, limit)] = found
        return found

    def _read_raw(self, shape: tuple[bool, ...], parameters: dict[str, Any]) -> list[Any] | None:
        """A child's events from SQLite on a pooled DBAPI connection, the statement compiled once:
        the command path's load (a cached aggregate fast-forwarded) finds nothing new almost
        always, and the statement's execution through SQLAlchemy cost ten times the
        database's work. None where the read belongs in an open transaction."""
        datastore = self.datastore  # type: ignore[attr-defined]
        engine = datastore.engine
        if datastore.access_lock is not None or datastore.scoped_session is not None or \
                _in_transaction() or not datastore._tried_init_sqlite_wal_mode or \
                engine.dialect.name != "sqlite" or shape[3]:  # the round trip costs more
            return None  # on PostgreSQL; a limited read (a snapshot's) is not the hot path
        compiled = self.__dict__.setdefault("_raw_statements", {}).get(shape)
        if compiled is None:
            statement = self._events_statement(*shape).compile(dialect=engine.dialect)
            uuid = self._table.c.originator_id.type
            compiled = self.__dict__["_raw_statements"][shape] = (
                statement.string, statement.positiontup if statement.positional else None,
                uuid.bind_processor(engine.dialect),
                uuid.result_processor(engine.dialect, None))
        sql, order, to_db, from_db = compiled
        if to_db is not None:
            parameters = {**parameters, "originator_id": to_db(parameters["originator_id"])}
        values = [parameters[name] for name in order] if order is not None else parameters
        try:
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute(sql, values)
                rows = cursor.fetchall()
                cursor.close()
            finally:
                raw.close()
        except Exception as error:  # the driver's own errors, as the library raises them
            raise PersistenceError(error) from error
        if from_db is not None:
            rows = [(from_db(r[0]), *r[1:]) for r in rows]
        return rows

    def _read(self, statement: Any, parameters: dict[str, Any]) -> list[Any]:
        """Run a read: in the transaction this thread has open, if any; otherwise on a
        pooled connection of its own (an ORM session per read cost three times the query;
        an in-memory store keeps the library's access lock)."""
        datastore = self.datastore  # type: ignore[attr-defined]
        if datastore.access_lock is not None or datastore.scoped_session is not None or \
                _in_transaction():
            with self.transaction(commit=False) as session:  # type: ignore[attr-defined]
                return list(session.execute(statement, parameters))
        if not datastore._tried_init_sqlite_wal_mode:
            datastore.init_sqlite_wal_mode()
        try:
            with datastore.engine.connect() as connection:
                return list(connection.execute(statement, parameters))
        except SQLAlchemyError as error:  # as the library's transactions raise them
            raise exception_classes.get(type(error).__name__, PersistenceError)(error) \
                from error

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *,
                             inclusive_of_start: bool = True) -> list[Notification]:
        t = self._table
        statement = select(t.c.id, t.c.originator_id, t.c.originator_version, t.c.topic,
                           t.c.state)
        if start is not None:
            statement = statement.where(t.c.id >= start if inclusive_of_start else t.c.id > start)
        if stop is not None:
            statement = statement.where(t.c.id <= stop)
        if topics:
            statement = statement.where(t.c.topic.in_(topics))
        statement = statement.order_by(t.c.id).limit(limit)
        return [Notification(id=r[0], originator_id=r[1], originator_version=r[2],
                             topic=r[3], state=_bytes(r[4]))
                for r in self._read(statement, {})]

    def _insert_stored_events(self, session: Session, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> Sequence[int]:
        if not stored_events:
            return []
        t = self._table
        self._lock_table(session)  # type: ignore[attr-defined]
        rows = [{"originator_id": e.originator_id, "originator_version": e.originator_version,
                 "topic": e.topic, "state": e.state} for e in stored_events]
        statement = self.__dict__.get("_insert_statement")
        if statement is None:
            statement = self.__dict__["_insert_statement"] = insert(t).returning(
                t.c.id, sort_by_parameter_order=True)
        if len(rows) == 1:  # one command's event: no executemany batching to set up
            ids = [session.execute(statement, rows[0]).scalar_one()]
        else:
            ids = session.execute(statement, rows).scalars().all()
        self._notify_channel(session)  # type: ignore[attr-defined]
        return list(ids)


class ApplicationRecorder(CoreStatements, SQLAlchemyApplicationRecorder):
    """The application's recorder, with Core statements (raw on a SQLite file); commands
    submitted together share a commit (`infrastructure.group_commit`, `.sqlite_writes`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writes = Writes(self, self._write)
        self.group_commit = GroupCommit(self.writes.transaction, self.writes.write)

    def insert_events(self, stored_events: Sequence[StoredEvent], *,
                      session: Optional[Session] = None, **kwargs: Any) -> Optional[Sequence[int]]:
        if session is not None or any(v is not None for v in kwargs.values()) or \
                _in_transaction():  # part of a larger transaction, or with a tracking row
            return super().insert_events(stored_events, session=session, **kwargs)
        return self.group_commit.insert(stored_events)

    def _write(self, session: Session, stored_events: Sequence[StoredEvent]) -> Sequence[int]:
        self._insert_events(session, stored_events)
        return self._insert_stored_events(session, stored_events)


def _in_transaction() -> bool:
    """True when this thread's context has a store transaction open already."""
    try:
        transactions.get()
    except LookupError:
        return False
    return True


class ProcessRecorder(CoreStatements, SQLAlchemyProcessRecorder):
    """The process recorder, with Core statements."""


# Several tracking tables (read models, relay) reuse the library's record class name.
warnings.filterwarnings("ignore", message="This declarative base already contains a class "
                        "with the same class name", category=SAWarning)

SCHEMA_LOCK = 0x6B6F70697273  # advisory lock id for creating tables


def datastore_of(recorder: Any, who: str) -> Any:
    """The SQL datastore under an application's recorder, for a follower that keeps its
    position in the same database; refused in one sentence for an in-memory store."""
    datastore = getattr(recorder, "datastore", None)
    if datastore is None:
        raise KopirError(f"{who} keeps its position in the event store's database: run it on "
                         "SQLite or PostgreSQL, not on memory://.")
    return datastore


@contextmanager
def schema_lock(engine: Engine | Connection | None) -> Iterator[None]:
    """Serialise table creation between processes starting together: an advisory lock on
    PostgreSQL, a file lock beside a SQLite file."""
    if engine is None:
        yield
        return
    if engine.dialect.name == "sqlite":
        database = engine.url.database if isinstance(engine, Engine) else None
        if not database or database == ":memory:" or database.startswith("file:"):
            yield  # in memory, or opened read-only: nobody else creates tables there
            return
        with open(f"{database}.schema.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        return
    with engine.connect() as connection:  # type: ignore[union-attr]
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK})
            connection.commit()


class Datastore(SQLAlchemyDatastore):
    """The library's datastore, asking SQLite to switch to its write-ahead log only when the
    file is not in it yet. The library asks on each process's first transaction, and beside
    a running writer that PRAGMA has met "database is locked" where reading the mode does not."""

    def init_sqlite_wal_mode(self) -> None:
        if self.is_sqlite_filedb and not self.is_sqlite_wal_mode:
            with self.engine.connect() as connection:
                mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            self.is_sqlite_wal_mode = mode == "wal"
        super().init_sqlite_wal_mode()


class Factory(sqlalchemy_factory.SQLAlchemyFactory):
    datastore_class = Datastore
    application_recorder_class = ApplicationRecorder
    process_recorder_class = ProcessRecorder

    def application_recorder(self) -> Any:
        with schema_lock(self.datastore.engine):
            return super().application_recorder()

    def aggregate_recorder(self, purpose: str = "events") -> Any:
        with schema_lock(self.datastore.engine):
            return super().aggregate_recorder(purpose)

    def mapper(self, transcoder: Any = None, mapper_class: Any = None) -> KopirMapper:
        """The mapper, with the data keys kept in the store's own database, and the
        erasures other processes record read from the table `application_recorder` makes
        (the library names it after the application: `<name>_events`)."""
        return build_mapper(self.env, transcoder or self.transcoder(), self.datastore.engine,
                            f"{self.env.name.lower() or 'stored'}_events")


def scrub(engine: Engine) -> None:
    """After an erasure, leave no old page of a SQLite file holding what was removed:
    checkpoint the write-ahead log, rewrite the file, truncate the log. (PostgreSQL keeps
    dead rows until VACUUM reuses their space; dumps and queries never show them.)"""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
