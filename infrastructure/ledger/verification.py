"""Verifying a log against its checkpoints: the chain recomputed row by row, every
checkpoint's signature (by a trusted key), head and count at its position, the links
between checkpoints, and the heads kept outside the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from infrastructure.ledger.chain import FIRST, Chain, Checkpoint, Row, key_id


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

        def count(n: int, word: str) -> str:
            return f"{n:,} {word}{'' if n == 1 else 's'}"

        keys = ", ".join(self.key_ids) or "none"
        return (f"verified: {count(self.events, 'event')}, "
                f"{count(self.checkpoints, 'signed checkpoint')} (signing key "
                f"{keys}); {self.covered:,} covered by a checkpoint, {tail:,} recorded after "
                f"the last one (the next checkpoint covers them; the hash chain already does)")


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
        if not trusted_keys:
            self.problems.append("no checkpoint key is trusted: configure the public keys that "
                                 "sign checkpoints (KOPIR_LEDGER_TRUSTED_KEYS) or pass --trust")
        self.wanted = sorted(checkpoints, key=lambda c: c.position)
        for c in self.wanted:
            if not c.valid_signature():
                self.problems.append(f"checkpoint at {c.position}: the signature is not valid")
            elif trusted_keys and c.public_key not in trusted_keys:
                self.problems.append(f"checkpoint at {c.position}: signed by an unknown key "
                                     f"{key_id(c.public_key)}")
        self.problems += broken_links(self.wanted)
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


def broken_links(checkpoints: Sequence[Checkpoint]) -> list[str]:
    """Where the linked checkpoints (in position order) do not each sign the one before
    them: a checkpoint was deleted, or one was put in."""
    problems, before = [], None
    for c in checkpoints:
        if c.previous:
            expected = before.digest if before is not None else FIRST
            if c.previous != expected:
                problems.append(f"checkpoint at {c.position} does not follow the checkpoint "
                                f"before it: a checkpoint is missing")
        before = c
    return problems


def rolled_back(checkpoints: Sequence[Checkpoint], kept: Iterable[Checkpoint]) -> list[str]:
    """Checkpoints kept outside the store (the heads file, an auditor's note) that the store
    no longer holds: the log was rolled back or rewritten."""
    present = {(c.position, c.head, c.signature) for c in checkpoints}
    return [f"the checkpoint at {c.position} (head {c.head[:16]}…) kept outside the store is "
            "not in it: the log was rolled back or rewritten"
            for c in kept if (c.position, c.head, c.signature) not in present]


def verify(rows: Iterable[Row], checkpoints: Sequence[Checkpoint],
           trusted_keys: Sequence[str] = (),
           progress: Callable[[int], None] | None = None) -> Verdict:
    """Verify rows read from anywhere (an export) against checkpoints."""
    verifier = Verifier(checkpoints, trusted_keys, progress)
    for row in rows:
        verifier.feed(row)
    return verifier.verdict()
