"""Aggregates and their events.

Each child has one event stream holding everything recorded about them; an
incident with several children is recorded once in each child's stream with
that child's role, under a shared `incident_id`. Escalations are aggregates of
their own. Public methods check the rules (`check_*` guards) and then trigger
an event; the events' `apply` methods only change state, so replaying the
stream never re-checks old decisions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import clock
from domain.errors import (
    EntryAlreadyRetracted,
    EnrolmentIsClosed,
    EscalationStateError,
    UnknownEntry,
)

KOPIR_NAMESPACE = uuid5(NAMESPACE_URL, "https://kopir.example/ids")

# Entry kinds a correction may target.
CORRECTABLE = ("ConflictRecorded", "PeerIncidentRecorded", "CounsellingSessionRecorded",
               "ConcernRaised")


def child_id(code: str) -> UUID:
    """The stream id of a child: derived from the pseudonymous code, nothing else."""
    return uuid5(KOPIR_NAMESPACE, f"child:{code}")


def user_id_uuid(user_id: str) -> UUID:
    return uuid5(KOPIR_NAMESPACE, f"user:{user_id}")


def school_uuid(school_id: str) -> UUID:
    return uuid5(KOPIR_NAMESPACE, f"school:{school_id}")


class KopirAggregate(Aggregate):
    class Event(Aggregate.Event):
        """Every event says who recorded it, in which role and school, and when it happened."""

        recorded_by: str
        role: str
        school_id: str
        occurred_at: datetime

        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, Aggregate.Created):
        """The first event of every Köpir aggregate."""


class Child(KopirAggregate):
    """A child's record in one school at a time."""

    def __init__(self) -> None:
        self.code = ""
        self.school_id = ""
        self.birth_year = 0
        self.is_open = True
        self.is_erased = False
        # Only what the guards need, so loading and copying a child stays cheap:
        # entry id -> kind of entry, the ids of retracted entries, and of corrections.
        self.entries: dict[str, str] = {}
        self.retracted: set[str] = set()
        self.corrections: set[str] = set()

    # --- events -----------------------------------------------------------
    class ChildEnrolled(KopirAggregate.Created):
        code: str
        grade: int
        birth_year: int
        family_situation: str
        languages: list[str]
        months_schooling_missed: int
        support_needs: str
        returned_from: str
        personal_name: str

        def apply(self, aggregate: Child) -> None:  # type: ignore[override]
            aggregate.code = self.code
            aggregate.school_id = self.school_id
            aggregate.birth_year = self.birth_year

    class ChildTransferred(KopirAggregate.Event):
        to_school_id: str
        reason: str

        def apply(self, aggregate: Child) -> None:  # type: ignore[override]
            aggregate.school_id = self.to_school_id

    class EnrolmentClosed(KopirAggregate.Event):
        reason: str

        def apply(self, aggregate: Child) -> None:  # type: ignore[override]
            aggregate.is_open = False

    class Entry(KopirAggregate.Event):
        """An entry in the chronology that can later be corrected."""

        entry_id: str

        def apply(self, aggregate: Child) -> None:  # type: ignore[override]
            aggregate.entries[self.entry_id] = type(self).__name__

    class ConflictRecorded(Entry):
        incident_id: str
        kind: str
        severity: int
        description: str
        child_role: str
        participants: list[dict[str, str]]
        others_not_in_system: bool
        staff_involved: bool
        action_taken: str

    class PeerIncidentRecorded(Entry):
        incident_id: str
        kind: str
        severity: int
        positive: bool
        label_about: str | None
        description: str
        child_role: str
        participants: list[dict[str, str]]
        others_not_in_system: bool
        action_taken: str

    class CounsellingSessionRecorded(Entry):
        session_type: str
        attendance: str
        wellbeing: dict[str, int] | None
        follow_up_on: str | None
        summary: str
        confidential_notes: str

    class ConcernRaised(Entry):
        level: str
        reason: str
        escalation_id: str

    class EntryAmended(KopirAggregate.Event):
        entry_id: str
        amends: str
        changes: dict[str, Any]
        reason: str

        def apply(self, aggregate: Child) -> None:  # type: ignore[override]
            """The entry's content lives in the events; guards only need its id."""
            aggregate.corrections.add(self.entry_id)

    class EntryRetracted(KopirAggregate.Event):
        entry_id: str
        retracts: str
        reason: str

        def apply(self, aggregate: Child) -> None:  # type: ignore[override]
            aggregate.retracted.add(self.retracts)
            aggregate.corrections.add(self.entry_id)

    class PersonalDataErased(KopirAggregate.Event):
        """The child's data keys were destroyed on a lawful request: the events remain,
        their personal content is unreadable from now on."""

        legal_basis: str

        def apply(self, aggregate: Child) -> None:  # type: ignore[override]
            aggregate.is_erased = True
            aggregate.is_open = False

    # --- guards -------------------------------------------------------------
    def check_open(self) -> None:
        """Raised when recording for a child whose enrolment is closed."""
        if self.is_erased:
            raise EnrolmentIsClosed(
                f"The personal data of {self.code} was erased; nothing more can be recorded.")
        if not self.is_open:
            raise EnrolmentIsClosed(
                f"The enrolment of {self.code} is closed; nothing more can be recorded."
            )

    def check_correctable(self, entry_id: str) -> str:
        """Raised when the entry is unknown, not correctable, or already retracted."""
        kind = self.entries.get(entry_id)
        if kind is None or kind not in CORRECTABLE:
            raise UnknownEntry(f"There is no entry {entry_id} in the record of {self.code}.")
        if entry_id in self.retracted:
            raise EntryAlreadyRetracted("That entry was already retracted; it cannot change.")
        return kind

    # --- commands -----------------------------------------------------------
    def record(self, event_class: type[KopirAggregate.Event], **fields: Any) -> None:
        self.check_open()
        self.trigger_event(event_class, **fields)

    def transfer(self, **fields: Any) -> None:
        self.record(self.ChildTransferred, **fields)

    def close(self, **fields: Any) -> None:
        self.record(self.EnrolmentClosed, **fields)

    def amend(self, **fields: Any) -> None:
        self.check_correctable(fields["amends"])
        self.record(self.EntryAmended, **fields)

    def retract(self, **fields: Any) -> None:
        self.check_correctable(fields["retracts"])
        self.record(self.EntryRetracted, **fields)

    def erase(self, **fields: Any) -> None:
        if self.is_erased:
            raise EnrolmentIsClosed(f"The personal data of {self.code} was already erased.")
        self.trigger_event(self.PersonalDataErased, **fields)

    @classmethod
    def enrol(cls, **fields: Any) -> Child:
        return cls._create(cls.ChildEnrolled, id=child_id(fields["code"]), **fields)


