"""The fault suite: reduced size by default (CI); KOPIR_FAULTS=full for the full size.
Checks shared by the modules: escalations raised, events on the topic."""

from __future__ import annotations

import os
import uuid
from collections import Counter

from eventsourcing.utils import get_topic
from kafka import KafkaConsumer
from sqlalchemy import create_engine, text

from bench.stack import Stack
from consumers.messages import EventEnvelope
from domain.model import Escalation
from infrastructure.settings import Settings

FULL = os.environ.get("KOPIR_FAULTS", "").lower() == "full"


def scale(reduced: int, full: int) -> int:
    return full if FULL else reduced


def raised(settings: Settings) -> list[str]:
    """The escalations in the store, one id per EscalationRaised (duplicates kept)."""
    engine = create_engine(settings.events_url())
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT originator_id FROM schoolintegration_events WHERE topic = :t"),
            {"t": get_topic(Escalation.EscalationRaised)}).scalars().all()
    engine.dispose()
    return [str(r) for r in rows]


def published(stack: Stack) -> Counter[int]:
    """How many times each notification is on the stack's topic."""
    consumer = KafkaConsumer(stack.kafka.topic, bootstrap_servers=stack.kafka.bootstrap,
                             auto_offset_reset="earliest", consumer_timeout_ms=5000,
                             group_id=f"check-{uuid.uuid4().hex[:6]}")
    found = Counter(EventEnvelope.from_bytes(r.value).notification_id for r in consumer)
    consumer.close()
    return found
