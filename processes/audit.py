"""The audit scan: the ledger over a live store. Reads its rows in notification order,
signs checkpoints, finds the stored ones, verifies, exports. The chain itself is in
`infrastructure.ledger`; this module only reads the log, with a `LogScan`."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from Crypto.PublicKey import ECC
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain import access
from domain.access import Actor
from domain.application import SchoolIntegration
from domain.model import LedgerCheckpoint
from infrastructure import ledger
from processes.follower import LogScan

CHECKPOINT_TOPIC = get_topic(LedgerCheckpoint.Checkpointed)


def checkpoints(app: SchoolIntegration) -> list[ledger.Checkpoint]:
    """The checkpoints stored in the log, decoded like any other event."""
    found: list[ledger.Checkpoint] = []

    def decode(batch: Sequence[Notification]) -> None:
        for n in batch:
            event = app.mapper.to_domain_event(n)
            found.append(ledger.Checkpoint(event.position, event.count, event.head,
                                           event.public_key, event.signature,
                                           event.timestamp.isoformat()))

    LogScan(app, decode, topics=[CHECKPOINT_TOPIC]).process_available()
    return found


def each_row(app: SchoolIntegration, use: Callable[[ledger.Row], None]) -> None:
    """Every stored event as the chain sees it, in notification order."""
    def feed(batch: Sequence[Notification]) -> None:
        for row in ledger.rows_of(batch):
            use(row)

    LogScan(app, feed).process_available()


def checkpoint(app: SchoolIntegration, key: ECC.EccKey) -> ledger.Checkpoint:
    """Sign the chain's head as it stands now, and store the checkpoint."""
    chain = ledger.Chain()
    each_row(app, chain.add)
    signed = ledger.sign(key, chain.position, chain.count, chain.head,
                         app.clock.now().isoformat())
    app.record_checkpoint(signed.position, signed.count, signed.head, signed.public_key,
                          signed.signature)
    return signed


def verify(app: SchoolIntegration, trusted: tuple[str, ...] = (),
           progress: Callable[[int], None] | None = None) -> ledger.Verdict:
    """The whole log against its signed checkpoints."""
    verifier = ledger.Verifier(checkpoints(app), trusted, progress)
    each_row(app, verifier.feed)
    return verifier.verdict()


def verify_for(actor: Actor, app: SchoolIntegration,
               progress: Callable[[int], None] | None = None) -> ledger.Verdict:
    """`verify`, for an auditor (the integrity check on the auditor's page)."""
    access.check_may_audit(actor)
    return verify(app, progress=progress)


def export(app: SchoolIntegration, path: Path) -> int:
    """Write every row and the checkpoints for offline verification; returns the rows."""
    out = ledger.ExportFile(path, checkpoints(app), app.clock.now().isoformat())
    try:
        each_row(app, out.write)
    finally:
        out.close()
    return out.count
