"""Retention on a schedule: the system erases the personal content of the children whose
retention period (domain.retention) has run out, each with the rule, its dates and the
law it follows as the legal basis recorded in PersonalDataErased.

The policy is the approval: no second person decides these erasures, and the actor
recorded is the system's retention user (`RETENTION_ACTOR`). What the policy needs
(birth years, closings, erasures) is kept from the log by a `LogFollower` reading only
those events, so the same loop, lock and shutdown serve the embedded mode (a thread
beside the other followers), the distributed mode (`kopir retention run --every`, one
active at a time) and a one-off run from the command line. The time is the
application's clock, so tests move it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Sequence

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain.access import ALL_SCHOOLS, Actor, Role
from domain.application import SchoolIntegration
from domain.errors import KopirError, MissingMasterKey
from domain.model import Child, child_id
from domain.retention import Due, Lifetimes, RetentionPolicy
from infrastructure.locks import FollowerLock
from processes.erasure import settle
from processes.follower import LogFollower
from processes.projection_runner import ProjectionRunner

log = logging.getLogger(__name__)
RETENTION = "retention"
# Not an account (a colon is in no user name): the schedule itself, acting on the policy.
RETENTION_ACTOR = Actor("system:retention", Role.ADMIN, frozenset({ALL_SCHOOLS}),
                        "Köpir retention schedule")
TOPICS = tuple(get_topic(cls) for cls in (Child.ChildEnrolled, Child.EnrolmentClosed,
                                          Child.PersonalDataErased))


@dataclass(frozen=True)
class Outcome:
    """One child due: erased (with the keys destroyed), refused (why), or only listed."""

    due: Due
    erased: bool = False
    keys: int = 0
    refused: str = ""


class Retention(LogFollower):
    name = RETENTION
    topics = TOPICS

    def __init__(self, app: SchoolIntegration, policy: RetentionPolicy, *,
                 every: float | None = None, runner: ProjectionRunner | None = None,
                 poll_interval: float = 1.0, lock: FollowerLock | None = None) -> None:
        """`every`: seconds between scheduled runs once caught up (None: never by itself);
        `runner`: the read models to bring up to the erasures (embedded mode)."""
        super().__init__(app, batch_size=5000, poll_interval=poll_interval, lock=lock)
        self.policy, self.every, self.runner = policy, every, runner
        self.activated()

    def activated(self) -> None:
        """From the start of the log: another instance may have erased meanwhile."""
        self.lives = Lifetimes()
        self._position = 0
        self.ran_at: float | None = None

    @property
    def position(self) -> int:
        return self._position

    def handle(self, notifications: Sequence[Notification]) -> None:
        for notification in notifications:
            self.lives.observe(self.app.mapper.to_domain_event(notification))
        self._position = notifications[-1].id

    def due(self) -> list[Due]:
        """The children due for erasure now, by the application's clock."""
        return self.policy.due(self.lives, self.app.clock.now())

    def erase_due(self, dry_run: bool = False) -> list[Outcome]:
        """Erase every child due now (with a dry run, only list them); the read models and
        files are settled once, after the last erasure."""
        due = self.due()
        if dry_run or not due:
            return [Outcome(d) for d in due]
        if not getattr(self.app.mapper, "encrypts", False):
            raise MissingMasterKey()
        outcomes = []
        for d in due:
            try:
                keys = self.app.erase_personal_data(RETENTION_ACTOR, d.code, d.legal_basis)
            except KopirError as error:  # erased meanwhile by a request, say: the next one
                outcomes.append(Outcome(d, refused=str(error)))
                continue
            self.lives.by_id[child_id(d.code)].erased = True
            outcomes.append(Outcome(d, erased=True, keys=keys))
        if any(o.erased for o in outcomes):
            settle(self.app, self.runner)
        return outcomes

    def caught_up(self) -> None:
        """On schedule: erase what is due, every `every` seconds."""
        if self.every is None:
            return
        now = time.monotonic()
        if self.ran_at is not None and now - self.ran_at < self.every:
            return
        self.ran_at = now
        outcomes = self.erase_due()
        for o in outcomes:
            if o.erased:
                log.warning("retention: erased %s (%d keys): %s", o.due.code, o.keys,
                            o.due.legal_basis)
            else:
                log.warning("retention: could not erase %s: %s", o.due.code, o.refused)


def run_once(retention: Retention, dry_run: bool) -> list[Outcome]:
    """One run from the command line, alone: a scheduled instance active elsewhere pauses
    meanwhile (a dry run reads only, beside it)."""
    if dry_run:
        retention.lock = None
        retention.process_available()
        return retention.erase_due(dry_run=True)
    with retention.alone():
        retention.process_available()
        return retention.erase_due()
