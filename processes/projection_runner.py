"""The embedded projection runner: follows the log and keeps the read models current.

Each batch is one read-model transaction that also records the runner's position
(exactly-once effects). The same projection is driven by the Kafka consumers in the
distributed mode; it never knows which.
"""

from __future__ import annotations

from typing import Any, Sequence

from eventsourcing.persistence import Notification, Tracking

from processes.follower import LogFollower, Progress
from projections.projection import ReadModelProjection
from projections.views import ReadModelView

ANALYSE_AFTER = 50_000  # events applied in one go change the tables' shape


class ProjectionRunner(LogFollower):
    name = "projections"

    def __init__(self, app: Any, view: ReadModelView, *, batch_size: int = 1000,
                 poll_interval: float = 0.1) -> None:
        super().__init__(app, batch_size=batch_size, poll_interval=poll_interval)
        self.view = view
        self.projection = ReadModelProjection(view=view)
        self.upstream = app.name

    @property
    def position(self) -> int:
        return self.view.max_tracking_id(self.upstream) or 0

    def handle(self, notifications: Sequence[Notification]) -> None:
        with self.view.unit_of_work():
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                self.projection.process_event(event, Tracking(self.upstream, notification.id))

    def process_available(self, stop: int | None = None, progress: Progress | None = None,
                          batch_size: int | None = None) -> int:
        done = super().process_available(stop, progress, batch_size)
        if done >= ANALYSE_AFTER:  # a catch-up or a rebuild: refresh the planner's statistics
            self.view.analyse()
        return done
