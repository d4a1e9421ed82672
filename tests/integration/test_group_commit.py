"""Commands submitted together share one commit, and keep their own meaning: on SQLite and
PostgreSQL, requests queued while another commit runs are written in one transaction,
each gets its own notification ids, and a request whose version was taken fails alone
while the others of its group are recorded."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from domain.application import SchoolIntegration
from infrastructure.settings import Settings

pytestmark = pytest.mark.backends("sqlite", "postgres")


def event(originator: uuid.UUID, version: int) -> StoredEvent:
    return StoredEvent(originator_id=originator, originator_version=version,
                       topic="tests:Recorded", state=b"{}")


def submit_together(recorder: Any, requests: list[list[StoredEvent]]) -> list[Any]:
    """Queue every request behind a commit still running, then let them go: what each got
    back (its ids, or its error)."""
    shared = recorder.group_commit
    results: list[Any] = [None] * len(requests)

    def submit(n: int) -> None:
        try:
            results[n] = recorder.insert_events(requests[n])
        except Exception as error:  # kept for the assertions
            results[n] = error

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(len(requests))]
    with shared._leader:  # a commit running: whatever arrives now queues behind it
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while len(shared._queue) < len(requests) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(shared._queue) == len(requests)
    for thread in threads:
        thread.join(10)
    return results


def test_commands_arriving_together_share_one_commit(settings: Settings):
    # Given a store, and five commands about five children arriving while a commit runs
    app = SchoolIntegration(env=settings.app_env())
    children = [uuid.uuid4() for _ in range(5)]
    before = app.recorder.group_commit.groups
    results = submit_together(app.recorder, [[event(c, 1), event(c, 2)] for c in children])
    # Then one transaction wrote them all, each request getting ids of its own
    assert app.recorder.group_commit.groups == before + 1
    ids = [i for result in results for i in result]
    assert all(len(result) == 2 for result in results)
    assert len(set(ids)) == 10
    stored = app.recorder.select_notifications(min(ids), 100)
    assert {(n.originator_id, n.originator_version) for n in stored} == \
        {(c, v) for c in children for v in (1, 2)}
    app.close()


def test_a_command_whose_version_was_taken_fails_alone(settings: Settings):
    # Given a child whose first event is recorded
    app = SchoolIntegration(env=settings.app_env())
    taken, free = uuid.uuid4(), uuid.uuid4()
    app.recorder.insert_events([event(taken, 1)])
    # When three commands arrive together, one of them for the version already taken
    results = submit_together(app.recorder, [[event(free, 1)], [event(taken, 1)],
                                             [event(free, 2), event(free, 3)]])
    # Then only that one fails, with the store's conflict; the others are recorded
    assert isinstance(results[1], IntegrityError)
    assert len(results[0]) == 1 and len(results[2]) == 2
    versions = [e.originator_version for e in app.recorder.select_events(free)]
    assert versions == [1, 2, 3]
    assert [e.originator_version for e in app.recorder.select_events(taken)] == [1]
    app.close()


def test_a_command_inside_a_larger_transaction_is_not_grouped(settings: Settings):
    # A process recording its position with its decisions writes in its own transaction
    app = SchoolIntegration(env=settings.app_env())
    before = app.recorder.group_commit.requests
    with app.recorder.transaction(commit=True):
        app.recorder.insert_events([event(uuid.uuid4(), 1)])
    assert app.recorder.group_commit.requests == before
    app.close()
