"""The one loop every follower of the log runs: batches from its position, an error that
ends it (and is told, never swallowed), transient errors waited out, a scan that stops."""

from __future__ import annotations

from typing import Sequence

import pytest
from eventsourcing.persistence import Notification

from domain.application import SYSTEM, SchoolIntegration
from processes import follower
from processes.follower import LogFollower
from processes.scan import LogScan


def app_with(schools: int) -> SchoolIntegration:
    app = SchoolIntegration(env={"PERSISTENCE_MODULE": "infrastructure.memory"})
    for n in range(schools):
        app.register_school(SYSTEM, f"S{n}", f"School {n}", "Astana")
    return app


class Recorder(LogFollower):
    """Keeps what it was handed; fails as told."""

    name = "recorder"

    def __init__(self, app: SchoolIntegration, fail_at: int | None = None,
                 error: type[Exception] = ValueError, failures: int = 1, **kwargs: int) -> None:
        super().__init__(app, poll_interval=0.01, **kwargs)
        self.batches: list[list[int]] = []
        self.fail_at, self.failure, self.failures = fail_at, error, failures
        self._position = 0

    @property
    def position(self) -> int:
        return self._position

    def handle(self, notifications: Sequence[Notification]) -> None:
        ids = [n.id for n in notifications]
        if self.fail_at in ids and self.failures:
            self.failures -= 1
            raise self.failure(f"cannot apply {self.fail_at}")
        self.batches.append(ids)
        self._position = ids[-1]


def test_a_follower_reads_the_log_in_batches_from_its_position():
    reader = Recorder(app_with(25), batch_size=10)
    assert reader.process_available() == 25
    assert [len(b) for b in reader.batches] == [10, 10, 5]
    assert reader.process_available() == 0  # nothing new: nothing read twice
    reader.app.register_school(SYSTEM, "S99", "Late school", "Almaty")
    assert reader.process_available() == 1 and reader.batches[-1] == [26]


def test_a_follower_that_cannot_go_on_ends_and_says_why():
    reader = Recorder(app_with(5), fail_at=3, batch_size=2)
    reader.start()
    with pytest.raises(ValueError, match="cannot apply 3"):
        reader.wait(5, timeout=5)
    reader.stop()
    assert not reader.alive  # it ended: no thread lives on doing nothing
    assert reader.position == 2  # what came before the failure stays applied
    with pytest.raises(ValueError):  # in the foreground the error ends the run
        Recorder(app_with(5), fail_at=3, failures=99).run()


def test_a_transient_error_is_waited_out(monkeypatch):
    monkeypatch.setattr(follower, "FIRST_BACKOFF", 0.01)

    class Patient(Recorder):
        transient = (ConnectionError,)

    reader = Patient(app_with(5), fail_at=3, error=ConnectionError, failures=2)
    with reader:
        reader.wait(5, timeout=5)
    assert reader.error is None and reader.position == 5


def test_a_scan_reads_once_from_the_start_and_stops_when_told():
    app = app_with(12)
    seen: list[int] = []

    def feed(batch: Sequence[Notification]) -> bool:
        seen.extend(n.id for n in batch)
        return len(seen) < 8

    LogScan(app, feed, batch_size=4).process_available()
    assert seen == list(range(1, 9))  # two batches, then the feed said enough
