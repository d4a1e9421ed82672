"""Escalations: what a supervisor must look at, raised by a rule or by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.aggregate import KopirAggregate, Stamp
from domain.errors import EscalationStateError


class Escalation(KopirAggregate):
    """Something a supervisor must look at: raised by a rule or by hand."""

    def __init__(self) -> None:
        self.child_id = ""
        self.school_id = ""
        self.level = "low"
        self.status = "open"
        self.assignee = ""
        self.acknowledge_by: datetime | None = None
        self.in_concern = False

    class EscalationRaised(KopirAggregate.Created):
        """Raised by a rule (rule id and version) or by hand (rule "manual").

        `due_at` is when the rule would have fired had every entry been recorded on
        time; for a late fact it is earlier than the timestamp, and the difference is
        the detection delay.
        """

        class_version = 4
        child_id: str
        child_code: str
        level: str
        rule_id: str
        rule_version: int
        reason: str
        triggering_entries: list[str]
        acknowledge_by: datetime
        due_at: datetime
        detection_delay_seconds: int
        fired: list[str]  # what held: "severity", "words" (empty: the kind of entry, or a window)
        matched_words: list[str]  # the words of the entry that fired, as written (personal)
        concern: bool  # a signal of the child's concern (earlier versions were handled alone)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["due_at"] = state["timestamp"]
            state["detection_delay_seconds"] = 0

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["fired"] = []
            state["matched_words"] = []

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            state["concern"] = False

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.child_id = self.child_id
            aggregate.school_id = self.school_id
            aggregate.level = self.level
            aggregate.acknowledge_by = self.acknowledge_by
            aggregate.in_concern = self.concern

    class EscalationAcknowledged(KopirAggregate.Event):
        note: str
        acting_for: str = ""  # the supervisor a deputy stands in for (older events: none)

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.status = "acknowledged"

    class EscalationAssigned(KopirAggregate.Event):
        assignee: str
        note: str
        acting_for: str = ""

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.status = "assigned"
            aggregate.assignee = self.assignee

    class EscalationResolved(KopirAggregate.Event):
        outcome: str
        rationale: str
        acting_for: str = ""

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.status = "resolved"

    class EscalationLevelRaised(KopirAggregate.Event):
        """Nobody acknowledged it by its deadline: the same escalation rises a level, with a
        new deadline (never a new escalation about this one)."""

        level: str
        acknowledge_by: datetime
        rule_id: str

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.level = self.level
            aggregate.acknowledge_by = self.acknowledge_by

    class EscalationWithdrawn(KopirAggregate.Event):
        """The entry that raised it was retracted, or amended so that the rule no longer
        holds: the escalation leaves the queue by itself (`why` says which)."""

        why: str  # entry_retracted | entry_amended
        entry_id: str

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.status = "withdrawn"

    def check_not_resolved(self) -> None:
        """Raised when acting on an escalation that is already resolved, or on a signal of
        a concern (people act on the concern, not on each of its signals)."""
        if self.in_concern:
            raise EscalationStateError(code="escalation_in_concern")
        if self.status == "withdrawn":
            raise EscalationStateError(code="escalation_withdrawn")
        if self.status == "resolved":
            raise EscalationStateError()

    @classmethod
    def raise_(cls, escalation_id: UUID, *, child_id: str, child_code: str, level: str,
               rule_id: str, rule_version: int, reason: str, triggering_entries: list[str],
               acknowledge_by: datetime, due_at: datetime, detection_delay_seconds: int,
               stamp: Stamp, fired: list[str] | None = None,
               matched_words: list[str] | None = None, concern: bool = True) -> Escalation:
        return cls._create(cls.EscalationRaised, id=escalation_id, child_id=child_id,
                           child_code=child_code, level=level, rule_id=rule_id,
                           rule_version=rule_version, reason=reason,
                           triggering_entries=triggering_entries, acknowledge_by=acknowledge_by,
                           due_at=due_at, detection_delay_seconds=detection_delay_seconds,
                           fired=list(fired or []), matched_words=list(matched_words or []),
                           concern=concern,
                           **stamp.fields())

    def acknowledge(self, note: str, stamp: Stamp, acting_for: str = "") -> None:
        self.check_not_resolved()
        if self.status != "open":
            raise EscalationStateError(code="escalation_acknowledged")
        self.trigger_event(self.EscalationAcknowledged, note=note, acting_for=acting_for,
                           **stamp.fields())

    def assign(self, assignee: str, note: str, stamp: Stamp, acting_for: str = "") -> None:
        self.check_not_resolved()
        self.trigger_event(self.EscalationAssigned, assignee=assignee, note=note,
                           acting_for=acting_for, **stamp.fields())

    def withdraw(self, why: str, entry_id: str, stamp: Stamp) -> bool:
        """Withdraw what is still in the queue; False when it had already left it."""
        if self.status in ("resolved", "withdrawn"):
            return False
        self.trigger_event(self.EscalationWithdrawn, why=why, entry_id=entry_id,
                           **stamp.fields())
        return True

    def resolve(self, outcome: str, rationale: str, stamp: Stamp, acting_for: str = "") -> None:
        self.check_not_resolved()
        self.trigger_event(self.EscalationResolved, outcome=outcome, rationale=rationale,
                           acting_for=acting_for, **stamp.fields())
