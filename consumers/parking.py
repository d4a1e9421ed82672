"""Applying Kafka batches to the read models, and parking what cannot be applied.

One batch is one read-model transaction. Positions are tracked per upstream and
partition (`kopir.events.v1#3`), so a redelivered or republished message is
recognised and skipped; only applied messages move the position. A message that cannot be read or applied is parked (kept in
`kafka_parked`, published to the dead-letter topic with its reason) and so is
every later message of the same child, in order, until `kopir dlq retry`
applies them; every other child stays current.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Protocol, Sequence

from eventsourcing.persistence import InterfaceError, Mapper, OperationalError, Tracking
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    select,
    text,
)
from sqlalchemy.exc import InterfaceError as SAInterfaceError
from sqlalchemy.exc import OperationalError as SAOperationalError

from consumers.messages import DeadLetter, EventEnvelope
from infrastructure.store import schema_lock
from projections.projection import ReadModelProjection
from projections.tables import UTCDateTime
from projections.unit_of_work import UnitOfWork
from projections.views import ReadModelView

log = logging.getLogger(__name__)

# Consumer state kept beside the read models (not part of a rebuild's comparison):
# messages the consumers could not apply, and those of the same child behind them.
metadata = MetaData()
parked = Table(
    "kafka_parked", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("child_key", String(64), nullable=False, index=True),
    Column("topic", String(128), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("notification_id", BigInteger, nullable=True),
    Column("value", LargeBinary, nullable=False),
    Column("reason", Text, nullable=False),
    Column("parked_at", UTCDateTime, nullable=False),
    UniqueConstraint("topic", "partition", "offset", name="kafka_parked_position"),
)


def ensure_parked_table(engine: Any) -> None:
    """Create the parking table beside the read models, once, whoever starts first."""
    with schema_lock(engine):
        metadata.create_all(engine, tables=[parked])


PARKING_LOCK = 0x6B6F706972  # advisory lock id: consumers share it, a retry takes it alone


class Record(Protocol):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


# The database (or its connection) failing is not the message's fault: such errors end
# the batch unacknowledged, to be delivered again, and never park a message.
TRANSIENT = (OperationalError, InterfaceError, SAOperationalError, SAInterfaceError)
CONFLICT_RETRIES = 5
# PostgreSQL's deadlock_detected and serialization_failure.
CONFLICT_STATES = ("40P01", "40001")


def _conflict(error: BaseException) -> bool:
    """True for a deadlock or serialization failure, at any depth of the error's causes."""
    seen: BaseException | None = error
    while seen is not None:
        if getattr(seen, "sqlstate", None) in CONFLICT_STATES or \
                getattr(seen, "pgcode", None) in CONFLICT_STATES:
            return True
        seen = seen.__cause__ or getattr(seen, "orig", None)
    return False


@dataclass
class ApplyFailed(Exception):
    where: tuple[int, int]
    reason: str


@dataclass
class RetryReport:
    applied: int = 0
    discarded: int = 0
    still_parked: dict[str, str] = field(default_factory=dict)


def _key(record: Record) -> str:
    return record.key.decode() if record.key else f"{record.partition}:{record.offset}"


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


