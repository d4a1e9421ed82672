"""The ledger over a live store: read its rows in notification order, sign checkpoints,
find the stored ones, verify, export. The chain itself is in kopir/ledger.py."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, Sequence

from Crypto.PublicKey import ECC
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain.application import SchoolIntegration
from domain.model import LedgerCheckpoint
from kopir import ledger

BATCH = 5000
CHECKPOINT_TOPIC = get_topic(LedgerCheckpoint.Checkpointed)


def notifications(app: SchoolIntegration, topics: Sequence[str] = ()) -> Iterator[Notification]:
    """The stored events in notification order (optionally of some topics), in batches."""
    start = 1
    while batch := app.recorder.select_notifications(start, BATCH, topics=topics):
        yield from batch
        start = batch[-1].id + 1


def rows(app: SchoolIntegration) -> Iterator[ledger.Row]:
    """Every stored event as the chain sees it."""
    return ledger.rows_of(notifications(app))


def checkpoints(app: SchoolIntegration) -> list[ledger.Checkpoint]:
    """The checkpoints stored in the log, decoded like any other event."""
    found = []
    for n in notifications(app, [CHECKPOINT_TOPIC]):
        event = app.mapper.to_domain_event(n)
        found.append(ledger.Checkpoint(event.position, event.count, event.head,
                                       event.public_key, event.signature,
                                       event.timestamp.isoformat()))
    return found


def checkpoint(app: SchoolIntegration, key: ECC.EccKey) -> ledger.Checkpoint:
    """Sign the chain's head as it stands now, and store the checkpoint."""
    head, count, position = ledger.GENESIS, 0, 0
    for row, head, count in ledger.chain(rows(app)):
        position = row.id
    signed = ledger.sign(key, position, count, head, app.clock.now().isoformat())
    app.record_checkpoint(signed.position, signed.count, signed.head, signed.public_key,
                          signed.signature)
    return signed


def verify(app: SchoolIntegration, trusted: tuple[str, ...] = (),
           progress: Callable[[int], None] | None = None) -> ledger.Verdict:
    return ledger.verify(rows(app), checkpoints(app), trusted, progress)


def export(app: SchoolIntegration, path: Path) -> int:
    return ledger.export(path, rows(app), checkpoints(app), app.clock.now().isoformat())
