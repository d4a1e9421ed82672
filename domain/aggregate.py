"""What every aggregate of Köpir shares: ids, the stamp every event carries, the base
class, and the names stored events carry.

Stored events name their class `domain.model:<Aggregate>.<Event>` (the module the
aggregates were first written in). Each class declares that name as its explicit
topic (eventsourcing's `TOPIC`), so the classes can live in modules of their own
while every store, old or new, reads and writes the same names; `domain.model`
gathers them under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import clock

STORED_AS = "domain.model"  # the module name in every stored topic

KOPIR_NAMESPACE = uuid5(NAMESPACE_URL, "https://kopir.example/ids")


def child_id(code: str) -> UUID:
    """The stream id of a child: derived from the pseudonymous code, nothing else."""
    return uuid5(KOPIR_NAMESPACE, f"child:{code}")


def user_id_uuid(user_id: str) -> UUID:
    return uuid5(KOPIR_NAMESPACE, f"user:{user_id}")


def school_uuid(school_id: str) -> UUID:
    return uuid5(KOPIR_NAMESPACE, f"school:{school_id}")


@dataclass(frozen=True)
class Stamp:
    """What every event says of itself: who recorded it, in which role and school, and
    when it happened (the store adds when it was recorded)."""

    recorded_by: str
    role: str
    school_id: str
    occurred_at: datetime

    def fields(self) -> dict[str, Any]:
        return {"recorded_by": self.recorded_by, "role": self.role,
                "school_id": self.school_id, "occurred_at": self.occurred_at}


def stored_topic(cls: type) -> str:
    return f"{STORED_AS}:{cls.__qualname__}"


class KopirAggregate(Aggregate):
    def __init_subclass__(cls, **kwargs: Any) -> None:
        cls.TOPIC = stored_topic(cls)  # before the library registers the class's topics
        super().__init_subclass__(**kwargs)

    class Event(Aggregate.Event):
        """Every event says who recorded it, in which role and school, and when it happened."""

        recorded_by: str
        role: str
        school_id: str
        occurred_at: datetime

        def __init_subclass__(cls, **kwargs: Any) -> None:
            cls.TOPIC = stored_topic(cls)
            super().__init_subclass__(**kwargs)

        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, Aggregate.Created):
        """The first event of every Köpir aggregate."""


