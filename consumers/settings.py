"""Kafka settings, from KOPIR_KAFKA_* environment variables with local defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOPIR_KAFKA_", extra="ignore")

    bootstrap: str = "127.0.0.1:9092"
    topic: str = "kopir.events.v1"
    dlq_topic: str = "kopir.events.v1.dlq"
    partitions: int = 6
    retention_ms: int = 30 * 24 * 3600 * 1000  # the event store keeps everything; Kafka a month
    group_id: str = "kopir-read-models"
    relay_batch: int = 1000
    relay_poll_interval: float = 0.05
    consumer_batch: int = 5000  # 1,000 → 5,000 measured 5.6k → 7.5k events/s per process
    consumer_batch_timeout_ms: int = 50
    session_timeout_ms: int = 10000  # how soon a dead consumer's partitions move on


@lru_cache(maxsize=1)
def kafka_settings() -> KafkaSettings:
    return KafkaSettings()
