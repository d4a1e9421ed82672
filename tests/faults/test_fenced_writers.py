"""Writers replaced while they work are refused by the database (the fencing check), not
only by their lock:

- a notifier whose lock connection is cut after one message, and a standby takes the
  lock: its next claim of a delivery is refused, so it sends nothing more; the one that
  took over sends the rest, each message once;
- an engine process that lost a partition in a rebalance it has not noticed: its decisions
  and position for that partition are refused; the new holder's go in."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import psycopg
import pytest
from eventsourcing.cipher import AESCipher
from sqlalchemy import insert, select

from bench.stack import manual_clock, record_history, wait_for
from domain.application import SchoolIntegration
from infrastructure import fencing
from infrastructure.deliveries import deliveries
from infrastructure.locks import follower_lock
from infrastructure.settings import Settings
from processes.engine_partitions import PartitionedEngine
from processes.mailer import Mailer
from processes.notifier import Notifier
from projections.views import ReadModelView
from tests.mail import smtp_server


def due_deliveries(view: ReadModelView, now: Any, count: int) -> list[str]:
    """`count` immediate e-mails due now, each to another psychologist."""
    keys = [f"{n}:psych.{n}" for n in range(1, count + 1)]
    with view.engine.begin() as connection:
        connection.execute(insert(deliveries), [{
            "delivery_key": key, "user_id": key.split(":")[1], "channel": "email",
            "address": f"{key.split(':')[1]}@school.kz", "kind": "immediate",
            "reason": "opened", "concern_id": f"c{n}", "child_code": f"KZ-{n:05d}",
            "school_id": "AST-12", "level": "high", "author": "teacher", "queued_at": now,
            "due_at": now - timedelta(minutes=1), "attempts": 0, "last_error": ""}
            for n, key in enumerate(keys, 1)])
    return keys


def sent_keys(view: ReadModelView) -> set[str]:
    d = deliveries.c
    with view.engine.connect() as connection:
        return set(connection.execute(select(d.delivery_key).where(
            d.sent_at.is_not(None))).scalars())


def test_a_replaced_notifier_sends_no_more_mail(postgres_database: str) -> None:
    settings = Settings(database_url=postgres_database, cipher_key=AESCipher.create_key(32))
    app = SchoolIntegration(env=settings.app_env(), clock_=manual_clock())
    view = ReadModelView.from_url(settings.read_models_url())
    successor_lock = follower_lock("notifier", postgres_database)

    class TakenOverAfterOne(Mailer):
        """The SMTP server takes the first message; then the lock goes to the successor."""

        def send(self, message: EmailMessage) -> None:
            super().send(message)
            if successor_lock.epoch is None:
                with psycopg.connect(postgres_database, autocommit=True) as connection:
                    connection.execute("SELECT pg_terminate_backend(%s)",
                                       (fencing.holder(connection, "notifier"),))
                wait_for(successor_lock.try_acquire, 10, "the successor to take the lock")

    with smtp_server() as (box, port):
        mail = settings.mail.model_copy(update={"host": "127.0.0.1", "port": port,
                                                "tls": "none", "base_url": "https://k.kz"})
        stale = Notifier(app, view, mail, mailer=TakenOverAfterOne(mail),
                         lock=follower_lock("notifier", postgres_database))
        keys = due_deliveries(view, app.clock.now(), 3)
        with pytest.raises(fencing.Fenced):
            stale.step()
        # One message went out before the take-over, and none after it.
        assert len(box.messages) == 1 and successor_lock.epoch == 2
        assert len(sent_keys(view)) == 1
        stale.close()
        successor_lock.close()
        # The one that took over sends the rest, each once.
        successor = Notifier(app, view, mail, lock=follower_lock("notifier", postgres_database))
        successor.step()
        successor.close()
        assert sent_keys(view) == set(keys)
        told = sorted(str(m["To"]) for _, m in box.messages)
        assert told == sorted(f"{k.split(':')[1]}@school.kz" for k in keys)
    view.engine.dispose()
    app.close()


def test_an_engine_process_that_lost_its_partition_cannot_decide_for_it(
        postgres_database: str) -> None:
    settings = Settings(database_url=postgres_database, cipher_key=AESCipher.create_key(32))
    app = SchoolIntegration(env=settings.app_env(), clock_=manual_clock())
    record_history(app, events=30, children=3)
    records = app.recorder.select_notifications(1, 10_000)
    one_partition = lambda key: 0  # noqa: E731 - every child in partition 0
    stale, successor = (PartitionedEngine(app, one_partition) for _ in range(2))
    stale.assign([0])
    successor.assign([0])  # the rebalance gave it to another; the stale one was not told
    assert (stale.deciders[0].epoch, successor.deciders[0].epoch) == (1, 2)
    with pytest.raises(fencing.Fenced):
        stale.apply(0, records)
    assert successor.deciders[0].stored_position() == 0  # nothing of the stale one's went in
    assert successor.apply(0, records) == len(records)
    assert successor.deciders[0].stored_position() == records[-1].id
    assert successor.deciders[0].raised_log  # it decided something
    stale.close()
    successor.close()
    app.close()
