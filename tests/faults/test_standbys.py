"""Standbys that take over, for every singleton on PostgreSQL (projection driver, engine,
relay, notifier, checkpointer): two real processes, one active and one standing by.

- kill -9 of the active one: the standby is active within 10 s;
- its lock connection cut (pg_terminate_backend of exactly that session): it stops before
  its next batch, stays alive standing by, and a standby takes over within 10 s;
- never two active: no position was written under two fencing epochs, and no epoch wrote
  after the next one began; a write of a replaced holder is refused by the database;
- nothing lost, nothing applied twice: read models equal a rebuild, each escalation once,
  every event on the topic, each mail sent once, each checkpoint once and the log verifies.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from typing import Any, Callable, Iterator

import psycopg
import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import Tracking
from sqlalchemy import select

from bench.stack import ROOT, manual_clock, new_stack, record_history, wait_for
from bench.standby import SINGLETONS, TAKEOVER_LIMIT, Pair
from domain.application import SchoolIntegration
from infrastructure import fencing
from infrastructure.deliveries import deliveries
from infrastructure.locks import follower_lock
from infrastructure.settings import Settings
from processes import audit
from processes.engine_runner import EngineRunner
from processes.follower import LogFollower
from processes.rebuild import compare, snapshot
from tests.faults.conftest import published, raised
from tests.mail import Mailbox, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as served:
        yield served


def nothing_lost_or_twice_project(pair: Pair, box: Mailbox) -> None:
    view = pair.stack.view()
    assert compare(pair.stack.reference(), snapshot(view)) == {}
    view.datastore.engine.dispose()


def nothing_lost_or_twice_engine(pair: Pair, box: Mailbox) -> None:
    escalations = raised(pair.stack.settings)
    assert escalations and len(escalations) == len(set(escalations))
    app = pair.stack.app()
    check = EngineRunner(app, name="check-engine")  # a fresh engine finds nothing left
    check.process_available()
    assert check.raised_log == []
    check.close()
    app.close()


def nothing_lost_or_twice_relay(pair: Pair, box: Mailbox) -> None:
    assert set(published(pair.stack)) == set(range(1, pair.last() + 1))


def sent(pair: Pair) -> list[str]:
    view = pair.stack.view()
    d = deliveries.c
    with view.engine.connect() as connection:
        keys = connection.execute(select(d.delivery_key).where(
            d.channel == "email", d.sent_at.is_not(None))).scalars().all()
    view.datastore.engine.dispose()
    return sorted(keys)


def delivered(box: Mailbox) -> Counter[str]:
    """Messages received per delivery (the Message-ID ends with it: `id.user@kopir`)."""
    ids = [str(m["Message-ID"]).strip("<>").split("@")[0].split(".", 3)[3]
           for _, m in box.messages]
    return Counter(i.replace(".", ":", 1) for i in ids)


def nothing_lost_or_twice_notifier(pair: Pair, box: Mailbox) -> None:
    view = pair.stack.view()
    d = deliveries.c
    with view.engine.connect() as connection:
        emails = connection.execute(select(d.delivery_key, d.sent_at).where(
            d.channel == "email")).all()
    view.datastore.engine.dispose()
    assert emails and all(sent_at is not None for _, sent_at in emails)
    received = delivered(box)
    assert sorted(received) == sorted(k for k, _ in emails)
    assert set(received.values()) == {1}, received.most_common(3)  # each mail once


def nothing_lost_or_twice_checkpointer(pair: Pair, box: Mailbox) -> None:
    app = pair.stack.app()
    positions = [c.position for c in audit.checkpoints(app)]
    app.close()
    assert positions == sorted(set(positions)), positions  # each position signed once
    verified = subprocess.run([sys.executable, "-m", "kopir.cli", "verify-log"], cwd=ROOT,
                              env=pair.stack.env(), capture_output=True, text=True,
                              timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr


CHECKS: dict[str, Callable[[Pair, Mailbox], None]] = {
    "project": nothing_lost_or_twice_project, "engine": nothing_lost_or_twice_engine,
    "relay": nothing_lost_or_twice_relay, "notifier": nothing_lost_or_twice_notifier,
    "checkpointer": nothing_lost_or_twice_checkpointer}


def settled(pair: Pair, box: Mailbox, last: int) -> None:
    pair.wait_position(last)
    if pair.singleton.name == "notifier":  # and what is due is sent
        wait_for(lambda: len(sent(pair)) == len(box.messages) and
                 not pair.query("SELECT 1 FROM notifier_deliveries WHERE channel = 'email' "
                                "AND sent_at IS NULL"), 60, "the mails to go out")


@pytest.mark.parametrize("name", list(SINGLETONS))
def test_a_standby_takes_over_after_a_kill_and_after_a_cut_lock_connection(
        name: str, postgres_databases: Any, tmp_path: Any, smtp: Any) -> None:
    box, port = smtp
    pair = Pair(new_stack(postgres_databases, tmp_path), SINGLETONS[name],
                smtp_port=port if name == "notifier" else 0)
    try:
        last = pair.prepare()
        first, second = pair.two()
        settled(pair, box, last)
        killed, after_kill = pair.kill_active()
        assert killed == first and after_kill <= TAKEOVER_LIMIT
        pair.wait_active(second, timeout=1)
        last = pair.grow(seed=2)
        third = pair.start()  # the restart policy's new standby
        pair.wait_standing_by(third)
        settled(pair, box, last)

        cut, after_cut = pair.cut_active()
        assert cut == second and after_cut <= TAKEOVER_LIMIT
        pair.wait_active(third, timeout=1)
        wait_for(lambda: any(words in pair.stack.log(second) for words in (
            "the lock was lost", "the write is refused")), 10, "the cut one to stand by")
        assert pair.stack.processes[second].poll() is None  # alive, standing by
        last = pair.grow(seed=3)
        settled(pair, box, last)
        print(f"{name}: active again {after_kill:.2f}s after kill -9, "
              f"{after_cut:.2f}s after its lock connection was cut")

        assert pair.fence()[0] == 3  # three activations: first, second, third
        assert pair.written_by_two() == []
        assert {epoch for epoch, *_ in pair.fence_log()} == {1, 2, 3}
        CHECKS[name](pair, box)
    finally:
        pair.close()


def test_a_replaced_holder_cannot_write_its_position(postgres_database: str) -> None:
    """The lock checked, the batch under way, the lock lost and taken by another: the
    stale holder's position write is refused by the database, not only by the lock."""
    settings = Settings(database_url=postgres_database, cipher_key=AESCipher.create_key(32))
    app = SchoolIntegration(env=settings.app_env(), clock_=manual_clock())
    record_history(app, events=20, children=2)
    tracking = EngineRunner(app, name="fenced").tracking
    stale, successor = (follower_lock("fenced", postgres_database) for _ in range(2))
    assert stale.try_acquire() and stale.epoch == 1
    session = stale._connection()  # type: ignore[attr-defined]  # the lock's own session
    assert session.execute("SHOW idle_in_transaction_session_timeout").fetchone()[0] == "10s"
    assert session.info.get_parameters().get("application_name", "").endswith(
        f" pid {os.getpid()}")
    with psycopg.connect(postgres_database, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(%s)",
                           (fencing.holder(connection, "fenced"),))
    wait_for(successor.try_acquire, 10, "the successor to take the lock")
    assert successor.epoch == 2

    def write(lock: Any, position: int) -> None:
        with fencing.fenced(lock, position, position), \
                app.recorder.transaction(commit=True) as session:  # type: ignore[attr-defined]
            tracking._insert_tracking(session, Tracking("fenced", position))

    position = int(app.recorder.max_notification_id()) + 10
    with pytest.raises(fencing.Fenced):
        write(stale, position)
    assert (tracking.max_tracking_id("fenced") or 0) < position  # rolled back
    write(successor, position)
    assert tracking.max_tracking_id("fenced") == position
    with psycopg.connect(postgres_database, autocommit=True) as connection:
        log = connection.execute("SELECT epoch, first_position, last_position "
                                 "FROM kopir_fence_log WHERE name = 'fenced'").fetchall()
    assert log == [(2, position, position)]
    successor.close()
    stale.close()
    app.close()


