"""A submission id claimed once in the whole store: the id a form's entry is recorded under.

Staff's forms carry a submission id, so that a form sent twice (a double click, a
retried request, sixteen at once) records once. Its claim is an aggregate whose id is
derived from the submission id and which is saved in the same transaction as the
entry: the store's own uniqueness of (stream, version) lets exactly one claim in, for
exactly one child.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from domain.aggregate import KOPIR_NAMESPACE, KopirAggregate, Stamp


def submission_uuid(entry_id: str) -> UUID:
    return uuid5(KOPIR_NAMESPACE, f"submission:{entry_id}")


class Submission(KopirAggregate):
    def __init__(self) -> None:
        self.child_id = ""

    class Claimed(KopirAggregate.Created):
        """The submission `entry_id` was recorded for the child `child_id`."""

        entry_id: str
        child_id: str

        def apply(self, aggregate: Submission) -> None:  # type: ignore[override]
            aggregate.child_id = self.child_id

    @classmethod
    def claim(cls, entry_id: str, child_id: str, stamp: Stamp) -> Submission:
        return cls._create(cls.Claimed, id=submission_uuid(entry_id), entry_id=entry_id,
                           child_id=child_id, **stamp.fields())
