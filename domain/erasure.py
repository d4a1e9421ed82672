"""Erasure requests, decided by a second person (four eyes).

An administrator asks for a child's personal data to be erased, with the lawful request
it answers; a data-protection officer (or a second administrator) approves or rejects
it, with a reason. Only an approval erases. The requests are few, so they live in one
register (one event stream): pending requests and recent decisions read straight from
it, with no read model. Its text is sealed under the store's own key, not the child's,
so the record of an erasure outlives the data it erased.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid5

from domain.aggregate import KOPIR_NAMESPACE, KopirAggregate, Stamp
from domain.errors import KopirError

REGISTER_ID = uuid5(KOPIR_NAMESPACE, "erasure-requests")
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


class ErasureRequestError(KopirError):
    """Raised when an erasure request is unknown, already decided, or a request for the
    same child already waits for a decision."""

    code = "erasure.unknown"


class ErasureRegister(KopirAggregate):
    """Every erasure request and its decision, by request id."""

    def __init__(self) -> None:
        self.requests: dict[str, dict[str, Any]] = {}

    class Opened(KopirAggregate.Created):
        """The register's first event: nothing asked yet."""

    class ErasureRequested(KopirAggregate.Event):
        request_id: str
        child_code: str
        reason: str  # the lawful request it answers

        def apply(self, aggregate: ErasureRegister) -> None:  # type: ignore[override]
            aggregate.requests[self.request_id] = {
                "request_id": self.request_id, "child_code": self.child_code,
                "reason": self.reason, "requested_by": self.recorded_by,
                "requested_at": self.occurred_at, "school_id": self.school_id,
                "status": PENDING, "decided_by": "", "decided_at": None, "note": ""}

    class ErasureApproved(KopirAggregate.Event):
        request_id: str
        note: str

        def apply(self, aggregate: ErasureRegister) -> None:  # type: ignore[override]
            aggregate.decided(self, APPROVED)

    class ErasureRejected(KopirAggregate.Event):
        request_id: str
        note: str

        def apply(self, aggregate: ErasureRegister) -> None:  # type: ignore[override]
            aggregate.decided(self, REJECTED)

    def decided(self, event: Any, status: str) -> None:
        self.requests[event.request_id].update(
            status=status, decided_by=event.recorded_by, decided_at=event.occurred_at,
            note=event.note)

    # --- guards and commands -----------------------------------------------------------
    @classmethod
    def open(cls, stamp: Stamp) -> ErasureRegister:
        return cls._create(cls.Opened, id=REGISTER_ID, **stamp.fields())

    def pending(self, request_id: str) -> dict[str, Any]:
        """The request, while it waits for a decision. Raised (ErasureRequestError) when
        there is no such request or it was decided."""
        request = self.requests.get(request_id) if isinstance(request_id, str) else None
        if request is None:
            raise ErasureRequestError(request=str(request_id)[:40])
        if request["status"] != PENDING:
            raise ErasureRequestError(code=f"erasure.{request['status']}", request=request_id)
        return request

    def check_none_pending(self, child_code: str) -> None:
        """Raised when a request to erase the same child already waits for a decision."""
        for request in self.requests.values():
            if request["child_code"] == child_code and request["status"] == PENDING:
                raise ErasureRequestError(code="erasure.pending", child=child_code,
                                          request=request["request_id"])

    def request(self, request_id: str, child_code: str, reason: str, stamp: Stamp) -> None:
        self.check_none_pending(child_code)
        self.trigger_event(self.ErasureRequested, request_id=request_id, child_code=child_code,
                           reason=reason, **stamp.fields())

    def approve(self, request_id: str, note: str, stamp: Stamp) -> None:
        self.pending(request_id)
        self.trigger_event(self.ErasureApproved, request_id=request_id, note=note,
                           **stamp.fields())

    def reject(self, request_id: str, note: str, stamp: Stamp) -> None:
        self.pending(request_id)
        self.trigger_event(self.ErasureRejected, request_id=request_id, note=note,
                           **stamp.fields())

    def listed(self) -> list[dict[str, Any]]:
        """Pending requests first (oldest first), then decisions (newest first)."""
        pending = [dict(r) for r in self.requests.values() if r["status"] == PENDING]
        decided = [dict(r) for r in self.requests.values() if r["status"] != PENDING]
        pending.sort(key=lambda r: r["requested_at"])
        decided.sort(key=lambda r: r["decided_at"], reverse=True)
        return pending + decided


def legal_basis(request: dict[str, Any], approver: str) -> str:
    """What PersonalDataErased records of an approved request: the request, who asked,
    who approved, and the lawful request it answers."""
    return (f"erasure request {request['request_id']} by {request['requested_by']}, approved "
            f"by {approver} (four eyes): {request['reason']}")
