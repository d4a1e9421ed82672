"""A whole distributed Köpir on this machine, for tests and benchmarks: a real PostgreSQL
store, a real Kafka, real processes.

Each stack gets its own databases, topics and consumer group; relays and consumers
run as `kopir relay` / `kopir consume` processes that a test may kill -9.
"""

from __future__ import annotations

import base64
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

from eventsourcing.cipher import AESCipher
from kafka.errors import KafkaError

from domain import clock
from domain.access import Actor, Role
from domain.application import SYSTEM, SchoolIntegration
from domain.commands import ConflictReport, Enrolment, PeerIncidentReport
from domain.vocabulary import ConflictKind, PeerIncidentKind
from infrastructure.settings import KafkaSettings, Settings, sqlalchemy_url
from processes.projection_runner import ProjectionRunner
from processes.rebuild import snapshot
from projections.tables import READ_MODEL_TABLES
from projections.views import ReadModelView

ROOT = Path(__file__).resolve().parents[1]
PSYCH = Actor("p", Role.PSYCHOLOGIST, frozenset({"S1"}))


class ServiceMissing(RuntimeError):
    """Raised when a service the stack needs was not started."""


def kafka_bootstrap() -> str:
    bootstrap = os.environ.get("KOPIR_TEST_KAFKA_BOOTSTRAP")
    if not bootstrap:
        raise ServiceMissing("KOPIR_TEST_KAFKA_BOOTSTRAP is not set: start Kafka with "
                             "`scripts/services.sh start` (make test does it)")
    return bootstrap


@dataclass
class Stack:
    store_url: str
    views_url: str
    reference_url: str
    kafka: KafkaSettings
    cipher_key: str
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return Settings(database_url=self.store_url, views_url=self.views_url,
                        cipher_key=self.cipher_key, embedded_projections=False)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "KOPIR_DATABASE_URL": self.store_url, "KOPIR_VIEWS_URL": self.views_url,
            "KOPIR_CIPHER_KEY": self.cipher_key, "KOPIR_EMBEDDED_PROJECTIONS": "false",
            "KOPIR_KAFKA_BOOTSTRAP": self.kafka.bootstrap, "KOPIR_KAFKA_TOPIC": self.kafka.topic,
            "KOPIR_KAFKA_DLQ_TOPIC": self.kafka.dlq_topic,
            "KOPIR_KAFKA_HEADS_TOPIC": self.kafka.heads_topic,
            "KOPIR_LEDGER_HEADS_FILE": str(self.log_dir / "ledger-heads.jsonl"),
            "KOPIR_KAFKA_GROUP_ID": self.kafka.group_id,
            "KOPIR_KAFKA_SESSION_TIMEOUT_MS": str(self.kafka.session_timeout_ms),
            "KOPIR_KAFKA_CONSUMER_BATCH": str(self.kafka.consumer_batch),
            "KOPIR_KAFKA_RELAY_BATCH": str(self.kafka.relay_batch),
            "KOPIR_KAFKA_RELAY_POLL_INTERVAL": str(self.kafka.relay_poll_interval),
            "KOPIR_KAFKA_CONSUMER_BATCH_TIMEOUT_MS": str(self.kafka.consumer_batch_timeout_ms),
        })
        return env

    def app(self, clock_: clock.Clock | None = None) -> SchoolIntegration:
        return SchoolIntegration(env=self.settings.app_env(), clock_=clock_)

    def view(self) -> ReadModelView:
        return ReadModelView.from_url(self.settings.read_models_url())

    # --- processes -----------------------------------------------------------------
    def start(self, name: str, command: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen([sys.executable, "-m", "kopir.cli", command], cwd=ROOT,
                                   env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def kill9(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill9(name)

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    # --- checks --------------------------------------------------------------------
    def reference(self) -> dict[str, list[str]]:
        """The read models rebuilt from the store from scratch, in a database of their own."""
        app = self.app()
        view = ReadModelView.from_url(sqlalchemy_url(self.reference_url))
        view.drop_tables()
        view.create_table()
        ProjectionRunner(app, view, batch_size=2000).process_available()
        result = snapshot(view)
        view.datastore.engine.dispose()  # type: ignore[union-attr]
        app.close()
        return result

    def applied_everything(self, view: ReadModelView, last: int) -> bool:
        """True once the relay has published `last` and the group has no lag left
        (offsets are committed only after the read-model transaction)."""
        from consumers.status import partition_lag

        if self.relayed() < last:
            return False
        try:
            lag = partition_lag(self.kafka, view)
        except KafkaError:  # e.g. the group coordinator of a fresh broker is not ready yet
            return False
        return bool(lag) and all(p["lag"] == 0 for p in lag)

    def relayed(self) -> int:
        from consumers.relay import relayed_position

        app = self.app()
        position = relayed_position(app, self.kafka)
        app.close()
        return position


def new_stack(database: Callable[[], str], tmp_path: Path, **kafka_overrides: object) -> Stack:
    tag = uuid.uuid4().hex[:8]
    kafka = KafkaSettings(bootstrap=kafka_bootstrap(), topic=f"kopir.t{tag}.v1",
                          dlq_topic=f"kopir.t{tag}.v1.dlq", group_id=f"kopir-t{tag}",
                          heads_topic=f"kopir.t{tag}.ledger-heads",
                          session_timeout_ms=6000, **kafka_overrides)
    return Stack(store_url=database(), views_url=database(), reference_url=database(),
                 kafka=kafka, cipher_key=AESCipher.create_key(32), log_dir=tmp_path)


def wait_for(condition: Callable[[], bool], timeout: float, what: str,
             interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    if not condition():
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def record_history(app: SchoolIntegration, events: int, children: int = 200,
                   seed: int = 1, batch: int = 500) -> list[str]:
    """Record about `events` events for `children` children in batched transactions."""
    rng = random.Random(seed)
    manual = app.clock
    if not isinstance(manual, clock.ManualClock):
        raise TypeError("record_history needs an application with a ManualClock")
    if app.recorder.max_notification_id() is None:
        app.register_school(SYSTEM, "S1", "School One", "Astana")
    codes = [f"D-{seed}-{i:05d}" for i in range(children)]
    with app.batch():
        for code in codes:
            manual.advance(timedelta(seconds=1))
            app.enrol_child(PSYCH, Enrolment(code, "S1", 5, manual.now().year - 11, manual.now()))
    done = children
    while done < events:
        with app.batch():
            for _ in range(min(batch, events - done)):
                manual.advance(timedelta(seconds=30))
                code = rng.choice(codes)
                if rng.random() < 0.6:
                    app.record_conflict(PSYCH, code, ConflictReport(
                        manual.now(), ConflictKind.VERBAL, rng.randint(1, 5), f"Event {done}"))
                else:
                    app.record_peer_incident(PSYCH, code, PeerIncidentReport(
                        manual.now(), PeerIncidentKind.FRIENDSHIP, f"Event {done}"))
                done += 1
    return codes


def manual_clock() -> clock.ManualClock:
    return clock.ManualClock(clock.SYSTEM_CLOCK.now() - timedelta(days=365))


def tables_equal(a: dict[str, list[str]], b: dict[str, list[str]]) -> list[str]:
    """Names of the read-model tables that differ."""
    return [t.name for t in READ_MODEL_TABLES if a.get(t.name) != b.get(t.name)]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
