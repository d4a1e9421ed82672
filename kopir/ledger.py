"""Tamper evidence: a hash chain over the stored events, with signed checkpoints.

Each stored event (its notification id, stream id, version, topic and stored state,
i.e. the ciphertext when encryption is on) is hashed together with the hash before it,
in notification order. A checkpoint signs (position, number of events, head hash) with
an Ed25519 key, and is itself stored as an event. Any edited, deleted, reordered or
inserted row at or before a checkpoint changes the head or the count that the
checkpoint signed. Because the chain covers ciphertext, destroying a key (erasure)
leaves it intact.

`export()` writes the rows and checkpoints with the public key to a JSON file that
`verify()` checks offline, with nothing but this module.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

FORMAT = "kopir.ledger/1"
GENESIS = bytes(32)
CHECKPOINT_TOPIC_PART = "LedgerCheckpoint"


@dataclass(frozen=True)
class Row:
    """A stored event as the chain sees it."""

    id: int
    originator_id: str
    version: int
    topic: str
    state: bytes


def link(previous: bytes, row: Row) -> bytes:
    h = hashlib.sha256()
    h.update(previous)
    h.update(struct.pack(">QQ", row.id, row.version))
    for part in (row.originator_id.encode(), row.topic.encode(), row.state):
        h.update(struct.pack(">Q", len(part)))
        h.update(part)
    return h.digest()


def chain(rows: Iterable[Row]) -> Iterator[tuple[Row, bytes, int]]:
    """Each row with the head hash after it and how many rows the chain has covered."""
    head, count = GENESIS, 0
    for row in rows:
        head = link(head, row)
        count += 1
        yield row, head, count


# --- signing ---------------------------------------------------------------------------
def checkpoint_message(position: int, count: int, head: str) -> bytes:
    return f"{FORMAT}|{position}|{count}|{head}".encode()


def public_key_hex(key: ECC.EccKey) -> str:
    return key.public_key().export_key(format="raw").hex()


def key_id(public_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


def load_signing_key(env: dict[str, str] | None = None,
                     default_file: Path | None = None, create: bool = False) -> ECC.EccKey:
    """The checkpoint signing key: KOPIR_LEDGER_KEY (base64 32-byte seed), or a key file
    (KOPIR_LEDGER_KEY_FILE, or the default one, created when asked: the demo does)."""
    env = dict(os.environ if env is None else env)
    if env.get("KOPIR_LEDGER_KEY"):
        return ECC.construct(curve="ed25519", seed=base64.b64decode(env["KOPIR_LEDGER_KEY"]))
    path = Path(env.get("KOPIR_LEDGER_KEY_FILE") or default_file or "var/ledger.key")
    if not path.exists():
        if not create:
            raise LedgerError(f"no checkpoint signing key: set KOPIR_LEDGER_KEY or create {path}"
                              " (kopir ledger keygen)")
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = os.urandom(32)
        path.write_text(base64.b64encode(seed).decode() + "\n")
        path.chmod(0o600)
    return ECC.construct(curve="ed25519", seed=base64.b64decode(path.read_text().strip()))


class LedgerError(Exception):
    """Raised when the ledger cannot be read, signed or verified as asked."""


@dataclass(frozen=True)
class Checkpoint:
    position: int
    count: int
    head: str
    public_key: str
    signature: str
    signed_at: str = ""

    def valid_signature(self) -> bool:
        try:
            key = eddsa.import_public_key(bytes.fromhex(self.public_key))
            eddsa.new(key, "rfc8032").verify(
                checkpoint_message(self.position, self.count, self.head),
                bytes.fromhex(self.signature))
        except (ValueError, TypeError):
            return False
        return True


def sign(key: ECC.EccKey, position: int, count: int, head: bytes,
         signed_at: str = "") -> Checkpoint:
    message = checkpoint_message(position, count, head.hex())
    signature = eddsa.new(key, "rfc8032").sign(message)
    return Checkpoint(position, count, head.hex(), public_key_hex(key), signature.hex(),
                      signed_at)


# --- verification ------------------------------------------------------------------------
@dataclass
class Verdict:
    ok: bool
    events: int
    checkpoints: int
    covered: int  # events at or before the last checkpoint
    problems: list[str] = field(default_factory=list)
    key_ids: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.ok:
            return "NOT VERIFIED: " + "; ".join(self.problems)
        tail = self.events - self.covered
        return (f"verified: {self.events} events, {self.checkpoints} signed checkpoints "
                f"(keys {', '.join(self.key_ids) or 'none'}); {self.covered} events covered by "
                f"a checkpoint, {tail} recorded after the last one")


def verify(rows: Iterable[Row], checkpoints: Sequence[Checkpoint],
           trusted_keys: Sequence[str] = (),
           progress: Callable[[int], None] | None = None) -> Verdict:
    """Recompute the chain and check every checkpoint against it: its signature, and the
    head and count at its position. `trusted_keys` (public keys, hex) limits who may sign."""
    problems: list[str] = []
    if not checkpoints:
        problems.append("there is no signed checkpoint to verify against")
    wanted = sorted(checkpoints, key=lambda c: c.position)
    for c in wanted:
        if not c.valid_signature():
            problems.append(f"checkpoint at {c.position}: the signature is not valid")
        elif trusted_keys and c.public_key not in trusted_keys:
            problems.append(f"checkpoint at {c.position}: signed by an unknown key {key_id(c.public_key)}")
    pending = list(wanted)
    head, count, last_id, events = GENESIS.hex(), 0, 0, 0
    for row, digest, n in chain(rows):
        if row.id <= last_id:
            problems.append(f"row {row.id} is out of order after row {last_id}")
        while pending and row.id > pending[0].position:
            _check(pending.pop(0), head, count, problems)
        head, count, last_id, events = digest.hex(), n, row.id, n
        if progress and n % 10_000 == 0:
            progress(n)
    while pending:
        c = pending.pop(0)
        if c.position > last_id:
            problems.append(f"checkpoint at {c.position}: the log ends at {last_id}; "
                            "events were removed")
        else:
            _check(c, head, count, problems)
    covered = max((c.count for c in wanted), default=0)
    return Verdict(not problems, events, len(wanted), covered, problems,
                   sorted({key_id(c.public_key) for c in wanted}))


def _check(c: Checkpoint, head: str, count: int, problems: list[str]) -> None:
    if count != c.count:
        problems.append(f"checkpoint at {c.position}: {c.count} events were signed, "
                        f"{count} are there")
    elif head != c.head:
        problems.append(f"checkpoint at {c.position}: the events up to it were changed "
                        "(the hash chain differs)")


# --- export ------------------------------------------------------------------------------
def export(path: Path, rows: Iterable[Row], checkpoints: Sequence[Checkpoint],
           exported_at: str) -> int:
    """Write an export an auditor verifies offline (`kopir verify-log --file PATH`)."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps({"format": FORMAT, "exported_at": exported_at,
                              "checkpoints": [asdict(c) for c in checkpoints]}) + "\n")
        for row in rows:
            out.write(json.dumps({"id": row.id, "originator_id": row.originator_id,
                                  "version": row.version, "topic": row.topic,
                                  "state": base64.b64encode(row.state).decode()}) + "\n")
            count += 1
    return count


def read_export(path: Path) -> tuple[list[Checkpoint], Iterator[Row]]:
    handle = open(path, encoding="utf-8")
    header = json.loads(handle.readline())
    if header.get("format") != FORMAT:
        raise LedgerError(f"{path} is not a Köpir ledger export ({FORMAT})")
    checkpoints = [Checkpoint(**c) for c in header["checkpoints"]]

    def rows() -> Iterator[Row]:
        with handle:
            for line in handle:
                r = json.loads(line)
                yield Row(r["id"], r["originator_id"], r["version"], r["topic"],
                          base64.b64decode(r["state"]))
    return checkpoints, rows()


def rows_of(notifications: Iterable[Any]) -> Iterator[Row]:
    for n in notifications:
        state = n.state.encode() if isinstance(n.state, str) else bytes(n.state)
        yield Row(int(n.id), str(n.originator_id), int(n.originator_version), str(n.topic),
                  state)
