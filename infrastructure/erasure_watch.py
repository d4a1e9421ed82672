"""Erasures made by other processes, seen in the log within a quarter of a second.

A process keeps data keys in memory for a while (`infrastructure.keyring`). An erasure
in another process records `PersonalDataErased` in the log, then destroys the keys;
this watch, asked at most every `EVERY` seconds by the keyring while it is in use,
reads the log's new erasures since the last position it saw, so the keyring drops
those children's keys at once. Two indexed queries on the events table each time:
the log's last position, and the erasures between the last one seen and it.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic
from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.engine import Engine

from domain.model import Child

EVERY = 0.25  # seconds between two looks at the log
ERASED = get_topic(Child.PersonalDataErased)


class ErasureWatch:
    """The children erased since the last look, from the events table `table_name`."""

    def __init__(self, engine: Engine, table_name: str, every: float = EVERY) -> None:
        self.engine = engine
        self.every = every
        self.events = table(table_name, column("id"), column("originator_id"), column("topic"))
        self._next = 0.0
        self._lock = threading.Lock()
        self._exists = False
        self.last: int | None = None
        self._start()

    def due(self) -> bool:
        """True when it is time to look again (cheap: one clock reading)."""
        return time.monotonic() >= self._next

    def erased_since(self) -> list[str]:
        """The ids of the children erased since the last look (another thread looking
        already: none)."""
        if not self._lock.acquire(blocking=False):
            return []
        try:
            self._next = time.monotonic() + self.every
            if not self._start():
                return []
            with self.engine.connect() as connection:
                last = connection.execute(select(func.max(self.events.c.id))).scalar() or 0
                if last <= (self.last or 0):
                    return []
                rows = connection.execute(
                    select(self.events.c.originator_id)
                    .where(self.events.c.id > (self.last or 0), self.events.c.id <= last,
                           self.events.c.topic == ERASED)).scalars().all()
            self.last = last
            return [str(_uuid(value)) for value in rows]
        finally:
            self._lock.release()

    def _start(self) -> bool:
        """Begin at the log's current end (erasures before it destroyed their keys before
        this process could load them); False while the table does not exist yet."""
        if self._exists:
            return True
        if not inspect(self.engine).has_table(self.events.name):
            return False
        with self.engine.connect() as connection:
            self.last = connection.execute(select(func.max(self.events.c.id))).scalar() or 0
        self._exists = True
        return True


def _uuid(value: Any) -> UUID:
    if isinstance(value, UUID):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)) and len(bytes(value)) == 16:
        return UUID(bytes=bytes(value))
    return UUID(str(value))
