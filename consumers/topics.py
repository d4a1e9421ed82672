"""Kafka clients and topics, configured from KafkaSettings."""

from __future__ import annotations

import time
from contextlib import suppress

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from infrastructure.settings import KafkaSettings


def producer(settings: KafkaSettings) -> KafkaProducer:
    """Idempotent, acks from all in-sync replicas; set explicitly so a conflict raises."""
    return KafkaProducer(bootstrap_servers=settings.bootstrap, enable_idempotence=True,
                         acks="all", linger_ms=5, max_in_flight_requests_per_connection=5,
                         request_timeout_ms=15000, retry_backoff_ms=200,
                         client_id="kopir-relay")


def ensure_topics(settings: KafkaSettings, patience: float = 60.0) -> None:
    """Create the event and dead-letter topics with the configured partitions and retention,
    and the ledger's heads topic (one partition, kept for ever), waiting up to `patience`
    seconds for a broker that is still starting."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return _ensure_topics(settings)
        except (KafkaError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def _ensure_topics(settings: KafkaSettings) -> None:
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap, client_id="kopir-admin")
    try:
        existing = set(admin.list_topics())
        wanted = [NewTopic(name=name, num_partitions=settings.partitions, replication_factor=1,
                           topic_configs={"retention.ms": str(settings.retention_ms)})
                  for name in (settings.topic, settings.dlq_topic) if name not in existing]
        if settings.heads_topic not in existing:
            wanted.append(NewTopic(name=settings.heads_topic, num_partitions=1,
                                   replication_factor=1, topic_configs={"retention.ms": "-1"}))
        if wanted:
            with suppress(TopicAlreadyExistsError):  # another process was quicker
                admin.create_topics(wanted)
    finally:
        admin.close()


def partition_count(settings: KafkaSettings) -> int:
    """How many partitions the event topic has on the broker."""
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap, client_id="kopir-admin")
    try:
        (topic,) = admin.describe_topics([settings.topic])
        return len(topic["partitions"])
    finally:
        admin.close()
