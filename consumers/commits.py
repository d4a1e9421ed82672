"""Offsets after the read-model transaction, and the consumer process's health.

The read-model transaction (the rows and the per-partition tracking) is the truth of
what was applied; the group's committed offset only says where a member that takes a
partition over starts reading. A commit that fails (the broker restarting, the group
coordinator moving, the group rebalancing: `CommitFailedError`, `IllegalStateError`,
any `KafkaError`) therefore only means that some records may be delivered again, and
the tracking recognises and skips them. Such a failure is logged in one line and the
offsets are kept as owed: committed with the next batch, or by the watchdog's next beat
when no batch comes. It never reaches the subscriber's consume loop.

faststream ends its consume loop quietly on `ConsumerStoppedError`, and aiokafka's
consumer, once its coordination task has died, fails every later poll; neither ends
the process. `Watchdog` does: one sentence and a non-zero exit, never a process that
lives on consuming nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Iterable, Protocol

from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

log = logging.getLogger("kopir.consumer")


class Record(Protocol):
    topic: str
    partition: int
    offset: int


def next_offsets(records: Iterable[Record]) -> dict[TopicPartition, int]:
    """Per partition, the offset after the last record of the batch."""
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
    return offsets


def rewind(consumer: Any, records: Iterable[Record]) -> None:
    """A batch that was not applied is read again: each partition this member still
    holds goes back to its earliest record of the batch (one that moved to another
    member is read there from the committed offset)."""
    earliest: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        earliest[tp] = min(earliest.get(tp, record.offset), record.offset)
    assigned = consumer.assignment()
    for tp, offset in earliest.items():
        if tp in assigned:
            consumer.seek(tp, offset)


async def apply_batch(subscriber: Any, offsets: "Offsets", records: Any,
                      apply: Any) -> None:
    """Apply a batch in a worker thread, then commit its offsets; a batch that could not
    be applied is read again. (No consumer under faststream's TestKafkaBroker: no group.)"""
    consumer = subscriber.consumer
    try:
        await asyncio.to_thread(apply, records)
    except Exception:
        if consumer is not None:
            rewind(consumer, records)
        raise
    if consumer is not None:
        await offsets.commit(consumer, next_offsets(records))


class Offsets:
    """Commits applied batches' offsets; what could not be committed is owed."""

    def __init__(self) -> None:
        self.owed: dict[TopicPartition, int] = {}
        self.failed = 0
        self._lock = asyncio.Lock()

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Partitions revoked in a rebalance: whoever holds them next starts from the
        committed offset (a later one may have been committed by another member since)."""
        for tp in partitions:
            self.owed.pop(tp, None)

    async def commit(self, consumer: Any, offsets: dict[TopicPartition, int]) -> bool:
        """Commit `offsets` and whatever is owed; True when nothing is owed any more."""
        async with self._lock:
            for tp, offset in offsets.items():
                self.owed[tp] = max(self.owed.get(tp, 0), offset)
            assigned = consumer.assignment()
            for tp in [tp for tp in self.owed if tp not in assigned]:
                # Another member reads it now, from the last committed offset; what this
                # member applied after that is skipped there by the tracking.
                del self.owed[tp]
            if not self.owed:
                return True
            wanted = dict(self.owed)
            try:
                await consumer.commit(wanted)
            except KafkaError as error:
                self.failed += 1
                log.warning("offsets not committed (%s: %s); the batch is applied and "
                            "tracked, so a redelivery will be skipped; retrying with the "
                            "next batch", type(error).__name__, error)
                return False
            for tp, offset in wanted.items():
                if self.owed.get(tp) == offset:
                    del self.owed[tp]
            return not self.owed


class ForgetRevoked(ConsumerRebalanceListener):  # type: ignore[misc]
    """Drops the owed offsets of revoked partitions; subclasses add what else a member
    does when Kafka moves partitions."""

    def __init__(self, offsets: Offsets) -> None:
        self.offsets = offsets

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.offsets.forget(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Nothing to owe for partitions just given: their offsets are the group's."""


class Watchdog:
    """Every `interval` seconds: commit what is owed, and check that the subscriber
    still consumes. When it cannot go on, `reason` is set and the app is told to exit."""

    def __init__(self, subscriber: Any, offsets: Offsets, stop: Any,
                 interval: float = 2.0) -> None:
        self.subscriber = subscriber
        self.offsets = offsets
        self.stop = stop  # called once, with no argument, when the process must end
        self.interval = interval
        self.reason: str | None = None

    async def run(self) -> None:
        while self.reason is None:
            await asyncio.sleep(self.interval)
            consumer = self.subscriber.consumer
            if consumer is None or not self.subscriber.running:
                continue  # not started yet, or stopping
            self.reason = self.check(consumer)
            if self.reason is not None:
                log.error("the consumer cannot go on: %s", self.reason)
                self.stop()
                return
            if self.offsets.owed and not self.offsets.busy:
                await self.offsets.commit(consumer, {})

    def check(self, consumer: Any) -> str | None:
        if getattr(consumer, "_closed", False):
            return "its Kafka consumer was closed while the app runs"
        if not any(not task.done() for task in self.subscriber.tasks):
            return "its consume loop has ended"
        # aiokafka's own background tasks: nothing in aiokafka checks that the fetcher's is
        # alive (its `error_future` is never read), so a dead one means empty polls forever.
        for what, owner, name in (
                ("group coordination", getattr(consumer, "_coordinator", None),
                 "_coordination_task"),
                ("fetching", getattr(consumer, "_fetcher", None), "_fetch_task")):
            task = getattr(owner, name, None)
            if task is not None and task.done():
                error = None if task.cancelled() else task.exception()
                return f"its Kafka {what} has ended ({error!r})"
        return None
