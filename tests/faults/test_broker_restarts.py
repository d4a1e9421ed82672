"""The Kafka broker restarts (three times in make test, five in make faults, alternately
SIGTERM and SIGKILL) while events flow from the store through the relay
to two `kopir consume` processes. The same two processes are still consuming at the end
(same PIDs, none exited, none started again by anything), and the read models equal a
rebuild from scratch: nothing lost, nothing applied twice.

The broker is a private one (its own directory and ports, the same jars as
`scripts/services.sh`), so restarting it disturbs no other test using the shared broker.
"""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from bench.stack import (
    ROOT,
    Stack,
    manual_clock,
    new_stack,
    record_history,
    tables_equal,
    wait_for,
)
from consumers.topics import ensure_topics
from processes.rebuild import snapshot
from tests.faults.conftest import scale

SERVICES = ROOT / "scripts" / "services.sh"


def free_port() -> int:
    """A free port below the range the kernel hands out to outgoing connections: while
    the broker is down, a client reconnecting to it could otherwise be given its port
    as its own local end and hold it (or connect to itself), and the broker could not
    start again there."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random()
    while True:
        port = rng.randrange(max(1024, low - 12_000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


@dataclasses.dataclass
class Broker:
    """A single-node Kafka of this test's own, driven by scripts/services.sh."""

    home: Path
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def services(self, action: str) -> None:
        env = {**os.environ, "KOPIR_SERVICES_DIR": str(self.home),
               "KOPIR_KAFKA_PORT": str(self.port),
               "KOPIR_KAFKA_CONTROLLER_PORT": str(self.controller_port),
               "KOPIR_KAFKA_HEAP": "256m",
               # A broker that starts in seconds on a busy machine: the C1 compiler only.
               "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1"}
        done = subprocess.run(["bash", str(SERVICES), action, "kafka"], cwd=ROOT, env=env,
                              timeout=180, capture_output=True, text=True)
        assert done.returncode == 0, f"services.sh {action} kafka: {done.stderr[-3000:]}"

    def pid(self) -> int:
        return int((self.home / "kafka" / "kafka.pid").read_text())

    def restart(self, hard: bool) -> None:
        """SIGTERM (a controlled shutdown: the group coordinator unloads the group and
        loads it again) or SIGKILL (the coordinator vanishes mid-request); then start."""
        pid = self.pid()
        os.kill(pid, signal.SIGKILL if hard else signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.2)
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        self.services("start")


@pytest.fixture
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    home = tmp_path_factory.mktemp("broker")
    (home / "kafka").mkdir()
    lib = Path(os.environ.get("KOPIR_KAFKA_LIB", ROOT / "var" / "services" / "kafka" / "lib"))
    (home / "kafka" / "lib").symlink_to(lib)
    b = Broker(home, free_port(), free_port())
    b.services("start")
    yield b
    b.services("stop")


@pytest.fixture
def stack(postgres_databases, tmp_path, broker: Broker) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    s = new_stack(postgres_databases, tmp_path)
    s.kafka = s.kafka.model_copy(update={"bootstrap": broker.bootstrap})
    ensure_topics(s.kafka, patience=120)  # a fresh broker answers before it is ready
    yield s
    s.stop_all()


def wait_until_writable(stack: Stack) -> None:
    """A broker that has opened its port may still be loading its partitions."""
    from kafka import KafkaProducer

    deadline = time.monotonic() + 90
    while True:
        try:
            probe = KafkaProducer(bootstrap_servers=stack.kafka.bootstrap, acks="all")
            for partition in range(stack.kafka.partitions):
                probe.send(stack.kafka.dlq_topic, b"probe", partition=partition
                           ).get(timeout=10)
            probe.close(timeout=5)
            return
        except Exception:  # noqa: BLE001 - not ready yet
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


class RelayNudge:
    """The relay is not under test here (its producer can stall after a broker restart):
    it is started afresh after each restart, and again whenever it has published nothing
    for 20 s while the store is ahead of it (counted, and printed)."""

    def __init__(self, stack: Stack) -> None:
        self.stack, self.restarts = stack, 0
        self.position, self.since = -1, time.monotonic()

    def __call__(self, last: int) -> None:
        position = self.stack.relayed()
        if position != self.position or position >= last:
            self.position, self.since = position, time.monotonic()
        elif time.monotonic() - self.since > 20:
            self.restart()

    def restart(self) -> None:
        self.stack.kill9("relay")
        self.stack.start("relay", "relay")
        self.restarts += 1
        self.since = time.monotonic()


def test_broker_restarts_under_load_keep_the_same_consumers(stack: Stack, broker: Broker):
    app = stack.app(manual_clock())
    record_history(app, events=scale(3000, 60_000), children=100, batch=500)
    stack.start("relay", "relay")
    consumers = {name: stack.start(name, "consume") for name in ("consumer-a", "consumer-b")}
    pids = {name: p.pid for name, p in consumers.items()}
    view = stack.view()
    wait_for(lambda: view.max_tracking_id(f"{stack.kafka.topic}#0"[:32]) is not None, 90,
             "the consumers to start applying")

    # Load: commands keep arriving in small transactions the whole time.
    stop = threading.Event()
    produced: list[int] = []

    def produce() -> None:
        seed = 100
        while not stop.wait(0.05):
            seed += 1
            record_history(app, events=60, children=3, seed=seed, batch=20)
            produced.append(60)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    nudge = RelayNudge(stack)
    rng = random.Random(16)
    try:
        for round_ in range(scale(3, 5)):
            pause = time.monotonic() + rng.uniform(3.0, 6.0)
            while time.monotonic() < pause:  # consumers are mid-batch and committing
                nudge(app.recorder.max_notification_id())
                time.sleep(0.5)
            started = time.monotonic()
            broker.restart(hard=round_ % 2 == 1)
            wait_until_writable(stack)
            nudge.restart()
            print(f"restart {round_ + 1} ({'SIGKILL' if round_ % 2 else 'SIGTERM'}): "
                  f"{time.monotonic() - started:.1f} s")
    finally:
        stop.set()
        producer.join(timeout=60)
    assert len(produced) > 10, "hardly any load during the restarts: the test proves little"

    last = app.recorder.max_notification_id()
    wait_for(lambda: nudge(last) or stack.applied_everything(view, last), 120,
             f"the same two consumers to apply notification {last}")
    print(f"events: {last}; relay restarted {nudge.restarts} times (it is not under test)")
    for name, process in consumers.items():
        log = stack.log(name)
        assert process.poll() is None, f"{name} exited with {process.returncode}:\n{log[-3000:]}"
        assert stack.processes[name].pid == pids[name]
        assert "restarting" not in log, log[-3000:]
    applied, rebuilt = snapshot(view), stack.reference()
    differ = tables_equal(applied, rebuilt)
    assert differ == [], {t: (len(set(applied[t]) - set(rebuilt[t])),
                              len(set(rebuilt[t]) - set(applied[t])),
                              sorted(set(applied[t]) ^ set(rebuilt[t]))[:4]) for t in differ}
    view.datastore.engine.dispose()
    app.close()