LEVELS = ("low", "medium", "high")


class Escalation(KopirAggregate):
    """Something a supervisor must look at: raised by a rule or by hand."""

    def __init__(self) -> None:
        self.child_id = ""
        self.school_id = ""
        self.level = "low"
        self.status = "open"
        self.assignee = ""
        self.acknowledge_by: datetime | None = None

    class EscalationRaised(KopirAggregate.Created):
        """Raised by a rule (rule id and version) or by hand (rule "manual").

        `due_at` is when the rule would have fired had every entry been recorded on
        time; for a late fact it is earlier than the timestamp, and the difference is
        the detection delay.
        """

        class_version = 2
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

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["due_at"] = state["timestamp"]
            state["detection_delay_seconds"] = 0

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.child_id = self.child_id
            aggregate.school_id = self.school_id
            aggregate.level = self.level
            aggregate.acknowledge_by = self.acknowledge_by

    class EscalationAcknowledged(KopirAggregate.Event):
        note: str

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.status = "acknowledged"

    class EscalationAssigned(KopirAggregate.Event):
        assignee: str
        note: str

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.status = "assigned"
            aggregate.assignee = self.assignee

    class EscalationResolved(KopirAggregate.Event):
        outcome: str
        rationale: str

        def apply(self, aggregate: Escalation) -> None:  # type: ignore[override]
            aggregate.status = "resolved"

    def check_not_resolved(self) -> None:
        """Raised when acting on an escalation that is already resolved."""
        if self.status == "resolved":
            raise EscalationStateError("This escalation is already resolved.")

    def acknowledge(self, **fields: Any) -> None:
        self.check_not_resolved()
        if self.status != "open":
            raise EscalationStateError("This escalation was already acknowledged.")
        self.trigger_event(self.EscalationAcknowledged, **fields)

    def assign(self, **fields: Any) -> None:
        self.check_not_resolved()
        self.trigger_event(self.EscalationAssigned, **fields)

    def resolve(self, **fields: Any) -> None:
        self.check_not_resolved()
        self.trigger_event(self.EscalationResolved, **fields)

    @classmethod
    def raise_(cls, escalation_id: UUID, **fields: Any) -> Escalation:
        return cls._create(cls.EscalationRaised, id=escalation_id, **fields)


ACK_DEADLINES = {"high": timedelta(hours=1), "medium": timedelta(days=1), "low": timedelta(days=5)}


class School(KopirAggregate):
    def __init__(self) -> None:
        self.name = ""
        self.region = ""

    class SchoolRegistered(KopirAggregate.Created):
        name: str
        region: str

        def apply(self, aggregate: School) -> None:  # type: ignore[override]
            aggregate.name = self.name
            aggregate.region = self.region


class StaffAccount(KopirAggregate):
    """A user of Köpir: role and schools decide what they may do."""

    def __init__(self) -> None:
        self.user_id = ""
        self.display_name = ""
        self.user_role = ""
        self.school_ids: list[str] = []
        self.password_hash = ""
        self.is_active = True

    class AccountRegistered(KopirAggregate.Created):
        user_id: str
        display_name: str
        user_role: str
        school_ids: list[str]
        password_hash: str

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.user_id = self.user_id
            aggregate.display_name = self.display_name
            aggregate.user_role = self.user_role
            aggregate.school_ids = list(self.school_ids)
            aggregate.password_hash = self.password_hash


class AccessEntry(KopirAggregate):
    """One read of a child's record: who, which child, which fields, why, when.

    Each read is an aggregate of its own, so concurrent readers never conflict, and
    the access log is as immutable (and as tamper-evident) as everything else.
    """

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


class LedgerCheckpoint(KopirAggregate):
    """A signed checkpoint of the hash chain over the stored events (kopir/ledger.py)."""

    def __init__(self) -> None:
        self.position = 0

    class Checkpointed(KopirAggregate.Created):
        position: int
        count: int
        head: str
        public_key: str
        signature: str

        def apply(self, aggregate: LedgerCheckpoint) -> None:  # type: ignore[override]
            aggregate.position = self.position