class ReadModelConsumer:
    def __init__(self, mapper: Mapper[Any], view: ReadModelView,
                 dead_letters: Any, dlq_topic: str) -> None:
        self.mapper = mapper
        self.view = view
        self.projection = ReadModelProjection(view=view)
        ensure_parked_table(view.engine)
        self.dead_letters = dead_letters  # a producer: .send(topic, key=, value=) and .flush()
        self.dlq_topic = dlq_topic

    # --- the consumer's path ----------------------------------------------------------
    def apply(self, records: Sequence[Record]) -> None:
        """Apply a batch; a message that fails to apply is parked and the batch re-run."""
        failed: dict[tuple[int, int], str] = {}
        conflicts = 0
        while True:
            try:
                self._apply(records, failed)
                return
            except ApplyFailed as failure:
                log.warning("parking partition %s offset %s: %s", *failure.where, failure.reason)
                failed[failure.where] = failure.reason
            except TRANSIENT as error:
                # Another member's transaction won a deadlock or a serialization conflict:
                # the batch was rolled back whole, and runs again (other errors end it).
                conflicts += 1
                if conflicts > CONFLICT_RETRIES or not _conflict(error):
                    raise
                log.warning("the batch met a concurrent writer (%s); applying it again",
                            type(error).__name__)
                time.sleep(0.05 * conflicts)

    def _apply(self, records: Sequence[Record], failed: dict[tuple[int, int], str]) -> None:
        letters: list[DeadLetter] = []
        with self.view.unit_of_work() as uow:
            self._lock(uow, shared=True)
            parked_children = self._parked_children(uow)
            for record in records:
                key = _key(record)
                if key in parked_children and self._is_parked(uow, record):
                    continue  # a redelivery of what is already parked
                name = f"{record.topic}#{record.partition}"[:32]
                try:
                    envelope = EventEnvelope.from_bytes(record.value)
                except Exception as error:
                    letters.append(self._park(uow, record, None, f"cannot read: {_reason(error)}"))
                    parked_children.add(key)
                    continue
                tracking = Tracking(name, envelope.notification_id)
                if uow.done(tracking):
                    continue  # a duplicate delivery: already applied
                reason = failed.get((record.partition, record.offset))
                if key in parked_children:
                    reason = "waiting behind an earlier message of the same child"
                if reason is None:
                    try:
                        event = self.mapper.to_domain_event(envelope.stored_event())
                    except TRANSIENT:
                        raise
                    except Exception as error:
                        reason = f"cannot decode: {_reason(error)}"
                if reason is not None:
                    letters.append(self._park(uow, record, tracking, reason))
                    parked_children.add(key)
                    continue
                try:
                    self.projection.process_event(event, tracking)
                except TRANSIENT:
                    raise
                except Exception as error:
                    raise ApplyFailed((record.partition, record.offset),
                                      f"cannot apply: {_reason(error)}") from error
            self._send(letters)

    def _park(self, uow: UnitOfWork, record: Record, tracking: Tracking | None,
              reason: str) -> DeadLetter:
        session = uow.flushed()
        earlier = session.execute(select(parked.c.offset).where(parked.c.child_key == _key(record))
                                  .order_by(parked.c.id).limit(1)).scalar()
        session.execute(parked.insert().values(
            child_key=_key(record), topic=record.topic, partition=record.partition,
            offset=record.offset, notification_id=tracking.notification_id if tracking else None,
            value=record.value, reason=reason, parked_at=datetime.now(timezone.utc)))
        # The position is not advanced: a message that could not be applied is not trusted,
        # and its redelivery is recognised by its place in the topic instead.
        return DeadLetter(source_topic=record.topic, partition=record.partition,
                          offset=record.offset, key=record.key.decode() if record.key else None,
                          reason=reason, parked_behind=earlier,
                          value=base64.b64encode(record.value).decode())

    def _send(self, letters: Iterable[DeadLetter]) -> None:
        letters = list(letters)
        for letter in letters:
            self.dead_letters.send(self.dlq_topic, key=(letter.key or "").encode(),
                                   value=letter.model_dump_json().encode())
        if letters:
            self.dead_letters.flush(timeout=30)

    def _parked_children(self, uow: UnitOfWork) -> set[str]:
        return set(uow.session.execute(select(parked.c.child_key).distinct()).scalars())

    def _is_parked(self, uow: UnitOfWork, record: Record) -> bool:
        return uow.session.execute(select(parked.c.id).where(
            parked.c.topic == record.topic, parked.c.partition == record.partition,
            parked.c.offset == record.offset)).first() is not None

    def _lock(self, uow: UnitOfWork, shared: bool) -> None:
        """Consumers share the parking lock; a retry holds it alone (PostgreSQL only:
        SQLite serialises writers by itself)."""
        if uow.session.get_bind().dialect.name == "postgresql":
            function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
            uow.session.execute(text(f"SELECT {function}(:k)"), {"k": PARKING_LOCK})

    # --- operators: list and retry ------------------------------------------------------
    def parked_messages(self) -> list[dict[str, Any]]:
        with self.view.transaction(commit=False) as session:
            rows = session.execute(select(parked).order_by(parked.c.child_key, parked.c.id))
            return [{k: v for k, v in r._mapping.items() if k != "value"} for r in rows]

    def retry(self, discard: Sequence[int] = ()) -> RetryReport:
        """Apply parked messages child by child, in order; `discard` drops messages by id."""
        report = RetryReport()
        for child_key in {row["child_key"] for row in self.parked_messages()}:
            try:
                applied, discarded = self._retry_child(child_key, set(discard))
                report.applied += applied
                report.discarded += discarded
            except Exception as error:  # the child stays parked, with the new reason
                report.still_parked[child_key] = _reason(error)
        return report

    def _retry_child(self, child_key: str, discard: set[int]) -> tuple[int, int]:
        applied = discarded = 0
        with self.view.unit_of_work() as uow:
            self._lock(uow, shared=False)
            rows = uow.session.execute(select(parked).where(parked.c.child_key == child_key)
                                       .order_by(parked.c.partition, parked.c.offset)).all()
            for row in rows:
                if row.id in discard:
                    discarded += 1
                else:
                    envelope = EventEnvelope.from_bytes(row.value)
                    event = self.mapper.to_domain_event(envelope.stored_event())
                    name = f"parked:{child_key.replace('-', '')[:24]}"
                    self.projection.process_event(event, Tracking(name, envelope.notification_id))
                    applied += 1
                uow.flushed().execute(delete(parked).where(parked.c.id == row.id))
        return applied, discarded
