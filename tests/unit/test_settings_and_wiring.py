"""Configuration and wiring that must answer clearly: a variable set but empty means its
default, and followers that keep their position in SQL refuse an in-memory store in one
sentence instead of failing deep inside."""

from __future__ import annotations

import pytest

from domain.application import SchoolIntegration
from domain.errors import KopirError
from infrastructure.settings import MEMORY, KafkaSettings, Settings
from processes.engine_runner import EngineRunner


def test_a_variable_set_but_empty_means_its_default(monkeypatch):
    monkeypatch.setenv("KOPIR_DEBUG", "")
    monkeypatch.setenv("KOPIR_BATCH_SIZE", "")
    monkeypatch.setenv("KOPIR_KAFKA_PARTITIONS", "")
    config = Settings()
    assert config.debug is False and config.batch_size == 1000
    assert config.kafka.partitions == KafkaSettings().partitions == 6


def test_kafka_settings_are_read_with_the_rest(monkeypatch):
    monkeypatch.setenv("KOPIR_KAFKA_TOPIC", "kopir.events.test")
    assert Settings().kafka.topic == "kopir.events.test"


def test_the_engine_refuses_an_in_memory_store_in_one_sentence():
    app = SchoolIntegration(env=Settings(database_url=MEMORY).app_env())
    with pytest.raises(KopirError, match="not on memory://"):
        EngineRunner(app)
