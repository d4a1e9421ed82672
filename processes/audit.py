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
from domain.model import Child, LedgerCheckpoint
from infrastructure import ledger
from infrastructure.cipher import KopirMapper
from infrastructure.errors import HeadsUnavailable
from processes.scan import LogScan

CHECKPOINT_TOPIC = get_topic(LedgerCheckpoint.Checkpointed)
ENROLLED_TOPIC = get_topic(Child.ChildEnrolled)
ERASED_TOPIC = get_topic(Child.PersonalDataErased)


def checkpoints(app: SchoolIntegration) -> list[ledger.Checkpoint]:
    """The checkpoints stored in the log, decoded like any other event."""
    found: list[ledger.Checkpoint] = []

    def decode(batch: Sequence[Notification]) -> None:
        for n in batch:
            event = app.mapper.to_domain_event(n)
            found.append(ledger.Checkpoint(event.position, event.count, event.head,
                                           event.public_key, event.signature,
                                           event.timestamp.isoformat(), event.previous))

    LogScan(app, decode, topics=[CHECKPOINT_TOPIC]).process_available()
    return found


def each_row(app: SchoolIntegration, use: Callable[[ledger.Row], None]) -> None:
    """Every stored event as the chain sees it, in notification order."""
    def feed(batch: Sequence[Notification]) -> None:
        for row in ledger.rows_of(batch):
            use(row)

    LogScan(app, feed).process_available()


def checkpoint(app: SchoolIntegration, key: ECC.EccKey,
               heads: ledger.Heads | None = None) -> ledger.Checkpoint:
    """Sign the chain's head as it stands now, linked to the last checkpoint; store the
    checkpoint, and write it down outside the store too."""
    chain = ledger.Chain()
    each_row(app, chain.add)
    return record(app, key, chain, ledger.follows(checkpoints(app)), heads)


def record(app: SchoolIntegration, key: ECC.EccKey, chain: ledger.Chain, previous: str,
           heads: ledger.Heads | None) -> ledger.Checkpoint:
    """Sign `chain`'s head after the checkpoint whose digest is `previous`, and keep it."""
    signed = ledger.sign(key, chain.position, chain.count, chain.head,
                         app.clock.now().isoformat(), previous)
    app.record_checkpoint(signed.position, signed.count, signed.head, signed.public_key,
                          signed.signature, signed.previous)
    if heads is not None:
        heads.append(signed)
    return signed


def verify(app: SchoolIntegration, trusted: Sequence[str] = (),
           progress: Callable[[int], None] | None = None,
           heads: ledger.Heads | None = None,
           expected: Sequence[ledger.Checkpoint] = ()) -> ledger.Verdict:
    """The whole log against its signed checkpoints (signed by a trusted key, each after
    the one before), against the heads kept outside the store and those an auditor
    expects; and every child's data key either there or erased."""
    stored = checkpoints(app)
    verifier = ledger.Verifier(stored, tuple(trusted), progress)
    each_row(app, verifier.feed)
    verdict = verifier.verdict()
    try:
        kept = heads.read() if heads is not None else []
    except HeadsUnavailable as error:
        kept, verdict.ok = [], False
        verdict.problems.append(str(error))
    found = ledger.rolled_back(stored, kept)
    found += ledger.missing_heads(stored, expected)
    if found:
        verdict.ok = False
        verdict.problems += found
    for code in missing_keys(app):
        verdict.ok = False
        verdict.problems.append(f"the data key of {code} is missing and no erasure was recorded")
    return verdict


def missing_keys(app: SchoolIntegration) -> list[str]:
    """Codes of the children whose data key is gone although no erasure was recorded
    (a key deleted behind the application's back blanks their text silently)."""
    if not isinstance(app.mapper, KopirMapper) or app.mapper.keyring is None:
        return []
    children: dict[str, str] = {}
    erased: set[str] = set()

    def note(batch: Sequence[Notification]) -> None:
        for n in batch:
            event = app.mapper.to_domain_event(n)
            if isinstance(event, Child.ChildEnrolled):
                children[str(event.originator_id)] = event.code
            else:
                erased.add(str(event.originator_id))

    LogScan(app, note, topics=[ENROLLED_TOPIC, ERASED_TOPIC]).process_available()
    holders = app.mapper.keyring.owners()
    return sorted(code for child, code in children.items()
                  if child not in holders and child not in erased)


def verify_for(actor: Actor, app: SchoolIntegration, trusted: Sequence[str],
               heads: ledger.Heads | None,
               progress: Callable[[int], None] | None = None) -> ledger.Verdict:
    """`verify`, for an auditor (the integrity check on the auditor's page)."""
    access.check_may_audit(actor)
    return verify(app, trusted, progress, heads)


def export(app: SchoolIntegration, path: Path) -> int:
    """Write every row and the checkpoints for offline verification; returns the rows."""
    out = ledger.ExportFile(path, checkpoints(app), app.clock.now().isoformat())
    try:
        each_row(app, out.write)
    finally:
        out.close()
    return out.count
