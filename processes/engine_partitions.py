"""The escalation engine shared by several processes: one decider per partition of the log.

In the distributed mode the relay publishes each event keyed by the child it is about
(an escalation's events by its child; a concern's by the concern), so a child's events
stay together, in log order, in one partition of the topic. The engine's processes share
the partitions as a Kafka consumer group (`consumers.engine_group`). For each partition it
holds, a process keeps a `PartitionDecider`: the single engine's rules and recording
(`EngineRunner`) restricted to that partition's events, with a position of its own
(`escalation-engine#p3`: the last log notification of partition 3 it took into account),
written in the same transaction as its decisions. A record at or below that position is
a redelivery and is skipped; Kafka's offsets are committed only after the transaction.

A process given a partition (at start, or because another process died) rebuilds that
partition's rules state from the event log up to the partition's position, as the single
engine does on start, and decides what Kafka delivers after it. A partition taken away and
given back keeps its state only if nobody wrote its position meanwhile. Time-based rules
(absences, deadlines) are decided by the holder of the partition on `tick`, once it has
applied the partition's every record. The embedded mode keeps the single in-process engine.

On PostgreSQL each holding of a partition takes a fencing epoch (`infrastructure.fencing`),
and the decider's writes (decisions and position) check it: a process that lost a
partition in a rebalance it has not noticed yet cannot write for it any more.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence
from uuid import UUID

from eventsourcing.persistence import Notification, Tracking

from domain.model import Escalation
from domain.rules.engine import Decision
from infrastructure import fencing
from infrastructure.fencing import fenced
from processes.engine_runner import ENGINE, EngineRunner
from processes.scan import LogScan

log = logging.getLogger(__name__)
PartitionOf = Callable[[bytes], int]  # a message key -> its partition (the producer's rule)


def decider_name(partition: int) -> str:
    return f"{ENGINE}#p{partition}"


class PartitionDecider(EngineRunner):
    """The engine for the children of one partition."""

    def __init__(self, app: Any, partition: int, **options: Any) -> None:
        super().__init__(app, name=decider_name(partition), **options)
        self.partition = partition
        self.epoch: int | None = None  # the fencing token of this holding (PostgreSQL)

    def take_fence(self) -> None:
        """A fencing epoch newer than any earlier holder's of this partition, taken when
        the partition is given to this process: a process that held it before and writes
        late (it had not noticed the rebalance) is refused by the database. Taking it
        waits for such a write in flight, so what is read after it is complete."""
        engine = getattr(getattr(self.app.recorder, "datastore", None), "engine", None)
        if engine is not None:
            self.epoch = fencing.take_on(engine, self.name)

    def before_batches(self) -> None:
        """Its state is rebuilt by `PartitionedEngine.assign`, for all new partitions at once."""

    def handle(self, notifications: Sequence[Notification]) -> None:
        super().handle(notifications)
        if self._unsaved > (self._position or 0):  # Kafka's offset is committed next: the
            self._record([], Tracking(self.name, self._unsaved))  # position goes first

    def stored_position(self) -> int:
        return self.tracking.max_tracking_id(self.name) or 0


class MessageKeys:
    """The key the relay gives each event: the child it is about, else its own stream."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._children_of_escalations: dict[UUID, UUID] = {}

    def key(self, notification: Notification, event: Any | None = None) -> bytes:
        return str(self.child_of(notification, event) or notification.originator_id).encode()

    def child_of(self, notification: Notification, event: Any | None = None) -> UUID | None:
        if ":Child." in notification.topic:
            return UUID(str(notification.originator_id))
        if ":Escalation." not in notification.topic:
            return None
        escalation = UUID(str(notification.originator_id))
        if escalation not in self._children_of_escalations:
            if event is None:
                event = self.app.mapper.to_domain_event(notification)
            if isinstance(event, Escalation.EscalationRaised):
                child = event.child_id
            else:
                child = self.app.repository.get(escalation).child_id
            self._children_of_escalations[escalation] = UUID(str(child))
        return self._children_of_escalations[escalation]


