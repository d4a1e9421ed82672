"""A command's events written to a SQLite file on a pooled DBAPI connection.

A command saves one or two events. Through the library's transaction (an ORM session
begun, an INSERT executed through SQLAlchemy, the session committed) the Python work
around those statements cost more than SQLite's own insert and commit. Here the same
rows go into the same table with the same statement, compiled once, on a pooled
connection of the same engine, under the datastore's own write lock, so the library's
transactions in this process (tracking rows, snapshots) and these writes still take
turns. The driver's errors come out as the library's (`IntegrityError` when a child's
version was taken), so the application sees no difference.

Only a file database without a scoped session takes this path; PostgreSQL and an
in-memory store keep the library's transaction.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing_sqlalchemy.datastore import exception_classes
from sqlalchemy import insert
from sqlalchemy.orm import Session

from infrastructure.group_commit import Write

COLUMNS = ("originator_id", "originator_version", "topic", "state")


class Writes:
    """The transaction and the write that group commit uses: raw on a SQLite file, the
    library's session elsewhere (decided per transaction)."""

    def __init__(self, recorder: Any, write: Write) -> None:
        self._recorder = recorder
        self._session_write = write  # the recorder's write in the library's session
        self._compiled: tuple[str, Any] | None = None

    def _raw(self) -> bool:
        datastore = self._recorder.datastore
        engine = datastore.engine
        return engine is not None and engine.dialect.name == "sqlite" and \
            datastore.scoped_session is None and datastore.access_lock is None and \
            datastore.write_lock is not None

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        if not self._raw():
            with self._recorder.transaction(commit=True) as session:
                yield session
            return
        datastore = self._recorder.datastore
        if not datastore._tried_init_sqlite_wal_mode:
            datastore.init_sqlite_wal_mode()
        datastore.write_lock.acquire()
        try:
            raw = datastore.engine.raw_connection()
            try:
                connection = raw.driver_connection
                try:
                    yield connection.cursor()
                    connection.commit()
                except BaseException:
                    connection.rollback()
                    raise
            finally:
                raw.close()
        except PersistenceError:
            raise
        except Exception as error:  # the driver's own, as the library names them
            raise exception_classes.get(type(error).__name__, PersistenceError)(error) \
                from error
        finally:
            datastore.write_lock.release()

    def write(self, handle: Any, stored_events: Sequence[StoredEvent]) -> Sequence[int]:
        if isinstance(handle, Session):
            return self._session_write(handle, stored_events)
        sql, to_db = self._statement()
        ids = []
        for e in stored_events:
            originator_id = to_db(e.originator_id) if to_db is not None else e.originator_id
            handle.execute(sql, (originator_id, e.originator_version, e.topic, e.state))
            ids.append(handle.fetchall()[0][0])
        return ids

    def _statement(self) -> tuple[str, Any]:
        if self._compiled is None:
            table = self._recorder.events_record_cls.__table__
            dialect = self._recorder.datastore.engine.dialect
            compiled = insert(table).returning(table.c.id).compile(
                dialect=dialect, column_keys=list(COLUMNS))
            order = compiled.positiontup
            if tuple(order) != COLUMNS:
                raise RuntimeError(f"unexpected column order in the insert: {order}")
            self._compiled = (compiled.string,
                              table.c.originator_id.type.bind_processor(dialect))
        return self._compiled
