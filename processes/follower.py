"""One way to follow the event log: a batch loop from a tracked position.

Every process that reads the notification log is a `LogFollower`: the embedded
projection runner, the escalation engine, the relay, the checkpointer, rebuild,
back-test and the audit scan. A follower reads the notifications after its position in
batches and hands each batch to `handle`, which applies it and records the new
position. It runs in the foreground (`run`) or in a thread of its own (`start`), stops
when told, waits out the errors it calls transient, and ends on any other error,
keeping it for `wait()` and `run()` to raise: one that cannot go on does not live on
doing nothing. SQLite has no LISTEN/NOTIFY: followers poll, on every store alike.

A follower that writes holds its `lock` while it does (`infrastructure.locks`): one
active writer per follower and database, the others standing by. The lock is checked
before every batch; one that lost it, or was asked to pause by a rebuild, stops writing
at once and stands by, leaving the lock to a standby for a while. Writes carry the
activation's fencing epoch, refused once replaced (`infrastructure.fencing`); active
again, it calls `activated`, where followers with state start afresh.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from eventsourcing.persistence import Notification

from infrastructure.fencing import Fenced, fenced
from infrastructure.locks import STANDBY_POLL, FollowerLock
from infrastructure.quarantine import Quarantine
from processes.quarantine import Retried, retry

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (position reached, last position)
FIRST_BACKOFF, LAST_BACKOFF = 0.5, 10.0  # seconds between tries while a service is away
YIELD_AFTER_LOSS = 2.0  # seconds a follower that lost its lock leaves it to the standby


class LogFollower(ABC):
    """Follows an application's notification log from a tracked position, in batches."""

    name = "follower"
    # Errors of a service that comes back (a broker restart, a cut connection): waited
    # out with a growing pause, never taken for the end of the follower.
    transient: tuple[type[BaseException], ...] = ()
    topics: Sequence[str] = ()  # only notifications of these event topics (all when empty)
    quarantine: Quarantine | None = None  # where the events it could not apply are parked

    def __init__(self, app: Any, *, batch_size: int = 1000, poll_interval: float = 0.1,
                 lock: FollowerLock | None = None) -> None:
        self.app, self.batch_size, self.poll_interval = app, batch_size, poll_interval
        self.lock = lock  # None: this follower is the only one (a test, a one-off scan)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.active = False  # holds the lock (always, without one)
        self._mutex = threading.RLock()  # one batch loop at a time in this process
        self._keep = 0  # > 0: keep the lock between batches (a running follower)
        self._running = False  # in the loop (`run` or `start`)
        self._standing_by, self._yield_until = False, 0.0  # lost the lock: no try till then

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

    def activated(self) -> None:
        """Called on becoming the active writer (another may have written meanwhile)."""

    def before_batches(self) -> None:
        """Called, active, before a run of batches."""

    # --- the lock ---------------------------------------------------------------------
    def _ensure_active(self) -> bool:
        """True when this follower may write now: it holds the lock, or just took it."""
        if self.lock is None:
            return True
        if self.active:
            if self.lock.held():
                return True
            self._deactivate(lost="the lock was lost or a pause was asked for")
            return False
        if time.monotonic() < self._yield_until or not self.lock.try_acquire():
            if self._running and not self._standing_by:  # a one-off catch-up says nothing
                self._standing_by = True
                log.warning("%s: another instance is active; standing by", self.name)
            return False
        self.active = True
        if self._standing_by:
            log.warning("%s: active now, taking over", self.name)
        self._standing_by = False
        self.activated()
        return True

    def _deactivate(self, lost: str = "") -> None:
        if lost:  # not trying again for a while: a standby takes over first
            log.warning("%s: %s; standing by", self.name, lost)
            self._standing_by, self._yield_until = True, time.monotonic() + YIELD_AFTER_LOSS
        if self.lock is not None and self.active:
            self.active = False
            self.lock.release()

    def retry_parked(self, discard: Sequence[int] = (),
                     waiting: Callable[[], None] | None = None) -> Retried:
        """Apply this follower's parked events again, alone (`processes.quarantine`)."""
        if self.quarantine is None:
            return Retried()
        with self.alone(waiting):
            self.before_batches()
            return retry(self.quarantine, self.app, self.reapply, discard)

    def reapply(self, notification: Notification) -> None:
        """Apply one parked event behind the position, and unpark it (followers that park)."""
        raise NotImplementedError

    @contextmanager
    def alone(self, waiting: Callable[[], None] | None = None) -> Iterator[None]:
        """Run the block as the only writer of this follower: an instance active elsewhere
        is asked to pause, and this waits until it has (`waiting` is told once)."""
        if self.lock is None:
            with self.holding():
                yield
            return
        with self._mutex, self.lock.exclusive(waiting):
            self.active = True
            self._keep += 1
            try:
                self.activated()
                yield
            finally:
                self._keep -= 1
                self.active = False  # the exclusive block lets go of the lock

    @contextmanager
    def holding(self) -> Iterator[bool]:
        """Hold the lock for the block if it can be had; yields whether it is held."""
        with self._mutex:
            self._keep += 1
            try:
                yield self._ensure_active()
            finally:
                self._keep -= 1
                if not self._keep:
                    self._deactivate()

    # --- the batch loop ---------------------------------------------------------------
    def process_available(self, stop: int | None = None, progress: Progress | None = None,
                          batch_size: int | None = None) -> int:
        """Handle everything recorded so far (or up to `stop`), `batch_size` events per
        batch (the follower's own by default); returns how many events."""
        done = 0
        last = stop or 0
        with self.holding() as active:
            if not active:  # another instance is the active writer
                return 0
            self.before_batches()
            if progress is not None and stop is None:
                last = self.app.recorder.max_notification_id() or 0
            while not self._stop.is_set() and self._ensure_active():
                batch = self.app.recorder.select_notifications(
                    self.position + 1, batch_size or self.batch_size, stop=stop,
                    topics=self.topics)
                if not batch:
                    break
                with fenced(self.lock, batch[0].id, batch[-1].id):
                    self.handle(batch)
                done += len(batch)
                if progress is not None:
                    progress(batch[-1].id, max(last, batch[-1].id))
        return done

    def step(self) -> int:
        """One turn of the loop: everything available, then what is due once caught up."""
        with self.holding() as active:
            if not active:
                return 0
            done = self.process_available()
            if self.active or self.lock is None:
                with fenced(self.lock, self.position + 1, self.position):  # moves none
                    self.caught_up()
            return done

    def catch_up(self, timeout: float = 30.0) -> None:
        """Bring this follower's position to the log's end: here when no other instance is
        active, else by waiting (up to `timeout`) for the active one to get there."""
        end = self.app.recorder.max_notification_id() or 0
        self.process_available()
        deadline = time.monotonic() + timeout
        while self.position < end and time.monotonic() < deadline:
            if self.process_available() == 0:
                time.sleep(0.05)

    # --- running ----------------------------------------------------------------------
    def _loop(self, report: bool = True) -> None:
        """The loop; an error that ends it is logged when `report` (a thread's follower),
        and left to the caller to say otherwise (`run` in the foreground)."""
        backoff = FIRST_BACKOFF
        with self._mutex:
            self._keep += 1
            self._running = True
        try:
            self._follow(report, backoff)
        finally:
            with self._mutex:
                self._running = False
                self._keep -= 1
                if not self._keep:
                    self._deactivate()

    def _follow(self, report: bool, backoff: float) -> None:
        while not self._stop.is_set():
            try:
                done = self.step()
            except Fenced as error:  # another took over during the batch: it was refused
                with self._mutex:
                    self._deactivate(lost=str(error))
                continue
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
            if not self.active and self.lock is not None:  # standing by
                self._stop.wait(max(self.poll_interval, STANDBY_POLL))
            elif not done:
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
        self._thread = threading.Thread(target=self._loop, name=f"kopir-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        """Stop, and let go of the lock's connection."""
        self.stop()
        if self.lock is not None:
            with self._mutex:
                self._deactivate()
                self.lock.close()

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
