"""Clocks: the application reads the time from one of these, never from the OS directly.

The store's own timestamp of every event comes from the clock of the application
that recorded it, so demo data and tests can record history "as it happened" and
time-based rules can be tested with a controllable clock.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from threading import Lock
from typing import Iterator, Protocol

UTC = timezone.utc


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(tz=UTC)


class ManualClock:
    """A clock that moves only when told to: for tests and for recording demo history."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start
        self._lock = Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            if moment < self._now:
                raise ValueError("a ManualClock never goes backwards")
            self._now = moment

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)


SYSTEM_CLOCK = SystemClock()
_current: ContextVar[Clock] = ContextVar("kopir_clock", default=SYSTEM_CLOCK)


def now() -> datetime:
    """The moment according to the clock in use in this context."""
    return _current.get().now()


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """Use `clock` for everything recorded inside the block (store timestamps included)."""
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)