def test_a_follower_whose_write_is_refused_stands_by(postgres_database: str, caplog: Any) -> None:
    """The lock is taken over in the middle of a batch: the batch's write is refused, and
    the follower stands by, alive, instead of ending or writing on."""
    settings = Settings(database_url=postgres_database, cipher_key=AESCipher.create_key(32))
    app = SchoolIntegration(env=settings.app_env(), clock_=manual_clock())
    record_history(app, events=20, children=2)
    tracking = EngineRunner(app, name="tracker").tracking
    successor = follower_lock("tracker", postgres_database)

    class Tracker(LogFollower):
        name = "tracker"

        @property
        def position(self) -> int:
            return tracking.max_tracking_id(self.name) or 0

        def handle(self, notifications: Any) -> None:
            if successor.epoch is None:  # taken over while this batch is under way
                with psycopg.connect(postgres_database, autocommit=True) as connection:
                    connection.execute("SELECT pg_terminate_backend(%s)",
                                       (fencing.holder(connection, self.name),))
                wait_for(successor.try_acquire, 10, "the successor to take the lock")
            tracking.insert_tracking(Tracking(self.name, notifications[-1].id))

    follower = Tracker(app, lock=follower_lock("tracker", postgres_database), batch_size=5)
    with follower:
        wait_for(lambda: "the write is refused" in caplog.text, 10, "the refusal")
        assert follower.alive and follower.error is None and not follower.active
    assert successor.epoch == 2 and follower.position == 0  # nothing written
    successor.close()
    follower.close()
    app.close()
