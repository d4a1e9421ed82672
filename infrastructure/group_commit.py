"""Group commit: the commands that reach the store together share one transaction.

A command is one transaction of its own (its events all or none, its optimistic
concurrency check on the child's version). Most of such a transaction's time is the
commit itself: SQLite's sync of its write-ahead log, PostgreSQL's sync of its WAL plus
the table lock that keeps notification ids in commit order. When several people submit
at once (the interface's sessions are threads of one process), each would wait for the
others' commits one after another.

Here the first waiting thread becomes the leader: it takes every request queued so far
and writes them in one transaction, so one sync serves them all, while the next requests
queue behind it. A request keeps its own meaning: if the shared transaction fails (one
command's version was taken by someone else, say), the leader writes each request of the
group again in a transaction of its own, so only the command at fault gets the error,
and the others are recorded as if they had been alone. A thread alone never waits for
anyone: its request is a group of one.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

from eventsourcing.persistence import StoredEvent

Write = Callable[[Any, Sequence[StoredEvent]], Sequence[int]]  # (session, events) -> ids


class _Request:
    __slots__ = ("events", "ids", "error", "done")

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = events
        self.ids: Sequence[int] = ()
        self.error: BaseException | None = None
        self.done = False


class GroupCommit:
    """Writes the requests of concurrent threads in shared transactions."""

    def __init__(self, transaction: Callable[[], Any], write: Write) -> None:
        self._transaction = transaction  # a context manager yielding a session that commits
        self._write = write
        self._queue: list[_Request] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()
        self.groups = 0  # transactions committed (for the benchmark and the tests)
        self.requests = 0  # requests they held

    def insert(self, events: Sequence[StoredEvent]) -> Sequence[int]:
        """Record `events` in a transaction, possibly shared; their notification ids."""
        request = _Request(events)
        with self._queue_lock:
            self._queue.append(request)
        with self._leader:
            if not request.done:  # nobody took it along: lead a group of what is queued
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._commit(group)
        if request.error is not None:
            raise request.error
        return request.ids

    def _commit(self, group: list[_Request]) -> None:
        try:
            with self._transaction() as session:
                ids = [self._write(session, request.events) for request in group]
        except BaseException as error:
            if len(group) == 1:
                group[0].error = error
                group[0].done = True
                return
            for request in group:  # each alone: only the one at fault fails
                self._commit([request])
            return
        self.groups += 1
        self.requests += len(group)
        for request, request_ids in zip(group, ids):
            request.ids, request.done = request_ids, True
