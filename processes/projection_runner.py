"""The embedded projection runner: follows the log and keeps the read models current.

Each batch is one read-model transaction that also records the runner's position
(exactly-once effects). The same projection is driven by the Kafka consumers in the
distributed mode; it never knows which.

An event the projection cannot apply is parked (`infrastructure.quarantine`) and the runner
goes on: a batch that fails is rolled back and applied again one event at a time, so
the one at fault is parked with its reason and the rest are applied; the later events
of its stream wait behind it.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

from eventsourcing.persistence import Notification, Tracking

from infrastructure.locks import FollowerLock
from infrastructure.quarantine import Quarantine, isolatable, reason_of
from processes.follower import LogFollower, Progress
from projections.projection import ReadModelProjection
from projections.views import ReadModelView

log = logging.getLogger(__name__)
ANALYSE_AFTER = 50_000  # events applied in one go change the tables' shape


class ProjectionRunner(LogFollower):
    name = "projections"

    def __init__(self, app: Any, view: ReadModelView, *, batch_size: int = 1000,
                 poll_interval: float = 0.1, lock: FollowerLock | None = None) -> None:
        super().__init__(app, batch_size=batch_size, poll_interval=poll_interval, lock=lock)
        self.view = view
        self.projection = ReadModelProjection(view=view)
        self.upstream = app.name
        self.quarantine = Quarantine(view.engine, self.name)

    @property
    def position(self) -> int:
        return self.view.max_tracking_id(self.upstream) or 0

    def activated(self) -> None:
        self.quarantine.reload()  # another instance may have parked or retried meanwhile
        self._shape_checked = False

    def before_batches(self) -> None:
        """Read models made by an earlier release are projected again, whole (its old
        escalations fold into concerns on the way). Checked once per activation."""
        if getattr(self, "_shape_checked", False):
            return
        self._shape_checked = True
        if self.view.outdated():
            log.warning("%s: the read models have an earlier shape; projecting the log "
                        "again", self.name)
            self.view.reshape()
            self.quarantine.clear()

    def handle(self, notifications: Sequence[Notification]) -> None:
        try:
            self._apply(notifications)
        except Exception as error:
            if not isolatable(error):
                raise
            for notification in notifications:  # find the one at fault
                self._apply_alone(notification)

    def _apply(self, notifications: Sequence[Notification]) -> None:
        waiting = []
        with self.view.unit_of_work() as uow:
            for notification in notifications:
                tracking = Tracking(self.upstream, notification.id)
                behind = self.quarantine.behind(notification)
                if behind is not None:
                    waiting.append(self.quarantine.waiting(notification, behind))
                    self.view.note_position(tracking)
                    continue
                event = self.app.mapper.to_domain_event(notification)
                self.projection.process_event(event, tracking)
            self.quarantine.write(uow.session, waiting)
        self.quarantine.committed(waiting)

    def _apply_alone(self, notification: Notification) -> None:
        try:
            self._apply([notification])
            return
        except Exception as error:
            if not isolatable(error):
                raise
            row = self.quarantine.row(notification, reason_of(error))
        with self.view.unit_of_work() as uow:
            self.view.note_position(Tracking(self.upstream, notification.id))
            self.quarantine.write(uow.session, [row])
        self.quarantine.committed([row])
        log.warning("%s: event %s parked: %s", self.name, notification.id, row["reason"])

    def reapply(self, notification: Notification) -> None:
        """Apply a parked event behind the position, and unpark it, in one transaction."""
        with self.view.unit_of_work(out_of_order=True) as uow:
            event = self.app.mapper.to_domain_event(notification)
            self.projection.process_event(event, Tracking(self.upstream, notification.id))
            self.quarantine.remove(uow.session, notification.id)

    def process_available(self, stop: int | None = None, progress: Progress | None = None,
                          batch_size: int | None = None) -> int:
        done = super().process_available(stop, progress, batch_size)
        if done >= ANALYSE_AFTER:  # a catch-up or a rebuild: refresh the planner's statistics
            self.view.analyse()
        return done
