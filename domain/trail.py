"""The audit trail: every read of a child's record, and the signed checkpoints of the log."""

from __future__ import annotations

from typing import Any, Sequence
from uuid import UUID

from domain.aggregate import KopirAggregate, Stamp


class AccessEntry(KopirAggregate):
    """One read of a child's record: who, which child, which fields, why, when. Each read
    is an aggregate of its own, so concurrent readers never conflict, and the access log
    is as immutable (and as tamper-evident) as everything else."""

    def __init__(self) -> None:
        self.child_id = ""

    class RecordViewed(KopirAggregate.Created):
        child_id: str
        child_code: str
        purpose: str  # chronology | replay | events | export | explain
        fields: list[str]
        as_of: str  # ISO time of a replayed moment, or ""

        def apply(self, aggregate: AccessEntry) -> None:  # type: ignore[override]
            aggregate.child_id = self.child_id

    @classmethod
    def view(cls, entry_id: UUID, child_id: str, child_code: str, purpose: str,
             fields: Sequence[str], as_of: str, stamp: Stamp) -> AccessEntry:
        return cls._create(cls.RecordViewed, id=entry_id, child_id=child_id,
                           child_code=child_code, purpose=purpose, fields=sorted(set(fields)),
                           as_of=as_of, **stamp.fields())


class LedgerCheckpoint(KopirAggregate):
    """A signed checkpoint of the hash chain over the stored events (infrastructure.ledger)."""

    def __init__(self) -> None:
        self.position = 0

    class Checkpointed(KopirAggregate.Created):
        """`previous` is the digest of the checkpoint before it, which this one signs too
        (empty for checkpoints made before checkpoints were linked)."""

        class_version = 2
        position: int
        count: int
        head: str
        public_key: str
        signature: str
        previous: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["previous"] = ""

        def apply(self, aggregate: LedgerCheckpoint) -> None:  # type: ignore[override]
            aggregate.position = self.position

    @classmethod
    def sign(cls, checkpoint_id: UUID, position: int, count: int, head: str, public_key: str,
             signature: str, previous: str, stamp: Stamp) -> LedgerCheckpoint:
        return cls._create(cls.Checkpointed, id=checkpoint_id, position=position, count=count,
                           head=head, public_key=public_key, signature=signature,
                           previous=previous, **stamp.fields())
