"""Applying parked events again (`kopir quarantine retry`): in log order, each with its
follower's own `reapply`; what fails again keeps the rest of its stream parked behind it.
Parking itself is `infrastructure.quarantine`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from eventsourcing.persistence import Notification

from domain.errors import KopirError
from infrastructure.quarantine import Quarantine, isolatable, reason_of

log = logging.getLogger(__name__)


@dataclass
class Retried:
    """What a retry did: applied, discarded (never to be applied), still parked."""

    applied: int = 0
    discarded: int = 0
    still: int = 0
    reasons: dict[int, str] = field(default_factory=dict)  # what failed again, and why


def retry(quarantine: Quarantine, app: Any, reapply: Callable[[Notification], None],
          discard: Iterable[int] = ()) -> Retried:
    """Apply the parked events again in log order (the caller holds the follower's lock).
    A stream whose event fails again keeps the rest of its events parked behind it;
    `discard` drops parked events for good (they will be parked again by a rebuild)."""
    dropping, done, failed = set(discard), Retried(), set()
    unknown = dropping - {e["notification_id"] for e in quarantine.entries()}
    if unknown:
        raise NothingParked(sorted(unknown))
    for entry in quarantine.entries():
        number, stream = entry["notification_id"], entry["stream"]
        if number in dropping:
            with quarantine.engine.begin() as connection:
                quarantine.remove(connection, number)
            log.warning("%s: parked event %s discarded", quarantine.follower, number)
            done.discarded += 1
            continue
        if stream in failed:
            done.still += 1
            continue
        found = app.recorder.select_notifications(number, 1)
        try:
            reapply(found[0])
        except Exception as error:
            if not isolatable(error):
                raise
            quarantine.note_failure(number, reason_of(error))
            done.reasons[number] = reason_of(error)
            failed.add(stream)
            done.still += 1
        else:
            done.applied += 1
    quarantine.reload()
    return done


class NothingParked(KopirError):
    """Raised when a parked event to discard is not parked."""

    def __init__(self, numbers: list[int]) -> None:
        super().__init__("not parked: " + ", ".join(str(n) for n in numbers)
                         + " (kopir quarantine list shows what is)")
