"""Tamper evidence: a hash chain over the stored events, with signed checkpoints.

Each stored event (its notification id, stream id, version, topic and stored state,
i.e. the ciphertext when encryption is on) is hashed together with the hash before it,
in notification order. A checkpoint signs (position, number of events, head hash) with
an Ed25519 key, and is itself stored as an event. Any edited, deleted, reordered or
inserted row at or before a checkpoint changes the head or the count that the
checkpoint signed. Because the chain covers ciphertext, destroying a key (erasure)
leaves it intact.

`ExportFile` writes the rows and checkpoints with the public key to a JSON file that
`verify()` checks offline, with nothing but this module. Reading a live store's rows
in order is the audit scan's work (`processes.audit`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

from infrastructure.errors import LedgerError
from infrastructure.keyring import new_key_file

FORMAT = "kopir.ledger/1"
GENESIS = bytes(32)


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


class Chain:
    """The chain's head over the rows added so far, in notification order."""

    def __init__(self) -> None:
        self.head, self.count, self.position = GENESIS, 0, 0

    def add(self, row: Row) -> None:
        self.head, self.count, self.position = link(self.head, row), self.count + 1, row.id


# --- signing ---------------------------------------------------------------------------
def checkpoint_message(position: int, count: int, head: str) -> bytes:
    return f"{FORMAT}|{position}|{count}|{head}".encode()


def public_key_hex(key: ECC.EccKey) -> str:
    return key.public_key().export_key(format="raw").hex()


def key_id(public_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


def load_signing_key(seed: str = "", path: Path = Path("var/ledger.key"),
                     create: bool = False) -> ECC.EccKey:
    """The checkpoint signing key: from `seed` (base64 32-byte seed, KOPIR_LEDGER_KEY), or
    from the key file at `path`, created when asked (the demo does)."""
    if seed:
        return ECC.construct(curve="ed25519", seed=base64.b64decode(seed))
    if not path.exists():
        if not create:
            raise LedgerError(f"no checkpoint signing key: set KOPIR_LEDGER_KEY or create {path}"
                              " (kopir ledger keygen)")
        new_key_file(path)
    return ECC.construct(curve="ed25519", seed=base64.b64decode(path.read_text().strip()))


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


class Verifier:
    """Recomputes the chain row by row and checks every checkpoint against it: its
    signature, and the head and count at its position. `trusted_keys` (public keys, hex)
    limits who may sign. Rows come in notification order (`feed`), then `verdict()`."""

    def __init__(self, checkpoints: Sequence[Checkpoint], trusted_keys: Sequence[str] = (),
                 progress: Callable[[int], None] | None = None):
        self.progress = progress
        self.problems: list[str] = []
        if not checkpoints:
            self.problems.append("there is no signed checkpoint to verify against")
        self.wanted = sorted(checkpoints, key=lambda c: c.position)
        for c in self.wanted:
            if not c.valid_signature():
                self.problems.append(f"checkpoint at {c.position}: the signature is not valid")
            elif trusted_keys and c.public_key not in trusted_keys:
                self.problems.append(f"checkpoint at {c.position}: signed by an unknown key "
                                     f"{key_id(c.public_key)}")
        self.pending = list(self.wanted)
        self.chain = Chain()

    @property
    def count(self) -> int:
        return self.chain.count

    def feed(self, row: Row) -> None:
        if row.id <= self.chain.position:
            self.problems.append(f"row {row.id} is out of order after row "
                                 f"{self.chain.position}")
        while self.pending and row.id > self.pending[0].position:
            self._check(self.pending.pop(0))
        self.chain.add(row)
        if self.progress and self.chain.count % 10_000 == 0:
            self.progress(self.chain.count)

    def verdict(self) -> Verdict:
        while self.pending:
            c = self.pending.pop(0)
            if c.position > self.chain.position:
                self.problems.append(f"checkpoint at {c.position}: the log ends at "
                                     f"{self.chain.position}; events were removed")
            else:
                self._check(c)
        covered = max((c.count for c in self.wanted), default=0)
        return Verdict(not self.problems, self.count, len(self.wanted), covered,
                       list(self.problems), sorted({key_id(c.public_key) for c in self.wanted}))

    def _check(self, c: Checkpoint) -> None:
        if self.count != c.count:
            self.problems.append(f"checkpoint at {c.position}: {c.count} events were signed, "
                                 f"{self.count} are there")
        elif self.chain.head.hex() != c.head:
            self.problems.append(f"checkpoint at {c.position}: the events up to it were "
                                 "changed (the hash chain differs)")


def verify(rows: Iterable[Row], checkpoints: Sequence[Checkpoint],
           trusted_keys: Sequence[str] = (),
           progress: Callable[[int], None] | None = None) -> Verdict:
    """Verify rows read from anywhere (an export) against checkpoints."""
    verifier = Verifier(checkpoints, trusted_keys, progress)
    for row in rows:
        verifier.feed(row)
    return verifier.verdict()


# --- export ------------------------------------------------------------------------------
class ExportFile:
    """An export an auditor verifies offline (`kopir verify-log --file PATH`): a header
    with the checkpoints, then one line per row, written as the rows come."""

    def __init__(self, path: Path, checkpoints: Sequence[Checkpoint], exported_at: str):
        self.out = open(path, "w", encoding="utf-8")
        self.out.write(json.dumps({"format": FORMAT, "exported_at": exported_at,
                                   "checkpoints": [asdict(c) for c in checkpoints]}) + "\n")
        self.count = 0

    def write(self, row: Row) -> None:
        self.out.write(json.dumps({"id": row.id, "originator_id": row.originator_id,
                                   "version": row.version, "topic": row.topic,
                                   "state": base64.b64encode(row.state).decode()}) + "\n")
        self.count += 1

    def close(self) -> None:
        self.out.close()


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
