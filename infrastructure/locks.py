"""One active writer per follower: a lock held while a follower writes, and a second lock
by which another process asks the active one to pause (a rebuild, a quarantine retry).

Beside a SQLite store the locks are OS file locks (`flock`): the kernel frees them the
moment their process dies, `kill -9` included. On PostgreSQL they are session advisory
locks on a dedicated connection of their own (never a pooled one), with TCP keepalives,
so a holder that died or was cut off frees its lock within seconds; each holder there
takes a fencing epoch that its writes carry (`infrastructure.fencing`). The tracking
tables' uniqueness stays the safety net under both.

A follower calls `try_acquire` to become the active writer, `held` before every batch
(False when it lost the lock or was asked to pause), `release` when it stops;
`exclusive` is for one-off work that must run alone.
"""

from __future__ import annotations

import time
import zlib
from abc import ABC, abstractmethod
from contextlib import contextmanager, suppress
from typing import Any, Callable, Iterator

from infrastructure import fencing
from infrastructure.settings import sqlite_path

KOPIR_LOCKS, STANDBY_POLL = 0x4B50, 0.5  # advisory locks' first key; seconds between tries


class FollowerLock(ABC):
    """The lock of one follower over one database."""

    epoch: int | None = None  # the fencing token of the latest activation (PostgreSQL)

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def try_acquire(self) -> bool:
        """Become the active writer, unless another holds the lock or asked for a pause."""

    @abstractmethod
    def held(self) -> bool:
        """Still the active writer, and nobody asked for a pause."""

    @abstractmethod
    def release(self) -> None:
        """Stop being the active writer (nothing when not active)."""

    @abstractmethod
    def _hold_pause(self) -> bool:
        """Ask the active writer to pause (without waiting); False if another asked first."""

    @abstractmethod
    def _release_pause(self) -> None:
        """Withdraw the request to pause."""

    def close(self) -> None:
        self.release()

    def busy(self) -> bool:
        """True when another holds the lock (a follower is running); a probe."""
        if self.held():
            return False
        if self.try_acquire():
            self.release()
            return False
        return True

    @contextmanager
    def exclusive(self, waiting: Callable[[], None] | None = None,
                  timeout: float | None = None) -> Iterator[None]:
        """Run alone: ask the active writer to pause, wait until it has, and hold the lock
        until the block ends; `waiting` is called once if there is a wait."""
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while not self._hold_pause():
            told = self._wait(waiting, told, deadline)
        try:
            while not self._acquire_for_pause():
                told = self._wait(waiting, told, deadline)
            try:
                yield
            finally:
                self.release()
        finally:
            self._release_pause()

    def _acquire_for_pause(self) -> bool:
        return self.try_acquire()

    def _wait(self, waiting: Callable[[], None] | None, told: bool,
              deadline: float | None) -> bool:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"{self.name} is still busy")
        if waiting is not None and not told:
            waiting()
        time.sleep(STANDBY_POLL)
        return True


class NoLock(FollowerLock):
    """For a store only this process sees (in memory) or nobody writes (read-only)."""

    def try_acquire(self) -> bool:
        return True

    def held(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def _hold_pause(self) -> bool:
        return True

    def _release_pause(self) -> None:
        pass


def lock_key(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


# A dead peer is noticed after 5 s of silence and 3 unanswered probes 1 s apart; a holder
# that stops answering loses its session (and lock) within about ten seconds, and a
# session left inside a transaction is ended after ten seconds.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 1,
              "keepalives_count": 3, "tcp_user_timeout": 10_000, "connect_timeout": 5,
              "options": "-c idle_in_transaction_session_timeout=10000"}


class AdvisoryLock(FollowerLock):
    """A PostgreSQL session advisory lock on a connection of its own."""

    def __init__(self, name: str, conninfo: str) -> None:
        super().__init__(name)
        self.conninfo = conninfo
        self.key, self.pause_key = lock_key(name), lock_key(name + ".pause")
        self._conn: Any = None
        self._mine = False
        self._pausing = False

    def _connection(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.conninfo, autocommit=True, **KEEPALIVES,
                                         application_name=self.holder)
            self._mine = self._pausing = False  # a new session holds nothing
        return self._conn

    def _one(self, sql: str, *args: int) -> Any:
        try:
            return self._connection().execute(sql, args).fetchone()[0]
        except Exception:
            self._drop()
            raise

    def _drop(self) -> None:
        connection, self._conn, self._mine, self._pausing = self._conn, None, False, False
        if connection is not None:
            connection.close()

    def _paused(self) -> bool:
        if self._pausing:
            return False
        return bool(self._one(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s AND objid = %s AND objsubid = 2)", KOPIR_LOCKS, self.pause_key))

    def try_acquire(self) -> bool:
        if self._mine:
            return True
        if self._paused():
            return False
        self._mine = bool(self._one("SELECT pg_try_advisory_lock(%s, %s)",
                                    KOPIR_LOCKS, self.key))
        if self._mine:  # a newer epoch than any earlier holder's (None: not now after all)
            try:
                self.epoch = fencing.take(self._connection(), self.name, self.holder)
            except Exception:
                self._drop()
                raise
            if self.epoch is None:
                self._drop()
        return self._mine

    @property
    def holder(self) -> str:
        """Who holds it: the connection's application_name (process id included)."""
        return fencing.holder_label(self.name)

    def held(self) -> bool:
        if not self._mine:
            return False
        try:
            mine, paused = self._connection().execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 2), "
                "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid <> pg_backend_pid() AND classid = %s AND objid = %s "
                "AND objsubid = 2)", (KOPIR_LOCKS, self.key, KOPIR_LOCKS, self.pause_key)
            ).fetchone()
        except Exception:  # noqa: BLE001 - a lost connection is a lost lock
            self._drop()
            return False
        if not mine:
            self._mine = False
        return bool(mine) and not (paused and not self._pausing)

    def release(self) -> None:
        if self._mine:
            self._mine = False
            self._unlock(self.key)

    def _unlock(self, key: int) -> None:
        with suppress(Exception):  # a session gone has released everything
            self._one("SELECT pg_advisory_unlock(%s, %s)", KOPIR_LOCKS, key)

    def _hold_pause(self) -> bool:
        if not self._pausing:
            self._pausing = bool(self._one("SELECT pg_try_advisory_lock(%s, %s)",
                                           KOPIR_LOCKS, self.pause_key))
        return self._pausing

    def _release_pause(self) -> None:
        if self._pausing:
            self._pausing = False
            self._unlock(self.pause_key)

    def close(self) -> None:
        self.release()
        self._release_pause()
        self._drop()


def follower_lock(name: str, url: str, read_only: bool = False) -> FollowerLock:
    """The lock of follower `name` writing to the database at `url` (SQLAlchemy URL)."""
    if url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        plain = make_url(url).set(drivername="postgresql")
        return AdvisoryLock(name, plain.render_as_string(hide_password=False))
    path = sqlite_path(url)
    if path is None or read_only:
        return NoLock(name)
    from infrastructure.file_lock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(name, path)
