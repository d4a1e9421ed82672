"""The outbox relay: the event store's notification log, published to Kafka in order.

The relay reads from its tracked position, publishes each event keyed by the
child it is about, waits for the broker's acknowledgement of the whole batch,
and only then records the new position (in the event store's database). A crash
between publish and record republishes the batch: duplicates are possible, loss
is not, and the consumers ignore what they have already applied.
"""

from __future__ import annotations

import base64
from typing import Any, Sequence

from eventsourcing.persistence import Notification, Tracking
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from kafka.errors import KafkaError

from consumers.messages import EventEnvelope
from consumers.parking import TRANSIENT
from consumers.topics import ensure_topics, producer
from domain.application import SchoolIntegration
from domain.errors import KopirError
from infrastructure.locks import FollowerLock
from infrastructure.settings import KafkaSettings
from infrastructure.store import datastore_of, schema_lock
from processes.engine_partitions import MessageKeys
from processes.follower import LogFollower

RELAY_TRACKING_TABLE = "relay_tracking"


def relay_tracking(app: SchoolIntegration) -> SQLAlchemyTrackingRecorder:
    """The relay's position table, in the event store's own database."""
    tracking = SQLAlchemyTrackingRecorder(datastore_of(app.recorder, "The relay"),
                                          tracking_table_name=RELAY_TRACKING_TABLE)
    with schema_lock(tracking.datastore.engine):
        tracking.create_table()
    return tracking


def relay_name(settings: KafkaSettings) -> str:
    return f"relay:{settings.topic}"[:32]


def relayed_position(app: SchoolIntegration, settings: KafkaSettings) -> int:
    """The last notification the broker has acknowledged for this topic."""
    return relay_tracking(app).max_tracking_id(relay_name(settings)) or 0


class PlaintextRefused(KopirError):
    """Raised when the relay would publish event content that is not encrypted."""


class Relay(LogFollower):
    """A follower of the log whose batches go to Kafka; broker and database trouble is
    waited out without advancing the position."""

    name = "relay"
    transient = (KafkaError, *TRANSIENT)

    def __init__(self, app: SchoolIntegration, settings: KafkaSettings,
                 kafka_producer: Any | None = None, lock: FollowerLock | None = None) -> None:
        if not getattr(app.mapper, "encrypts", False):
            raise PlaintextRefused("The relay publishes only ciphertext: set KOPIR_CIPHER_KEY "
                                   "(base64 of 16, 24 or 32 random bytes).")
        super().__init__(app, batch_size=settings.relay_batch,
                         poll_interval=settings.relay_poll_interval, lock=lock)
        self.settings = settings
        self.name = relay_name(settings)
        self.tracking = relay_tracking(app)
        ensure_topics(settings)
        self.producer = kafka_producer or producer(settings)
        self.keys = MessageKeys(app)  # the child each event is about: the message key

    @property
    def position(self) -> int:
        return self.tracking.max_tracking_id(self.name) or 0

    def envelope(self, notification: Notification) -> EventEnvelope:
        event = self.app.mapper.to_domain_event(notification)
        return EventEnvelope(
            notification_id=notification.id, event_type=type(event).__name__,
            topic=notification.topic, aggregate_id=notification.originator_id,
            aggregate_version=notification.originator_version,
            child_id=self.keys.child_of(notification, event), school_id=event.school_id,
            occurred_at=event.occurred_at, recorded_at=event.timestamp,
            payload=base64.b64encode(notification.state).decode())

    def handle(self, notifications: Sequence[Notification]) -> None:
        """Publish a batch, wait for the broker's acknowledgement of all of it, then
        record the new position."""
        futures = []
        try:
            for notification in notifications:
                envelope = self.envelope(notification)
                key = str(envelope.child_id or envelope.aggregate_id).encode()  # MessageKeys
                futures.append(self.producer.send(self.settings.topic, key=key,
                                                  value=envelope.to_bytes()))
            self.producer.flush(timeout=self.settings.relay_flush_seconds)
            for future in futures:  # raises if the broker did not acknowledge
                future.get(timeout=self.settings.relay_flush_seconds)
        except KafkaError:
            # A producer that lived through a broker restart can wait for ever on
            # connections that are gone: the batch is sent again (the position did not move)
            # by a new one, after the follower's pause.
            self.producer.close(timeout=0)
            self.producer = producer(self.settings)
            raise
        self.tracking.insert_tracking(Tracking(self.name, notifications[-1].id))

    def relay_once(self) -> int:
        """Publish the next batch; returns how many events were published and recorded."""
        batch = self.app.recorder.select_notifications(self.position + 1, self.batch_size)
        if batch:
            self.handle(batch)
        return len(batch)

    def close(self) -> None:
        super().close()
        self.producer.close(timeout=10)
