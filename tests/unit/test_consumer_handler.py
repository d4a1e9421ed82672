"""The faststream handler is thin: each batch goes to one ReadModelConsumer.apply call.

faststream's TestKafkaBroker (no broker, no groups, no offsets) checks the wiring only;
the real consumer group is tested against a real Kafka in tests/integration.
"""

from __future__ import annotations

import asyncio

from faststream.kafka import TestKafkaBroker

from consumers.app import build
from infrastructure.settings import KafkaSettings


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[bytes]] = []

    def apply(self, records):  # type: ignore[no-untyped-def]
        self.batches.append([r.value for r in records])


def test_each_batch_is_handed_over_raw_even_when_it_is_not_json(monkeypatch):
    recorder = Recorder()
    kafka = KafkaSettings.model_construct()
    app = build(kafka, consumer_factory=lambda _: recorder)

    async def scenario() -> None:
        broker = app.broker
        async with TestKafkaBroker(broker) as test_broker:
            for start in app._on_startup_calling:  # type: ignore[attr-defined]
                await start()
            await test_broker.publish_batch(b"not json {", b'{"ok": 1}', topic=kafka.topic)

    monkeypatch.setattr("consumers.app.ensure_topics", lambda _: None)  # no broker here
    asyncio.run(scenario())
    assert recorder.batches == [[b"not json {", b'{"ok": 1}']]
