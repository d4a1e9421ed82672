"""The distributed path end to end: PostgreSQL store → relay → Kafka → consumer group → read models."""

from __future__ import annotations

import json
import random
import subprocess
import time
from datetime import timedelta

import pytest
from kafka import KafkaConsumer, TopicPartition

from bench.stack import (
    PSYCH,
    ROOT,
    manual_clock,
    new_stack,
    record_history,
    tables_equal,
    wait_for,
)
from consumers.documents import CONTRACT
from processes.rebuild import snapshot
from tests import forms
from tests.faults.conftest import scale


@pytest.fixture
def stack(postgres_databases, tmp_path):  # type: ignore[no-untyped-def]
    s = new_stack(postgres_databases, tmp_path)
    yield s
    s.stop_all()


def assert_read_models_equal_rebuild(stack, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    app = stack.app()
    last = app.recorder.max_notification_id()
    app.close()
    view = stack.view()
    wait_for(lambda: stack.applied_everything(view, last), timeout,
             f"the consumers to apply notification {last}")
    assert tables_equal(snapshot(view), stack.reference()) == []
    view.datastore.engine.dispose()


def test_a_command_reaches_the_read_model_through_kafka(stack):
    # A child is enrolled and a conflict recorded through the application (PostgreSQL).
    app = stack.app(manual_clock())
    record_history(app, events=40, children=5)
    stack.start("relay", "relay")
    stack.start("consumer", "consume")
    assert_read_models_equal_rebuild(stack)
    # A new command while everything runs appears within a few seconds; the escalation
    # engine (its own process on the log) raises on it, and that reaches the read models too.
    stack.start("engine", "engine")
    app.clock.advance(timedelta(minutes=1))
    app.record_conflict(PSYCH, "D-1-00000", forms.conflict(app.clock.now(), description="Live",
                                                           severity=5))
    view = stack.view()
    wait_for(lambda: any(r["rule_id"] == "serious-incident" for r in view.rows("rm_escalations")),
             60, "the engine's escalation in the read model")
    assert_read_models_equal_rebuild(stack, timeout=30)
    assert "Traceback" not in stack.log("consumer")
    app.close()


def test_the_relay_publishes_only_ciphertext_and_the_contract_holds(stack):
    app = stack.app(manual_clock())
    record_history(app, events=30, children=3)
    total = app.recorder.max_notification_id()
    stack.start("relay", "relay")
    wait_for(lambda: stack.relayed() >= total, 60, "the relay")
    # A third-party client (Kafka's own console consumer, from the broker's jars) reads the topic.
    lib = subprocess.run(["bash", "scripts/services.sh", "env"], cwd=ROOT, capture_output=True,
                         text=True).stdout.split("KOPIR_KAFKA_LIB='")[1].split("'")[0]
    result = subprocess.run(
        ["java", "-cp", f"{lib}/*", "org.apache.kafka.tools.consumer.ConsoleConsumer",
         "--bootstrap-server", stack.kafka.bootstrap, "--topic", stack.kafka.topic,
         "--from-beginning", "--max-messages", str(total), "--timeout-ms", "30000"],
        capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == total, result.stderr[-2000:]
    import jsonschema

    schema = json.loads(CONTRACT.read_text())
    for line in lines:
        message = json.loads(line)
        jsonschema.validate(message, schema)
        # Nothing typed about a child travels in clear.
        assert "Event " not in line and "D-1-" not in line
    assert {json.loads(line)["notification_id"] for line in lines} == set(range(1, total + 1))
    app.close()


def test_a_consumer_killed_mid_stream_loses_and_duplicates_nothing(stack):
    # make test: 5 kills during 30,000 events; make faults (KOPIR_FAULTS=full): 10 in 100,000
    kills = scale(5, 10)
    app = stack.app(manual_clock())
    record_history(app, events=scale(30_000, 100_000), children=500, batch=2000)
    stack.start("relay", "relay")
    stack.start("consumer", "consume")
    rng = random.Random(42)
    view = stack.view()
    last = app.recorder.max_notification_id()
    mid_stream = 0
    for _kill in range(kills):
        time.sleep(rng.uniform(1.0, 4.0))
        # kill -9 while events are still flowing (at least most of the time).
        mid_stream += not stack.applied_everything(view, last)
        stack.kill9("consumer")
        stack.start("consumer", "consume")
    assert mid_stream > kills // 2, "the consumer finished before most kills: the test proves little"
    assert_read_models_equal_rebuild(stack, timeout=300)
    app.close()


def test_a_relay_killed_before_publishing_publishes_everything_at_least_once(stack):
    app = stack.app(manual_clock())
    record_history(app, events=3000, children=50, batch=100)
    rng = random.Random(7)
    stack.start("relay", "relay")
    for round_ in range(5):
        # Commands are committed to the store while the relay is killed mid-flight.
        time.sleep(rng.uniform(0.05, 0.6))
        stack.kill9("relay")
        record_history(app, events=400, children=10, seed=round_ + 2, batch=50)
        stack.start("relay", "relay")
    stack.start("consumer", "consume")
    assert_read_models_equal_rebuild(stack)
    # Every notification is on the topic at least once.
    consumer = KafkaConsumer(bootstrap_servers=stack.kafka.bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(stack.kafka.topic, p) for p in range(stack.kafka.partitions)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    ends = consumer.end_offsets(partitions)
    seen: list[int] = []
    while any(consumer.position(tp) < ends[tp] for tp in partitions):
        for records in consumer.poll(timeout_ms=1000).values():
            seen += [json.loads(r.value)["notification_id"] for r in records]
    consumer.close()
    last = app.recorder.max_notification_id()
    assert set(seen) == set(range(1, last + 1))
    app.close()


def test_restarting_the_broker_loses_no_acknowledged_event(stack):
    app = stack.app(manual_clock())
    record_history(app, events=20_000, children=200, batch=1000)
    stack.start("relay", "relay")
    stack.start("consumer", "consume")
    # The restart comes mid-stream: once the consumer has applied its first batch (a
    # consumer still starting when the broker goes away cannot bootstrap and exits).
    view = stack.view()
    wait_for(lambda: any(view.max_tracking_id(f"{stack.kafka.topic}#{p}"[:32])
                         for p in range(stack.kafka.partitions)), 90,
             "the consumer to apply its first batch")
    view.datastore.engine.dispose()
    subprocess.run(["bash", "scripts/services.sh", "restart", "kafka"], cwd=ROOT, check=True,
                   timeout=240)
    record_history(app, events=2000, children=20, seed=9, batch=200)
    # Like the deployment's restart policy, bring back a process the outage ended.
    for name in ("relay", "consumer"):
        if stack.processes[name].poll() is not None:
            print(f"{name} exited with {stack.processes[name].returncode}; restarting it")
            stack.processes.pop(name)
            stack.start(name, "consume" if name == "consumer" else "relay")
    assert_read_models_equal_rebuild(stack, timeout=300)
    app.close()


def test_an_erased_child_leaves_no_canary_on_the_topic_or_in_the_consumers_models(stack):
    from kafka import KafkaConsumer as RawConsumer

    from domain.access import Actor, Role

    app = stack.app(manual_clock())
    record_history(app, events=60, children=5)
    for i, code in enumerate(["D-1-00000", "D-1-00001"]):
        app.clock.advance(timedelta(minutes=1))
        app.record_conflict(PSYCH, code, forms.conflict(app.clock.now(),
                                                        description=f"kfcanary{i} in the yard"))
    stack.start("relay", "relay")
    stack.start("consumer", "consume")
    assert_read_models_equal_rebuild(stack)
    admin = Actor("adm", Role.ADMIN, frozenset({"*"}))
    app.erase_personal_data(admin, "D-1-00000", "Mother's written request")
    assert_read_models_equal_rebuild(stack)
    # The consumers' read models: nothing of the erased child, everything of the other.
    view = stack.view()
    text = str(snapshot(view))
    assert "kfcanary0" not in text and "kfcanary1" in text
    view.datastore.engine.dispose()
    # The topic, read raw from the beginning: only ciphertext, no canary at all.
    consumer = RawConsumer(bootstrap_servers=stack.kafka.bootstrap, auto_offset_reset="earliest",
                           enable_auto_commit=False, consumer_timeout_ms=5000)
    partitions = [TopicPartition(stack.kafka.topic, p) for p in range(stack.kafka.partitions)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    raw = b"".join((r.key or b"") + r.value for r in consumer)
    consumer.close()
    assert raw and b"kfcanary" not in raw
    app.close()
