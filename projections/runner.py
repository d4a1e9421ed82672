"""The embedded driver: polls the event store's notification log and feeds the projection.

SQLite has no LISTEN/NOTIFY, so eventsourcing's subscriptions are not available
there; this driver reads `select_notifications` from the tracked position on,
in batches, each batch one read-model transaction.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking

from projections.projection import ReadModelProjection
from projections.views import ReadModelView

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (position reached, last position)


ANALYSE_AFTER = 50_000  # events applied in one go


class EmbeddedRunner:
    def __init__(self, app: Application, view: ReadModelView, *, batch_size: int = 1000,
                 poll_interval: float = 0.1) -> None:
        self.app = app
        self.view = view
        self.projection = ReadModelProjection(view=view)
        self.upstream = app.name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    @property
    def position(self) -> int:
        return self.view.max_tracking_id(self.upstream) or 0

    def process_available(self, stop: int | None = None, progress: Progress | None = None,
                          batch_size: int | None = None) -> int:
        """Project everything recorded so far (or up to `stop`), `batch_size` events per
        transaction (the runner's own by default); returns how many events."""
        done = 0
        start = self.position + 1
        last = stop if stop is not None else (self.app.recorder.max_notification_id() or 0)
        while not self._stop.is_set():
            notifications = self.app.recorder.select_notifications(
                start, batch_size or self.batch_size, stop=stop)
            if not notifications:
                break
            with self.view.unit_of_work():
                for notification in notifications:
                    event = self.app.mapper.to_domain_event(notification)
                    self.projection.process_event(event, Tracking(self.upstream, notification.id))
            done += len(notifications)
            start = notifications[-1].id + 1
            if progress is not None:
                progress(notifications[-1].id, max(last, notifications[-1].id))
        if done >= ANALYSE_AFTER:  # a catch-up or a rebuild changed the tables' shape
            self.view.analyse()
        return done

    # --- background thread ---------------------------------------------------------
    def start(self) -> "EmbeddedRunner":
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kopir-projections",
                                        daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.process_available():
                    self._stop.wait(self.poll_interval)
            except BaseException as error:  # keep it for wait(); the thread ends
                log.exception("projection driver stopped")
                self.error = error
                self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def wait(self, notification_id: int | None, timeout: float = 5.0) -> None:
        """Block until the read models include `notification_id` (TimeoutError otherwise)."""
        if self.error is not None:
            raise self.error
        self.view.wait(self.upstream, notification_id, timeout=timeout)

    def __enter__(self) -> "EmbeddedRunner":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
