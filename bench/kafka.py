"""The distributed path on this machine: consumer throughput and command → read-model latency.

    python -m bench.kafka [--events N] [--commands N]

Needs the services (scripts/services.sh start; `make bench` starts them). Each run
uses fresh PostgreSQL databases and topics.
- throughput: one `kopir consume` process applying N relayed events, against a raw
  aiokafka getmany + psycopg executemany loop over the same topic (same run);
- latency: N commands one after another, each timed until its entry is in the read
  model, via relay → Kafka → consumer, and via the embedded driver on the same store.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg
from aiokafka import AIOKafkaConsumer
from sqlalchemy import select

from bench.common import Row, report
from bench.stack import PSYCH, manual_clock, new_stack, record_history, wait_for
from consumers.relay import Relay
from domain.commands import ConflictReport
from domain.vocabulary import ConflictKind
from infrastructure.settings import KafkaSettings, sqlalchemy_url
from processes.projection_runner import ProjectionRunner
from projections.tables import chronology
from projections.views import ReadModelView


def databases() -> tuple[callable, list[str]]:  # type: ignore[valid-type]
    admin = os.environ["KOPIR_TEST_POSTGRES_URL"]
    base, names = admin.rsplit("/", 1)[0], []

    def create() -> str:
        name = f"kopir_b_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        names.append(name)
        return f"{base}/{name}"

    return create, names


def drop(names: list[str]) -> None:
    with psycopg.connect(os.environ["KOPIR_TEST_POSTGRES_URL"], autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def raw_loop(stack, total: int, target: str, batch: int) -> float:  # type: ignore[no-untyped-def]
    """The baseline: consume the topic and insert one row per message, commit per batch."""
    consumer = AIOKafkaConsumer(stack.kafka.topic, bootstrap_servers=stack.kafka.bootstrap,
                                group_id=f"raw-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    conn = psycopg.connect(target)
    conn.execute("CREATE TABLE raw_events (part INT, off BIGINT, body BYTEA, PRIMARY KEY (part, off))")
    conn.commit()
    await consumer.start()
    done, started = 0, None
    try:
        while done < total:
            batches = await consumer.getmany(timeout_ms=200, max_records=batch)
            for _tp, records in batches.items():
                started = started or time.perf_counter()
                with conn.cursor() as cursor:
                    cursor.executemany("INSERT INTO raw_events VALUES (%s, %s, %s)",
                                       [(r.partition, r.offset, r.value) for r in records])
                conn.commit()
                await consumer.commit()
                done += len(records)
        return time.perf_counter() - started  # type: ignore[operator]
    finally:
        await consumer.stop()
        conn.close()


def peak_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), read before it is stopped."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def throughput(create, tmp: Path, events: int, batch: int,  # type: ignore[no-untyped-def]
               processes: tuple[int, ...] = (1, 2, 3)) -> tuple[list[Row], dict[str, float]]:
    """The same relayed topic applied by 1, 2, 3 consumer processes of one group, each
    run into fresh read models with a group of its own."""
    stack = new_stack(create, tmp, consumer_batch=batch)
    app = stack.app(manual_clock())
    record_history(app, events=events, children=500, batch=2000)
    relay = Relay(stack.app(), stack.kafka)
    while relay.relay_once():
        pass
    relay.close()
    peaks: dict[str, float] = {}
    last = app.recorder.max_notification_id()
    # The raw loop runs before and after the consumers, and its mean is the baseline: on
    # a shared machine its rate alone has moved by half between runs.
    before = asyncio.run(raw_loop(stack, last, create(), batch))
    timings = []
    for n in processes:
        run = replace(stack, views_url=create(), processes={},
                      kafka=stack.kafka.model_copy(update={"group_id": f"{stack.kafka.group_id}-{n}"}))
        view = run.view()
        for i in range(n):
            run.start(f"consumer-{i}", "consume")
        wait_for(lambda: any(view.max_tracking_id(f"{run.kafka.topic}#{p}")
                             for p in range(run.kafka.partitions)), 120, "first batch",
                 interval=0.01)
        started = time.perf_counter()
        wait_for(lambda: run.applied_everything(view, last), 600, "the consumers", interval=0.05)
        seconds = time.perf_counter() - started
        peaks |= {f"consumer {i + 1} of {n}": peak_mib(run.processes[f"consumer-{i}"].pid)
                  for i in range(n)}
        run.stop_all()
        timings.append((n, seconds))
    after = asyncio.run(raw_loop(stack, last, create(), batch))
    print(f"raw aiokafka loop: {last / before:,.0f}/s before the consumers, "
          f"{last / after:,.0f}/s after them")
    rows = [Row(f"consumer: events applied per second, {n} process{'es' * (n > 1)}",
                last, seconds, "raw aiokafka getmany + executemany, 1 process, mean of "
                "a run before and one after", (before + after) / 2)
            for n, seconds in timings]
    app.close()
    return rows, peaks


def latencies(create, tmp: Path, commands: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    stack = new_stack(create, tmp, consumer_batch=1000)
    stack.kafka.relay_poll_interval = 0.01
    app = stack.app(manual_clock())
    codes = record_history(app, events=200, children=20)
    stack.start("relay", "relay")
    stack.start("consumer", "consume")
    view = stack.view()
    wait_for(lambda: stack.applied_everything(view, app.recorder.max_notification_id()), 60,
             "warm-up")
    via_kafka = timed_commands(app, view, codes, commands)
    stack.stop_all()
    # The embedded driver on the same store, into a database of its own.
    embedded_view = ReadModelView.from_url(sqlalchemy_url(create()))
    runner = ProjectionRunner(app, embedded_view, poll_interval=0.01).start()
    runner.wait(app.recorder.max_notification_id(), timeout=60)
    embedded = timed_commands(app, embedded_view, codes, commands)
    runner.stop()
    app.close()
    return via_kafka, embedded


def timed_commands(app, view, codes, commands: int) -> list[float]:  # type: ignore[no-untyped-def]
    result = []
    for n in range(commands):
        app.clock.advance(timedelta(seconds=10))
        started = time.perf_counter()
        entry = app.record_conflict(PSYCH, codes[n % len(codes)], ConflictReport(
            app.clock.now(), ConflictKind.VERBAL, 2, f"Timed {n}"))
        statement = select(chronology.c.entry_id).where(chronology.c.entry_id == entry)
        while True:
            with view.transaction(commit=False) as session:
                if session.execute(statement).first():
                    break
            time.sleep(0.002)
        result.append(time.perf_counter() - started)
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--commands", type=int, default=500)
    parser.add_argument("--consumer-batch", type=int, default=KafkaSettings().consumer_batch)
    args = parser.parse_args()
    create, names = databases()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows, peaks = throughput(create, Path(tmp), args.events, args.consumer_batch)
            via_kafka, embedded = latencies(create, Path(tmp), args.commands)
    finally:
        drop(names)
    report("Distributed path: consumer throughput", rows)
    print("\npeak memory (maximum resident set) per consumer process")
    for name, mib in peaks.items():
        print(f"{name:28} {mib:>8.0f} MiB")
    print(f"\ncommand → read model, {args.commands} commands one after another (milliseconds)")
    print(f"{'path':34} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for name, values in (("relay → Kafka → consumer", via_kafka), ("embedded driver", embedded)):
        print(f"{name:34} " + " ".join(f"{percentile(values, q) * 1000:>8.1f}"
                                       for q in (0.5, 0.95, 0.99, 1.0)))
    print(f"(mean via Kafka {statistics.mean(via_kafka) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
