"""The escalation engine as a Kafka consumer group: `kopir engine --group`.

Every process of the group (`KOPIR_KAFKA_ENGINE_GROUP_ID`) reads the event topic and
decides for the partitions Kafka gives it (`processes.engine_partitions`): the rules'
decisions and the partition's position are one transaction in the event store, and the
offsets are committed after it (`consumers.commits`: a failed commit is owed, never fatal;
the watchdog ends a process whose consumer stopped, with one sentence and status 1). When a process dies its
partitions go to the others after the session timeout; each rebuilds their state from
the log and goes on from the recorded positions, so nothing is decided twice or missed.
Time-based rules are decided every `KOPIR_KAFKA_ENGINE_TICK_SECONDS` for the partitions
held whose records are all applied (none left below the partition's high-water mark).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any, Callable

from aiokafka import TopicPartition
from eventsourcing.persistence import Notification
from faststream import FastStream
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from kafka.partitioner.default import murmur2

from consumers.commits import ForgetRevoked, Offsets, Watchdog, apply_batch
from consumers.messages import EventEnvelope
from consumers.topics import ensure_topics, partition_count
from infrastructure.settings import KafkaSettings
from processes.engine_partitions import PartitionedEngine

log = logging.getLogger("kopir.engine")
EngineFactory = Callable[[Callable[[bytes], int]], PartitionedEngine]


def partitioner(partitions: int) -> Callable[[bytes], int]:
    """The producer's rule for a keyed message (kafka-python's default partitioner)."""
    return lambda key: (murmur2(key) & 0x7FFFFFFF) % partitions


def notification(record: Any) -> Notification:
    envelope = EventEnvelope.from_bytes(record.value)
    stored = envelope.stored_event()
    return Notification(id=envelope.notification_id, originator_id=stored.originator_id,
                        originator_version=stored.originator_version, topic=stored.topic,
                        state=stored.state)


class Holdings(ForgetRevoked):
    """Tells the engine which partitions this process holds, as Kafka reassigns them."""

    def __init__(self, topic: str, state: dict[str, Any], offsets: Offsets) -> None:
        super().__init__(offsets)
        self.topic = topic
        self.state = state

    def _mine(self, partitions: set[TopicPartition]) -> list[int]:
        return sorted(tp.partition for tp in partitions if tp.topic == self.topic)

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await super().on_partitions_revoked(revoked)
        if "engine" in self.state:
            await asyncio.to_thread(self.state["engine"].revoke, self._mine(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if "engine" in self.state:  # rebuilding state reads the log: off the event loop
            await asyncio.to_thread(self.state["engine"].assign, self._mine(assigned))


def build(kafka: KafkaSettings, engine_factory: EngineFactory,
          tick_seconds: float = 5.0) -> FastStream:
    broker = KafkaBroker(kafka.bootstrap, client_id="kopir-engine")
    state: dict[str, Any] = {}
    offsets = Offsets()

    subscriber = broker.subscriber(
        kafka.topic, group_id=kafka.engine_group_id, batch=True,
        max_records=kafka.consumer_batch, batch_timeout_ms=kafka.consumer_batch_timeout_ms,
        auto_offset_reset="earliest", ack_policy=AckPolicy.MANUAL,
        listener=Holdings(kafka.topic, state, offsets), decoder=lambda msg: msg.raw_message,
        session_timeout_ms=kafka.session_timeout_ms,
        heartbeat_interval_ms=max(1000, kafka.session_timeout_ms // 3),
        title="escalation-engine",
        description="Decides the escalation rules for the children of the partitions held; "
                    "decisions and positions in one transaction of the event store.")

    def apply(records: Any) -> None:
        by_partition: dict[int, list[Any]] = defaultdict(list)
        for record in records:
            by_partition[record.partition].append(record)
        for partition, mine in by_partition.items():
            state["engine"].apply(partition, [notification(r) for r in mine],
                                  next_offset=mine[-1].offset + 1)

    @subscriber
    async def on_events(msg: KafkaMessage) -> None:
        await apply_batch(subscriber, offsets, msg.raw_message, apply)

    async def caught_up() -> list[int]:
        """The partitions held whose every record is applied (by this process since it
        was given them, or by the one before, whose offsets are committed)."""
        consumer, engine = subscriber.consumer, state["engine"]
        ready = []
        for tp in (consumer.assignment() if consumer is not None else ()):
            end = consumer.highwater(tp)
            done = engine.applied.get(tp.partition)
            if done is None:
                done = await consumer.committed(tp) or 0
            if end is not None and done >= end:
                ready.append(tp.partition)
        return ready

    async def ticking() -> None:
        try:
            while True:
                await asyncio.sleep(tick_seconds)
                ready = await caught_up()
                await asyncio.to_thread(state["engine"].tick, ready)
        except Exception as error:  # the process cannot go on deciding: it ends, and says why
            log.error("escalation engine: the time-based rules failed: %s", error)
            app.failure = error  # type: ignore[attr-defined]
            app.exit()

    async def start() -> None:
        ensure_topics(kafka)  # aiokafka gives up at once on a broker that is not up yet
        partitions = partition_count(kafka)  # the relay's producer places keys over these
        if partitions != kafka.partitions:
            log.warning("escalation engine: %s has %d partitions, not KOPIR_KAFKA_PARTITIONS=%d; "
                        "keys are placed over the topic's own", kafka.topic, partitions,
                        kafka.partitions)
        state["engine"] = engine_factory(partitioner(partitions))
        ensure_topics(kafka)

    async def watch() -> None:
        loop = asyncio.get_running_loop()
        state["tasks"] = [loop.create_task(ticking()), loop.create_task(watchdog.run())]

    async def stop() -> None:
        for task in state.get("tasks", ()):
            task.cancel()
        if "engine" in state:
            state["engine"].close()

    app = FastStream(broker, on_startup=[start], after_startup=[watch], on_shutdown=[stop])
    watchdog = Watchdog(subscriber, offsets, stop=app.exit)
    app.failure = None  # type: ignore[attr-defined]
    app.watchdog = watchdog  # type: ignore[attr-defined]
    return app
