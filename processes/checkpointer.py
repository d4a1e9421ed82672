"""The checkpointer: a follower of the log that keeps the hash chain's head as the log
grows, and signs a checkpoint every so many events or minutes (linked to the last one,
and written down outside the store too), so that tampering is caught without anyone
remembering to run `kopir ledger checkpoint`."""

from __future__ import annotations

import time
from typing import Sequence

from Crypto.PublicKey import ECC
from eventsourcing.persistence import Notification

from domain.application import SchoolIntegration
from infrastructure import ledger
from infrastructure.locks import FollowerLock
from processes import audit
from processes.follower import LogFollower


class Checkpointer(LogFollower):
    name = "checkpointer"

    def __init__(self, app: SchoolIntegration, key: ECC.EccKey, *, every: int = 1000,
                 minutes: float = 60.0, heads: ledger.Heads | None = None,
                 poll_interval: float = 1.0, lock: FollowerLock | None = None) -> None:
        super().__init__(app, batch_size=5000, poll_interval=poll_interval, lock=lock)
        self.key, self.every, self.minutes, self.heads = key, every, minutes, heads
        self.activated()

    def activated(self) -> None:
        """From the log as it stands: another instance may have signed meanwhile."""
        self.chain = ledger.Chain()
        stored = audit.checkpoints(self.app)
        self.previous = ledger.follows(stored)
        # A checkpoint's own row comes right after what it signs: it is not something new.
        self.signed_at = max((c.position + 1 for c in stored), default=0)
        self.last_signed = time.monotonic()

    @property
    def position(self) -> int:
        return self.chain.position

    def handle(self, notifications: Sequence[Notification]) -> None:
        for row in ledger.rows_of(notifications):
            self.chain.add(row)

    def caught_up(self) -> None:
        """Sign when enough was recorded since the last checkpoint, or enough time passed."""
        new = self.chain.position - self.signed_at
        due = new >= self.every or \
            (new > 0 and time.monotonic() - self.last_signed >= self.minutes * 60)
        if due:
            signed = audit.record(self.app, self.key, self.chain, self.previous, self.heads)
            self.previous, self.signed_at = signed.digest, self.chain.position + 1
            self.last_signed = time.monotonic()