class PartitionedEngine:
    """The deciders of the partitions this process holds."""

    def __init__(self, app: Any, partition_of: PartitionOf, *, batch_size: int = 2000,
                 **decider_options: Any) -> None:
        self.app = app
        self.partition_of = partition_of
        self.batch_size = batch_size
        self.options = decider_options
        self.keys = MessageKeys(app)
        self.deciders: dict[int, PartitionDecider] = {}
        self.applied: dict[int, int] = {}  # partition -> the next offset after what is applied
        self._suspended: dict[int, PartitionDecider] = {}
        self._lock = threading.RLock()  # the handler, the rebalance listener and the ticks

    # --- the group's assignment ---------------------------------------------------------
    def assign(self, partitions: Iterable[int]) -> None:
        """Hold these partitions (as well): rebuild each new one's state from the log."""
        with self._lock:
            fresh: dict[int, PartitionDecider] = {}
            for partition in partitions:
                if partition in self.deciders:
                    continue
                kept = self._suspended.pop(partition, None)
                if kept is not None:
                    kept.take_fence()
                    if kept.stored_position() == kept.position:
                        self.deciders[partition] = kept  # nobody decided for it meanwhile
                        continue
                    kept.close()
                decider = fresh[partition] = PartitionDecider(self.app, partition,
                                                              **self.options)
                decider.take_fence()
            if fresh:
                self._replay(fresh)
                self.deciders.update(fresh)
                log.warning("escalation engine: partitions %s taken, rebuilt up to %s",
                            sorted(fresh), {p: d.position for p, d in sorted(fresh.items())})

    def revoke(self, partitions: Iterable[int]) -> None:
        """Stop deciding for these partitions (kept aside in case they come back)."""
        with self._lock:
            for partition in partitions:
                decider = self.deciders.pop(partition, None)
                self.applied.pop(partition, None)
                if decider is not None:
                    self._suspended[partition] = decider

    def _replay(self, fresh: dict[int, PartitionDecider]) -> None:
        """One read of the log up to the furthest position, each event to its partition's
        decider if that decider had already taken it into account."""
        upto = max(decider.position for decider in fresh.values())
        parked = {p: {e["notification_id"] for e in d.quarantine.entries()}
                  for p, d in fresh.items()}

        def observe(batch: Sequence[Notification]) -> None:
            for notification in batch:
                event = None
                if ":Escalation." in notification.topic:
                    event = self.app.mapper.to_domain_event(notification)
                partition = self.partition_of(self.keys.key(notification, event))
                decider = fresh.get(partition)
                if decider is None or notification.id > decider.position or \
                        notification.id in parked[partition]:
                    continue
                decider._observe(event or self.app.mapper.to_domain_event(notification))

        if upto:
            LogScan(self.app, observe, batch_size=self.batch_size).process_available(stop=upto)
        for decider in fresh.values():
            decider._withdrawals, decider._rises = [], []  # decided before: in the log
            decider._replayed_to = decider.position

    # --- deciding -----------------------------------------------------------------------
    def apply(self, partition: int, notifications: Sequence[Notification],
              next_offset: int | None = None) -> int:
        """Decide on one partition's records, in order (`next_offset`: the partition's
        offset after them); returns how many were new."""
        with self._lock:
            decider = self.deciders.get(partition)
            if decider is None:  # delivered before the listener was told: take it now
                self.assign([partition])
                decider = self.deciders[partition]
            new = [n for n in notifications if n.id > decider.position]
            if new:
                with self._or_forget(partition, decider), \
                        fenced(decider, new[0].id, new[-1].id):
                    decider.handle(new)
            if next_offset is not None:
                self.applied[partition] = next_offset
            return len(new)

    def tick(self, partitions: Iterable[int]) -> list[Decision]:
        """What is due because time passed, for the partitions given: those held whose
        records are all applied. As the single engine, which decides by the clock only
        once it has read the whole log, a partition still catching up on its history is
        not decided by today's clock in the middle of it."""
        with self._lock:
            decided = []
            for partition in partitions:
                decider = self.deciders.get(partition)
                if decider is not None:
                    with self._or_forget(partition, decider), \
                            fenced(decider, decider.position + 1, decider.position):  # none
                        decided += decider._decide_time()
            return decided

    @contextmanager
    def _or_forget(self, partition: int, decider: PartitionDecider) -> Iterator[None]:
        """A decider whose write failed (refused by the fence: the partition is another's
        now; or the database away) may hold decisions that were not stored: it is let go,
        and the partition's state is rebuilt from the log if it is this process's again."""
        try:
            yield
        except Exception:
            if self.deciders.get(partition) is decider:
                del self.deciders[partition]
                self.applied.pop(partition, None)
            decider.close()
            raise

    def close(self) -> None:
        with self._lock:
            for decider in [*self.deciders.values(), *self._suspended.values()]:
                decider.close()
            self.deciders.clear()
            self._suspended.clear()
