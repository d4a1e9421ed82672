"""Two real processes of one singleton (relay, engine, notifier, checkpointer, projection
driver) on PostgreSQL, one active and one standing by, and what the database says about
them: for the failover benchmark (`bench.failover`) and the fault tests
(tests/faults/test_standbys.py).

The active instance is known from the database: each activation takes the next fencing
epoch in `kopir_fences`, naming its holder's process (`infrastructure.fencing`); a standby
has taken over when the epoch moved on and names it. The fence log tells whether a range
of positions was ever written by two holders.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg

from bench.stack import PSYCH, Stack, record_history, wait_for
from domain import clock
from domain.access import Role
from domain.application import SYSTEM, SchoolIntegration
from domain.commands import ConflictReport, Enrolment
from domain.vocabulary import ConflictKind
from infrastructure import fencing
from processes.checkpointer import Checkpointer
from processes.engine_runner import ENGINE, EngineRunner
from processes.notifier import NOTIFIER, TOPICS
from processes.projection_runner import ProjectionRunner

TAKEOVER_LIMIT = 10.0  # seconds from the kill (or the cut) to the standby being active
LEDGER_SEED = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # base64 of bytes 0..31
HOLDER = re.compile(r" pid (\d+)$")
STAFF = (("psy.s1", Role.PSYCHOLOGIST), ("sup.s1", Role.SUPERVISOR))


@dataclass(frozen=True)
class Singleton:
    name: str
    command: str  # the kopir command that runs it
    lock: str  # its lock's name ("" for the relay: named after its topic)
    views: bool  # its lock and positions are beside the read models (else the store)
    position: str  # SQL: how far it got


SINGLETONS = {s.name: s for s in (
    Singleton("project", "project", ProjectionRunner.name, True,
              "SELECT max(notification_id) FROM rm_tracking"),
    Singleton("engine", "engine", ENGINE, False,
              "SELECT max(notification_id) FROM engine_tracking"),
    Singleton("relay", "relay", "", False, "SELECT max(notification_id) FROM relay_tracking"),
    Singleton("notifier", "notify", NOTIFIER, True,
              "SELECT max(notification_id) FROM notifier_tracking"),
    Singleton("checkpointer", "checkpointer", Checkpointer.name, False,
              "SELECT max(last_position) FROM kopir_fences WHERE name = 'checkpointer'"),
)}


def recent_clock() -> clock.ManualClock:
    """Recent enough that the notifier takes the concerns for news (a day at most)."""
    return clock.ManualClock(clock.SYSTEM_CLOCK.now() - timedelta(hours=12))


@dataclass
class Pair:
    """Instances of one singleton on one stack (two at a time: one active, one standing
    by), the history they follow, and what the database says about who is active."""

    stack: Stack
    singleton: Singleton
    smtp_port: int = 0  # the notifier's SMTP server
    started: int = 0
    events: Any = None  # the application the history is recorded with
    engine: EngineRunner | None = None  # decides in-process for the notifier's scenario
    takeovers: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        from consumers.relay import relay_name

        s, env = self.singleton, self.stack.env
        self.lock = s.lock or relay_name(self.stack.kafka)
        self.url = self.stack.views_url if s.views else self.stack.store_url
        extra = {"KOPIR_POLL_INTERVAL": "0.05", "KOPIR_BATCH_SIZE": "100",
                 "KOPIR_LEDGER_KEY": LEDGER_SEED, "KOPIR_CHECKPOINT_EVERY": "50",
                 "KOPIR_CHECKPOINT_MINUTES": "0.02"}
        if self.smtp_port:
            extra.update(KOPIR_SMTP_HOST="127.0.0.1", KOPIR_SMTP_PORT=str(self.smtp_port),
                         KOPIR_SMTP_TLS="none", KOPIR_SMTP_BASE_URL="https://k.kz")
        self.stack.env = lambda: {**env(), **extra}  # type: ignore[method-assign]
        self.events = SchoolIntegration(env=self.stack.settings.app_env(),
                                        clock_=recent_clock())

    # --- the history ---------------------------------------------------------------
    def prepare(self, events: int = 300) -> int:
        """History to follow (and for the notifier: people to tell, read models, concerns)."""
        last = self.grow(1, events)
        if self.singleton.name == "notifier":
            for user, role in STAFF:
                self.events.register_account(SYSTEM, user, user, role, ["S1"], "a long password 1")
                self.events.set_notifications(SYSTEM, user, f"{user}@school.kz", digest=False,
                                              language="en")
            view = self.stack.view()
            ProjectionRunner(self.events, view).process_available()
            view.datastore.engine.dispose()
            last = self.decide()
        return last

    def grow(self, seed: int, events: int = 100) -> int:
        """More history, ending with a severity-5 conflict of a new child (a decision the
        engine records with its position); the last notification id."""
        app = self.events
        record_history(app, events=events, children=10, seed=seed, batch=100)
        code = f"H-{seed}"
        app.enrol_child(PSYCH, Enrolment(code, "S1", 5, app.clock.now().year - 11,
                                         app.clock.now()))
        app.clock.advance(timedelta(seconds=30))
        app.record_conflict(PSYCH, code, ConflictReport(app.clock.now(), ConflictKind.PHYSICAL,
                                                        5, "A fight in the yard"))
        return self.decide() if self.singleton.name == "notifier" else self.last()

    def decide(self) -> int:
        """The engine's decisions on what was recorded; the last change of a concern the
        notifier tells of (its position once it has handled everything)."""
        if self.engine is None:
            self.engine = EngineRunner(self.events)
        self.engine.process_available()
        with psycopg.connect(self.stack.store_url) as connection:
            return int(connection.execute(
                "SELECT max(id) FROM schoolintegration_events WHERE topic = ANY(%s)",
                (TOPICS,)).fetchone()[0] or 0)

    def last(self) -> int:
        return int(self.events.recorder.max_notification_id() or 0)

    # --- the processes -------------------------------------------------------------
    def start(self) -> str:
        label = f"{self.singleton.name}-{self.started}"
        self.started += 1
        self.stack.start(label, self.singleton.command)
        return label

    def pid(self, label: str) -> int:
        return int(self.stack.processes[label].pid)

    def label_of(self, pid: int) -> str | None:
        return next((k for k, p in self.stack.processes.items() if p.pid == pid), None)

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as connection:
            try:
                return list(connection.execute(sql, args).fetchall())
            except psycopg.errors.UndefinedTable:  # nothing written yet
                return []

    def fence(self) -> tuple[int, int]:
        """The latest activation: (epoch, process id of its holder); (0, 0) before any."""
        rows = self.query("SELECT epoch, holder FROM kopir_fences WHERE name = %s", self.lock)
        if not rows:
            return 0, 0
        found = HOLDER.search(rows[0][1])
        return int(rows[0][0]), int(found[1]) if found else 0

    def position(self) -> int:
        rows = self.query(self.singleton.position)
        return int(rows[0][0] or 0) if rows else 0

    def wait_active(self, label: str, timeout: float = 60) -> None:
        wait_for(lambda: self.fence()[1] == self.pid(label), timeout, f"{label} to be active")

    def wait_standing_by(self, label: str, timeout: float = 60) -> None:
        wait_for(lambda: "standing by" in self.stack.log(label), timeout,
                 f"{label} to stand by")

    def two(self) -> tuple[str, str]:
        """Two instances, the first active, the second standing by."""
        first = self.start()
        self.wait_active(first)
        second = self.start()
        self.wait_standing_by(second)
        return first, second

    def _taken_over(self, before: tuple[int, int], started: float) -> float:
        def moved() -> bool:
            epoch, pid = self.fence()
            return epoch > before[0] and pid != before[1] and self.label_of(pid) is not None

        wait_for(moved, 60, f"a standby {self.singleton.name} to take over", interval=0.02)
        took = time.monotonic() - started
        self.takeovers.append(took)
        return took

    def kill_active(self) -> tuple[str, float]:
        """SIGKILL the active instance; (its label, seconds until a standby is active)."""
        before = self.fence()
        label = self.label_of(before[1])
        assert label is not None, f"no live process holds {self.lock}: {before}"
        self.stack.kill9(label)
        return label, self._taken_over(before, time.monotonic())

    def cut_active(self) -> tuple[str, float]:
        """End the active instance's lock session (pg_terminate_backend); (its label,
        seconds until a standby is active)."""
        before = self.fence()
        label = self.label_of(before[1])
        assert label is not None, f"no live process holds {self.lock}: {before}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            backend = fencing.holder(connection, self.lock)
            assert backend is not None, f"nobody holds {self.lock}"
            connection.execute("SELECT pg_terminate_backend(%s)", (backend,))
        return label, self._taken_over(before, time.monotonic())

    def wait_position(self, last: int, timeout: float = 90) -> None:
        wait_for(lambda: self.position() >= last, timeout,
                 f"the active {self.singleton.name} to reach {last}")

    # --- fencing -------------------------------------------------------------------
    def fence_log(self) -> list[tuple[int, int, int, datetime]]:
        return [(int(e), int(f), int(la), w) for e, f, la, w in self.query(
            "SELECT epoch, first_position, last_position, written_at FROM kopir_fence_log "
            "WHERE name = %s ORDER BY epoch, written_at", self.lock)]

    def written_by_two(self) -> list[str]:
        """Positions written under two epochs, and writes of an epoch after the next one's
        first write (two holders active at once); empty when fencing held."""
        log = self.fence_log()
        ranges = [r for r in log if r[1] <= r[2]]  # not the writes once caught up
        found = [f"{a[1]}..{a[2]} under {a[0]} and {b[1]}..{b[2]} under {b[0]}"
                 for i, a in enumerate(ranges) for b in ranges[i + 1:]
                 if a[0] != b[0] and a[1] <= b[2] and b[1] <= a[2]]
        last_write: dict[int, datetime] = {}
        for epoch, _, _, written in log:
            last_write[epoch] = max(written, last_write.get(epoch, written))
        first_write = {e: min(w for x, _, _, w in log if x == e) for e in last_write}
        epochs = sorted(last_write)
        found += [f"epoch {a} wrote after epoch {b} began" for a, b in zip(epochs, epochs[1:])
                  if last_write[a] > first_write[b]]
        return found

    def close(self) -> None:
        self.stack.stop_all()
        if self.engine is not None:
            self.engine.close()
        self.events.close()
