"""Fencing: the database itself refuses a write by a follower that is no longer the holder
of its lock.

A lock alone cannot stop a holder that lost it in the middle of a batch (its lock
connection cut, the process paused): it checked before the batch and writes after. So
each activation takes a fencing token, the follower's epoch, one higher than the last
(`take`, on the lock's own connection, in the statement that reads it), and every
position write of the follower checks it in its own transaction: the follower's row in
`kopir_fences` is updated only where the epoch is still the writer's (compare-and-set),
and the batch's range is noted with the epoch in `kopir_fence_log`. A stale holder's write
meets a newer epoch and is refused (`Fenced`), rolled back with its whole transaction;
the one taking over waits for a write in flight (the row's lock) and reads the positions
after it.

The check rides on SQLAlchemy's statements: while a follower applies a batch (`fenced`),
a write in that thread to a table of positions (`…tracking`) or of events (`…_events`)
first runs the compare-and-set on the same connection. Work that leaves the database (the
notifier handing a message to SMTP) asks for the same check first (`confirm`).
PostgreSQL only: beside SQLite the kernel's file lock cannot outlive its process.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from eventsourcing.persistence import PersistenceError
from sqlalchemy import event
from sqlalchemy.engine import Engine

FENCES, FENCE_LOG = "kopir_fences", "kopir_fence_log"
SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {FENCES} (name text PRIMARY KEY, epoch bigint NOT NULL, "
    "holder text NOT NULL, taken_at timestamptz NOT NULL DEFAULT now(), "
    "last_position bigint NOT NULL DEFAULT 0)",
    f"CREATE TABLE IF NOT EXISTS {FENCE_LOG} (name text NOT NULL, epoch bigint NOT NULL, "
    "first_position bigint NOT NULL, last_position bigint NOT NULL, "
    "written_at timestamptz NOT NULL DEFAULT clock_timestamp(), "
    "PRIMARY KEY (name, epoch, first_position, last_position))")
WRITES = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE)\s+(?:"?\w+"?\.)?"?(\w+)', re.IGNORECASE)
FENCED_TABLES = ("tracking", "_events")  # positions and events
FENCE_LOG_DAYS = 31
TAKE_TIMEOUT = "10s"  # a stale holder's write in flight is waited for this long at most


class Fenced(PersistenceError):
    """A write by a follower whose lock another instance has taken since."""


@dataclass(frozen=True)
class Fence:
    name: str
    epoch: int
    first: int
    last: int


def take(connection: Any, name: str, holder: str) -> int | None:
    """Become the next holder of `name`'s lock (psycopg connection, the lock's own); the
    new epoch. Waits for a write of the previous holder in flight to end (None when it
    has not ended in time: try again later)."""
    from psycopg.errors import LockNotAvailable

    try:
        return _take(connection, name, holder)
    except LockNotAvailable:
        return None


def holder_label(name: str) -> str:
    """Who takes an epoch (also the lock connection's application_name): name and pid."""
    return f"kopir {name} pid {os.getpid()}"[:63]


def take_on(engine: Any, name: str) -> int | None:
    """`take` on a pooled connection of a SQLAlchemy engine, for a holder without a lock
    connection of its own (a partition given by Kafka); waits as long as a write in
    flight holds the row. None beside SQLite (nothing to fence)."""
    if engine.dialect.name != "postgresql":
        return None
    connection = engine.raw_connection()
    try:
        epoch = None
        while epoch is None:  # None: a stale write held the row past the timeout
            epoch = take(connection.driver_connection, name, holder_label(name))
        return epoch
    finally:
        connection.close()


def _take(connection: Any, name: str, holder: str) -> int:
    with connection.transaction():
        connection.execute(f"SET LOCAL lock_timeout = '{TAKE_TIMEOUT}'")
        connection.execute("SELECT pg_advisory_xact_lock(hashtext('kopir_fences'))")
        for ddl in SCHEMA:  # one session at a time (the lock above)
            connection.execute(ddl)
        # The log serves checks of recent take-overs: what is older than a month goes.
        connection.execute(f"DELETE FROM {FENCE_LOG} WHERE name = %s AND written_at < "
                           f"now() - interval '{FENCE_LOG_DAYS} days'", (name,))
        return int(connection.execute(
            f"INSERT INTO {FENCES} (name, epoch, holder) VALUES (%s, 1, %s) "
            f"ON CONFLICT (name) DO UPDATE SET epoch = {FENCES}.epoch + 1, "
            "holder = EXCLUDED.holder, taken_at = now() RETURNING epoch",
            (name, holder)).fetchone()[0])


_current = threading.local()


@contextmanager
def fenced(lock: Any, first: int, last: int) -> Iterator[None]:
    """Writes of positions and events in this thread, during the block, are checked
    against the epoch of `lock` (a lock without one: not checked). `first`..`last` are the
    positions the writes move over: a batch's; none (first > last) once caught up."""
    epoch = getattr(lock, "epoch", None)
    before = getattr(_current, "fence", None)
    _current.fence = None if epoch is None else Fence(lock.name, epoch, first, last)
    try:
        yield
    finally:
        _current.fence = before


def _fenced_table(statement: str) -> bool:
    found = WRITES.match(statement)
    return found is not None and found[1].lower().endswith(FENCED_TABLES)


@event.listens_for(Engine, "before_cursor_execute")
def _check(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
           executemany: bool) -> None:
    fence: Fence | None = getattr(_current, "fence", None)
    if fence is None or conn.dialect.name != "postgresql" or not _fenced_table(statement):
        return
    _compare_and_set(cursor.connection, fence)


def confirm(connection: Any) -> None:
    """Before work that leaves the database (a message to the SMTP server): check on this
    SQLAlchemy connection that this thread's follower still holds its epoch (`Fenced`
    if another took over); nothing outside `fenced`, or beside SQLite."""
    fence: Fence | None = getattr(_current, "fence", None)
    if fence is not None and connection.dialect.name == "postgresql":
        _compare_and_set(connection.connection.dbapi_connection, fence)


def _compare_and_set(dbapi_connection: Any, fence: Fence) -> None:
    with dbapi_connection.cursor() as check:
        check.execute(f"UPDATE {FENCES} SET last_position = greatest(last_position, %s) "
                      "WHERE name = %s AND epoch = %s", (fence.last, fence.name, fence.epoch))
        if check.rowcount != 1:
            raise Fenced(f"{fence.name}: another instance took the lock over (this one "
                         f"held epoch {fence.epoch}); the write is refused")
        check.execute(f"INSERT INTO {FENCE_LOG} (name, epoch, first_position, last_position) "
                      "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                      (fence.name, fence.epoch, fence.first, fence.last))


def holder(connection: Any, name: str) -> int | None:
    """The backend pid of the session holding follower `name`'s advisory lock in this
    database (psycopg connection): for an operator, or a test that cuts exactly it."""
    from infrastructure.locks import KOPIR_LOCKS, lock_key

    row = connection.execute(
        "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s "
        "AND l.objsubid = 2 AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())",
        (KOPIR_LOCKS, lock_key(name))).fetchone()
    return None if row is None else int(row[0])
