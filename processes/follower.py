"""One way to follow the event log: a batch loop from a tracked position.

Every process that reads the notification log is a `LogFollower`: the embedded
projection runner, the escalation engine, the relay, rebuild, back-test and the audit
scan. A follower reads the notifications after its position in batches and hands each
batch to `handle`, which applies it and records the new position. It runs in the
foreground (`run`) or in a thread of its own (`start`), stops when told, waits out the
errors it calls transient, and ends on any other error, keeping it for `wait()` and
`run()` to raise: a follower that cannot go on does not live on doing nothing.

SQLite has no LISTEN/NOTIFY, so eventsourcing's subscriptions are not available
there; followers poll `select_notifications` instead, on every store alike.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from typing import Any, Callable, Sequence

from eventsourcing.persistence import Notification

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (position reached, last position)
FIRST_BACKOFF, LAST_BACKOFF = 0.5, 10.0  # seconds between tries while a service is away


class LogFollower(ABC):
    """Follows an application's notification log from a tracked position, in batches."""

    name = "follower"
    # Errors of a service that comes back (a broker restart, a cut connection): waited
    # out with a growing pause, never taken for the end of the follower.
    transient: tuple[type[BaseException], ...] = ()
    topics: Sequence[str] = ()  # only notifications of these event topics (all when empty)

    def __init__(self, app: Any, *, batch_size: int = 1000, poll_interval: float = 0.1) -> None:
        self.app = app
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    # --- what each follower does ------------------------------------------------------
    @property
    @abstractmethod
    def position(self) -> int:
        """The last notification this follower has handled."""

    @abstractmethod
    def handle(self, notifications: Sequence[Notification]) -> None:
        """Apply one batch and record its last notification as the new position."""

    def caught_up(self) -> None:
        """Called each time the follower has read everything recorded so far."""

    # --- the batch loop ---------------------------------------------------------------
    def process_available(self, stop: int | None = None, progress: Progress | None = None,
                          batch_size: int | None = None) -> int:
        """Handle everything recorded so far (or up to `stop`), `batch_size` events per
        batch (the follower's own by default); returns how many events."""
        done = 0
        last = stop or 0
        if progress is not None and stop is None:
            last = self.app.recorder.max_notification_id() or 0
        while not self._stop.is_set():
            batch = self.app.recorder.select_notifications(
                self.position + 1, batch_size or self.batch_size, stop=stop, topics=self.topics)
            if not batch:
                break
            self.handle(batch)
            done += len(batch)
            if progress is not None:
                progress(batch[-1].id, max(last, batch[-1].id))
        return done

    def step(self) -> int:
        """One turn of the loop: everything available, then what is due once caught up."""
        done = self.process_available()
        self.caught_up()
        return done

    # --- running ----------------------------------------------------------------------
    def _loop(self, report: bool = True) -> None:
        """The loop; an error that ends it is logged when `report` (a thread's follower),
        and left to the caller to say otherwise (`run` in the foreground)."""
        backoff = FIRST_BACKOFF
        while not self._stop.is_set():
            try:
                done = self.step()
            except self.transient as error:
                log.warning("%s: a service is unavailable (%s); retrying in %.1fs",
                            self.name, error, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, LAST_BACKOFF)
                continue
            except Exception as error:  # kept for wait() and run(); the loop ends
                if report:
                    log.error("%s stopped: %s", self.name, error,
                              exc_info=log.isEnabledFor(logging.DEBUG))
                self.error = error
                self._stop.set()
                return
            backoff = FIRST_BACKOFF
            if not done:
                self._stop.wait(self.poll_interval)

    def run(self) -> None:
        """Follow the log in this thread until stopped (a stop that came first counts); an
        error ends the run and is raised."""
        self.error = None
        self._loop(report=False)
        if self.error is not None:
            raise self.error

    def start(self) -> "LogFollower":
        """Follow the log in a thread of its own."""
        self._stop.clear()
        self.error = None
        self._thread = threading.Thread(target=self._loop, name=f"kopir-{self.name}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, notification_id: int | None, timeout: float = 5.0) -> None:
        """Block until the follower has handled `notification_id`: raises the follower's
        error if it ended, TimeoutError if it is not there in time."""
        deadline = time.monotonic() + timeout
        while True:
            if self.error is not None:
                raise self.error
            if notification_id is None or self.position >= notification_id:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} has not reached notification "
                                   f"{notification_id} within {timeout}s")
            time.sleep(0.01)

    def __enter__(self) -> "LogFollower":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


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
