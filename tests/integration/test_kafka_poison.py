"""Poison messages: parked with their reason, the same child's later events wait, others flow."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
from kafka import KafkaConsumer, KafkaProducer

from bench.stack import (
    PSYCH,
    manual_clock,
    new_stack,
    record_history,
    tables_equal,
    wait_for,
)
from consumers.messages import EventEnvelope
from domain.model import child_id
from infrastructure.settings import settings as cached_settings
from kopir import cli
from processes.rebuild import snapshot
from tests import forms
from tests.readers import Readers


@pytest.fixture
def stack(postgres_databases, tmp_path):  # type: ignore[no-untyped-def]
    s = new_stack(postgres_databases, tmp_path)
    yield s
    s.stop_all()


def dead_letters(stack, count: int) -> list[dict]:  # type: ignore[no-untyped-def]
    consumer = KafkaConsumer(stack.kafka.dlq_topic, bootstrap_servers=stack.kafka.bootstrap,
                             auto_offset_reset="earliest", consumer_timeout_ms=10000,
                             group_id=f"dlq-reader-{uuid.uuid4().hex[:6]}")
    letters = []
    for record in consumer:
        letters.append(json.loads(record.value))
        if len(letters) >= count:
            break
    consumer.close()
    return letters


def test_poison_messages_park_their_child_and_retry_restores_the_model(stack, monkeypatch, capsys):
    app = stack.app(manual_clock())
    codes = record_history(app, events=300, children=12)
    stack.start("relay", "relay")
    stack.start("consumer", "consume")
    wait_for(lambda: stack.relayed() >= 300, 60, "the first events")
    # Three poison messages, each keyed by a different child:
    bad_json, unknown_type, undecryptable = codes[0], codes[1], codes[2]
    producer = KafkaProducer(bootstrap_servers=stack.kafka.bootstrap)
    producer.send(stack.kafka.topic, key=str(child_id(bad_json)).encode(), value=b"{not json")
    real = EventEnvelope.model_validate_json(_first_message(stack))
    producer.send(stack.kafka.topic, key=str(child_id(unknown_type)).encode(),
                  value=real.model_copy(update={
                      "notification_id": 10**9, "topic": "domain.model:Child.SomethingNew",
                      "aggregate_id": child_id(unknown_type)}).to_bytes())
    producer.send(stack.kafka.topic, key=str(child_id(undecryptable)).encode(),
                  value=real.model_copy(update={
                      "notification_id": 10**9 + 1, "aggregate_id": child_id(undecryptable),
                      "payload": base64.b64encode(b"\x00" * 64).decode()}).to_bytes())
    producer.flush()
    producer.close()
    # Then more real events for everyone, the poisoned children included.
    app.clock.advance(timedelta(minutes=5))
    for code in codes:
        app.record_conflict(PSYCH, code, forms.conflict(app.clock.now(), description=f"After {code}"))

    view = stack.view()
    queries = Readers(app, view)
    auditor = forms_auditor()
    # Every other child stays current...
    wait_for(lambda: all(_has(queries, auditor, c) for c in codes[3:]), 60, "other children")
    # ...while the poisoned children's later events wait, in order, behind the poison.
    for code in (bad_json, unknown_type, undecryptable):
        assert not _has(queries, auditor, code)
    letters = dead_letters(stack, 6)
    reasons = {letter["key"]: letter["reason"] for letter in letters if letter["parked_behind"] is None}
    assert reasons[str(child_id(bad_json))].startswith("cannot read")
    assert "cannot decode" in reasons[str(child_id(unknown_type))]
    assert "cannot decode" in reasons[str(child_id(undecryptable))]
    assert any(letter["reason"].startswith("waiting behind") for letter in letters)

    # The operator lists the parked messages, discards the three poison ones, retries the rest.
    monkeypatch.setenv("KOPIR_DATABASE_URL", stack.store_url)
    monkeypatch.setenv("KOPIR_VIEWS_URL", stack.views_url)
    monkeypatch.setenv("KOPIR_CIPHER_KEY", stack.cipher_key)
    monkeypatch.setenv("KOPIR_KAFKA_BOOTSTRAP", stack.kafka.bootstrap)
    monkeypatch.setenv("KOPIR_KAFKA_DLQ_TOPIC", stack.kafka.dlq_topic)
    cached_settings.cache_clear()
    capsys.readouterr()
    assert cli.main(["dlq", "list", "--json"]) == 0
    parked = json.loads(capsys.readouterr().out)
    assert {p["child_key"] for p in parked} == {str(child_id(c)) for c in
                                                (bad_json, unknown_type, undecryptable)}
    poison = [p["id"] for p in parked if not p["reason"].startswith("waiting behind")]
    assert len(poison) == 3
    assert cli.main(["dlq", "retry", "--discard", *map(str, poison)]) == 0
    assert cli.main(["dlq", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1]) == []

    last = app.recorder.max_notification_id()
    wait_for(lambda: stack.applied_everything(view, last), 60, "the consumer")
    assert tables_equal(snapshot(view), stack.reference()) == []
    cached_settings.cache_clear()
    app.close()


def forms_auditor():  # type: ignore[no-untyped-def]
    from domain.access import Actor, Role

    return Actor("aud", Role.AUDITOR, frozenset({"*"}))


def _has(queries: Readers, actor, code: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        rows = queries.staff.chronology(actor, code)
    except Exception:
        return False
    return any(r["fields"].get("description") == f"After {code}" for r in rows)


def _first_message(stack) -> bytes:  # type: ignore[no-untyped-def]
    consumer = KafkaConsumer(stack.kafka.topic, bootstrap_servers=stack.kafka.bootstrap,
                             auto_offset_reset="earliest", consumer_timeout_ms=10000,
                             group_id=f"peek-{uuid.uuid4().hex[:6]}")
    record = next(iter(consumer))
    consumer.close()
    return record.value
