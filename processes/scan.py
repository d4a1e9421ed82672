"""A one-off read of the log: the audit's checks, back-tests and the engine's replay."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from eventsourcing.persistence import Notification

from processes.follower import LogFollower


class LogScan(LogFollower):
    """A one-off read of the log from its start (or `after` a position), tracking
    nothing: each batch goes to `feed`, which may return False to end the scan early."""

    name = "scan"

    def __init__(self, app: Any, feed: Callable[[Sequence[Notification]], bool | None], *,
                 topics: Sequence[str] = (), batch_size: int = 5000, after: int = 0) -> None:
        super().__init__(app, batch_size=batch_size)
        self.feed = feed
        self.topics = tuple(topics)
        self._position = after

    @property
    def position(self) -> int:
        return self._position

    def handle(self, notifications: Sequence[Notification]) -> None:
        self._position = notifications[-1].id
        if self.feed(notifications) is False:
            self._stop.set()
