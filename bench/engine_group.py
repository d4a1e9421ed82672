"""The escalation engine's throughput with one and with two processes of its consumer group,
against the single in-process engine over the same log, in the same run.

    python -m bench.engine_group [--events 20000] [--children 1000]

A history is recorded in PostgreSQL and published to a fresh topic once; each measure
starts from a copy of that store (so every run decides the same things from zero):

- baseline: the single engine (`kopir engine`'s follower) catching up in this process;
- `kopir engine --group` with 1 process, then with 2: from the processes' start until the
  group has applied every record of the topic (no lag).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from bench.common import Row, report
from bench.kafka import databases, drop
from bench.stack import manual_clock, new_stack, record_history, wait_for
from consumers.relay import Relay
from domain.application import SchoolIntegration
from infrastructure.settings import KafkaSettings, Settings
from processes.engine_runner import EngineRunner

ROOT = Path(__file__).resolve().parents[1]


def copy_of(url: str, names: list[str]) -> str:
    """A second PostgreSQL database holding the same log (and data keys) as `url`; its
    name is added to `names` (to drop)."""
    admin = os.environ["KOPIR_TEST_POSTGRES_URL"]
    source, name = url.rsplit("/", 1)[1], f"kopir_b_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = %s AND pid <> pg_backend_pid()", (source,))
        connection.execute(f"CREATE DATABASE {name} TEMPLATE {source}")
    names.append(name)
    return f"{url.rsplit('/', 1)[0]}/{name}"


def lag(kafka: KafkaSettings, group: str) -> int:
    """Records of the topic the group has not committed yet."""
    consumer = KafkaConsumer(bootstrap_servers=kafka.bootstrap, group_id=group,
                             enable_auto_commit=False)
    try:
        partitions = [TopicPartition(kafka.topic, p)
                      for p in sorted(consumer.partitions_for_topic(kafka.topic) or ())]
        ends = consumer.end_offsets(partitions)
        return sum(ends[tp] - (consumer.committed(tp) or 0) for tp in partitions)
    except KafkaError:  # a slow answer: ask again
        return -1
    finally:
        consumer.close()


def group_run(env: dict[str, str], kafka: KafkaSettings, processes: int, log_dir: Path) -> float:
    """Seconds from starting `processes` engine processes until the group has no lag."""
    group = f"kopir-b-engine-{uuid.uuid4().hex[:8]}"
    env = {**env, "KOPIR_KAFKA_ENGINE_GROUP_ID": group}
    started = time.perf_counter()
    running = [subprocess.Popen([sys.executable, "-m", "kopir.cli", "engine", "--group"],
                                cwd=ROOT, env=env, stdout=open(log_dir / f"{group}-{n}.log", "ab"),
                                stderr=subprocess.STDOUT) for n in range(processes)]
    try:
        wait_for(lambda: lag(kafka, group) == 0, 3600, f"{processes} engine processes",
                 interval=0.5)
        return time.perf_counter() - started
    finally:
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--children", type=int, default=1000)
    args = parser.parse_args()
    create, names = databases()
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"kopir-bench-engine-{uuid.uuid4().hex[:6]}"
    log_dir.mkdir(parents=True)
    try:
        stack = new_stack(create, log_dir)
        app = stack.app(manual_clock())
        record_history(app, events=args.events, children=args.children, seed=11, batch=500)
        app.close()
        relay = Relay(stack.app(), stack.kafka)
        while relay.relay_once():
            pass
        relay.close()
        published = relay.position
        rows: list[Row] = []
        # The baseline: one engine in this process, over its own copy of the store.
        single = SchoolIntegration(env=Settings(database_url=copy_of(stack.store_url, names),
                                                cipher_key=stack.cipher_key).app_env())
        runner = EngineRunner(single)
        started = time.perf_counter()
        runner.process_available()
        runner.caught_up()
        baseline = time.perf_counter() - started
        runner.close()
        single.close()
        for processes in (1, 2):
            env = {**stack.env(), "KOPIR_DATABASE_URL": copy_of(stack.store_url, names)}
            seconds = group_run(env, stack.kafka, processes, log_dir)
            rows.append(Row(f"engine group, {processes} process{'es' if processes > 1 else ''}",
                            published, seconds, "the single in-process engine", baseline))
        report("Escalation engine: one process and a consumer group of 1 and 2", rows)
    finally:
        drop(names)


if __name__ == "__main__":
    main()
