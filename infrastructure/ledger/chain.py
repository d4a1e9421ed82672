"""The hash chain over the stored events and its signed checkpoints.

Each stored event (its notification id, stream id, version, topic and stored state,
i.e. the ciphertext when encryption is on) is hashed together with the hash before it,
in notification order. A checkpoint signs (position, number of events, head hash, and
the checkpoint before it) with an Ed25519 key, and is itself stored as an event.
Because the chain covers ciphertext, destroying a key (erasure) leaves it intact.
"""
from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

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
LINKED = "kopir.ledger/2"  # checkpoints that also sign the one before them
FIRST = "0" * 64  # what the first linked checkpoint of a store follows


def checkpoint_message(position: int, count: int, head: str, previous: str = "") -> bytes:
    if not previous:  # a checkpoint of the first format, signed before checkpoints were linked
        return f"{FORMAT}|{position}|{count}|{head}".encode()
    return f"{LINKED}|{position}|{count}|{head}|{previous}".encode()


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
    previous: str = ""  # the digest of the checkpoint before it ("" in the first format)

    def valid_signature(self) -> bool:
        try:
            key = eddsa.import_public_key(bytes.fromhex(self.public_key))
            eddsa.new(key, "rfc8032").verify(
                checkpoint_message(self.position, self.count, self.head, self.previous),
                bytes.fromhex(self.signature))
        except (ValueError, TypeError):
            return False
        return True

    @property
    def digest(self) -> str:
        """What the next checkpoint signs as its `previous`: this one, signature included."""
        message = checkpoint_message(self.position, self.count, self.head, self.previous)
        return hashlib.sha256(message + bytes.fromhex(self.signature)).hexdigest()


def sign(key: ECC.EccKey, position: int, count: int, head: bytes, signed_at: str = "",
         previous: str = FIRST) -> Checkpoint:
    """A checkpoint of the chain's head, linked to the checkpoint before it (`previous`,
    that one's digest; FIRST for a store's first)."""
    message = checkpoint_message(position, count, head.hex(), previous)
    signature = eddsa.new(key, "rfc8032").sign(message)
    return Checkpoint(position, count, head.hex(), public_key_hex(key), signature.hex(),
                      signed_at, previous)


def follows(checkpoints: Sequence[Checkpoint]) -> str:
    """The `previous` a new checkpoint after these signs."""
    return max(checkpoints, key=lambda c: c.position).digest if checkpoints else FIRST


def rows_of(notifications: Iterable[Any]) -> Iterator[Row]:
    for n in notifications:
        state = n.state.encode() if isinstance(n.state, str) else bytes(n.state)
        yield Row(int(n.id), str(n.originator_id), int(n.originator_version), str(n.topic),
                  state)
