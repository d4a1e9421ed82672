"""Quarantine: an event a follower cannot apply is parked with its reason, not allowed to
stop the follower. The later events of the same stream (a child, an escalation) wait
behind it, parked too, so nothing of that stream is applied out of order; every other
stream stays current. `kopir quarantine list|retry` shows and re-applies them
(`processes.quarantine.retry`).

Parked events live in the follower's own database, written in the same transaction as
its position (the read models' database for the projections, the store's for the
engine): a crash never loses or doubles one. A rebuild of the read models starts their
quarantine afresh, as it does their tables.

What is not one event's fault is never parked: a database that went away, a lost lock,
a missing or wrong master key. Those end the follower (or are waited out), in one
sentence, so its supervisor restarts it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Iterable, Sequence

from eventsourcing.persistence import Notification
from eventsourcing.persistence import PersistenceError as StoreError
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session

from domain.errors import MissingMasterKey
from infrastructure.errors import WrongMasterKey
from infrastructure.store import schema_lock

metadata = MetaData()
parked = Table(
    "kopir_quarantine", metadata,
    Column("follower", String(64), primary_key=True),
    Column("notification_id", BigInteger, primary_key=True, autoincrement=False),
    Column("stream", String(64), nullable=False),
    Column("topic", Text, nullable=False),
    Column("reason", Text, nullable=False),
    # The parked event of the same stream this one waits behind (None: it failed itself).
    Column("waits_behind", BigInteger, nullable=True),
    Column("parked_at", DateTime(timezone=True), nullable=False),
    Index("kopir_quarantine_stream", "follower", "stream"),
)


def isolatable(error: BaseException) -> bool:
    """True when the error is the event's own (it cannot be decoded or applied), not the
    follower's: a database away or refusing, a position another writer took (integrity),
    a master key missing or wrong. Of the database's errors only a value it refuses
    (DataError: too long, out of range) is the event's."""
    if isinstance(error, (MissingMasterKey, WrongMasterKey)):
        return False
    if isinstance(error, (DBAPIError, StoreError, DisconnectionError)):
        return type(error).__name__ == "DataError"
    return True


def reason_of(error: BaseException) -> str:
    text = " ".join(str(error).split())[:500]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def stream_of(notification: Notification) -> str:
    return str(notification.originator_id)


class Quarantine:
    """The parked events of one follower, in the database it writes its position to."""

    def __init__(self, engine: Engine, follower: str) -> None:
        self.engine, self.follower = engine, follower
        with schema_lock(engine):
            metadata.create_all(engine, tables=[parked])
        self.blocked: dict[str, int] = {}
        self.reload()

    def reload(self) -> None:
        """What is parked, as stored (after another process retried or discarded)."""
        p = parked.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(p.stream, p.notification_id).where(p.follower == self.follower)
                .order_by(p.notification_id)).all()
        self.blocked = {}
        for stream, notification_id in rows:
            self.blocked.setdefault(stream, notification_id)

    def behind(self, notification: Notification) -> int | None:
        """The parked event this one must wait behind (None: it may be applied)."""
        return self.blocked.get(stream_of(notification))

    def row(self, notification: Notification, reason: str,
            waits_behind: int | None = None) -> dict[str, Any]:
        return {"follower": self.follower, "notification_id": notification.id,
                "stream": stream_of(notification), "topic": notification.topic,
                "reason": reason, "waits_behind": waits_behind,
                "parked_at": datetime.now(tz=UTC)}

    def waiting(self, notification: Notification, behind: int) -> dict[str, Any]:
        return self.row(notification, f"waits behind event {behind} of the same stream", behind)

    @staticmethod
    def write(session: Session | Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Park rows in the caller's transaction (with the follower's new position)."""
        if rows:
            session.execute(insert(parked), list(rows))

    def committed(self, rows: Iterable[dict[str, Any]]) -> None:
        """The caller's transaction is committed: its parked streams are now blocked."""
        for row in rows:
            self.blocked.setdefault(row["stream"], row["notification_id"])

    def entries(self) -> list[dict[str, Any]]:
        p = parked.c
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(
                select(parked).where(p.follower == self.follower)
                .order_by(p.notification_id))]

    def remove(self, session: Session | Connection, notification_id: int) -> None:
        p = parked.c
        session.execute(delete(parked).where(p.follower == self.follower,
                                             p.notification_id == notification_id))

    def note_failure(self, notification_id: int, reason: str) -> None:
        """A retry failed again: keep the newer reason."""
        p = parked.c
        with self.engine.begin() as connection:
            connection.execute(update(parked).where(
                p.follower == self.follower, p.notification_id == notification_id
            ).values(reason=reason, parked_at=datetime.now(tz=UTC)))

    def clear(self) -> None:
        """Forget everything parked (the read models are being rebuilt from nothing)."""
        with self.engine.begin() as connection:
            connection.execute(delete(parked).where(parked.c.follower == self.follower))
        self.blocked = {}


def parked_counts(engine: Engine) -> dict[str, int]:
    """How many events each follower has parked in this database (for `kopir status`)."""
    from sqlalchemy import func, inspect

    if not inspect(engine).has_table(parked.name):
        return {}
    with engine.connect() as connection:
        return dict(connection.execute(  # type: ignore[arg-type]
            select(parked.c.follower, func.count()).group_by(parked.c.follower)).all())


def parked_entries(engine: Engine, streams: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every follower's parked events in this database (of these streams), oldest first."""
    from sqlalchemy import inspect

    if not inspect(engine).has_table(parked.name):
        return []
    statement = select(parked).order_by(parked.c.notification_id)
    if streams is not None:
        statement = statement.where(parked.c.stream.in_(list(streams)))
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(statement)]
