"""The consumer group: a faststream app whose handler drives the read-model projection.

Offsets are committed only after the read-model transaction has committed, by the
handler itself (AckPolicy.MANUAL, `consumers.commits`): a batch that raises is rewound
to its first records, and a commit that fails (a broker restart, a coordinator change,
a rebalance) is logged and owed, never raised, since the tracking makes a redelivery
harmless. A watchdog ends the process with one sentence and a non-zero status when the
subscriber cannot consume any more. Run several processes with the same group to share
the partitions: `kopir consume`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from faststream import FastStream
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from faststream.specification import AsyncAPI

from consumers.commits import ForgetRevoked, Offsets, Watchdog, apply_batch
from consumers.messages import DeadLetter, EventEnvelope
from consumers.parking import ReadModelConsumer
from consumers.topics import ensure_topics
from infrastructure.settings import KafkaSettings, settings

log = logging.getLogger("kopir.consumer")


def records_as_they_are(msg: KafkaMessage) -> Any:
    """The handler reads the records themselves (a body that is not JSON must reach the
    parking logic), so the batch is not parsed and JSON-decoded record by record first:
    that was a tenth of a consumer's time."""
    return msg.raw_message


ConsumerFactory = Callable[[KafkaSettings], ReadModelConsumer]


def build(kafka_settings: KafkaSettings | None = None,
          consumer_factory: ConsumerFactory | None = None) -> FastStream:
    """The consumer group's app; `consumer_factory` (from `kopir.bootstrap`) makes what the
    handler applies batches with, when the app starts (without one, the app only describes
    itself: the AsyncAPI document). `watchdog(app)` tells why it stopped, if it did."""
    kafka = kafka_settings or settings().kafka
    broker = KafkaBroker(kafka.bootstrap, client_id="kopir-consumer")
    state: dict[str, ReadModelConsumer] = {}
    offsets = Offsets()

    subscriber = broker.subscriber(
        kafka.topic, group_id=kafka.group_id, batch=True, max_records=kafka.consumer_batch,
        batch_timeout_ms=kafka.consumer_batch_timeout_ms, auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL, title="read-models", decoder=records_as_they_are,
        listener=ForgetRevoked(offsets),
        session_timeout_ms=kafka.session_timeout_ms,
        heartbeat_interval_ms=max(1000, kafka.session_timeout_ms // 3),
        description="Applies SchoolIntegration events to the read models, one transaction "
                    "per batch, positions tracked per partition.",
    )

    @subscriber
    async def on_events(msg: KafkaMessage) -> None:
        # Raw records: a message that is not even JSON must reach the parking logic.
        await apply_batch(subscriber, offsets, msg.raw_message, state["consumer"].apply)

    # What flows on the topics, for the AsyncAPI document (the relay and the parking
    # logic send with kafka-python).
    broker.publisher(kafka.topic, title="events", schema=EventEnvelope,
                     description="Published by the outbox relay (kopir relay), keyed by child id.")
    broker.publisher(kafka.dlq_topic, title="dead-letters", schema=DeadLetter,
                     description="Messages the read models could not apply, with the reason.")

    async def start() -> None:
        if consumer_factory is None:
            raise RuntimeError("the consumer group needs its read-model consumer: "
                               "start it with `kopir consume`")
        # aiokafka's consumer gives up at once when it cannot bootstrap (client.py
        # "Unable to bootstrap from"): wait here for a broker that is starting or
        # restarting, before the dead-letter producer and again right before it.
        ensure_topics(kafka)
        state["consumer"] = consumer_factory(kafka)
        ensure_topics(kafka)

    tasks: list[asyncio.Task[None]] = []

    async def watch() -> None:
        tasks.append(asyncio.create_task(app.watchdog.run()))  # type: ignore[attr-defined]

    async def unwatch() -> None:
        for task in tasks:
            task.cancel()

    app = FastStream(broker, on_startup=[start], after_startup=[watch], on_shutdown=[unwatch],
                     specification=AsyncAPI(title="Köpir events", version="1.0.0",
                                            description="The SchoolIntegration event log on "
                                                        "Kafka: envelope kopir.event/1."))
    app.watchdog = Watchdog(subscriber, offsets, stop=app.exit)  # type: ignore[attr-defined]
    return app


def watchdog(app: FastStream) -> Watchdog:
    return app.watchdog  # type: ignore[attr-defined, no-any-return]
