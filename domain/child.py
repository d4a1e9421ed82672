"""A child's record: one event stream per child, holding everything recorded about them.

An incident with several children is recorded once in each child's stream with that
child's role, under a shared `incident_id`. Public methods check the rules (`check_*`
guards) and then trigger an event; the events' `apply` methods only change state, so
replaying the stream never re-checks old decisions.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from domain import plan as support
from domain.aggregate import KopirAggregate, Stamp, child_id
from domain.errors import EnrolmentIsClosed, EntryAlreadyRetracted, UnknownEntry
from domain.vocabulary import CORRECTABLE


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
        # The support plan's state for its guards (domain.plan), the family's consents by
        # purpose, and the school a transfer waits to be answered by.
        self.plan: dict[str, Any] = support.new_plan()
        self.consents: dict[str, bool] = {}
        self.transfer_to = ""

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
            aggregate.school_id, aggregate.transfer_to = self.to_school_id, ""

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

    class FamilyContactRecorded(Entry):
        """A contact with the mother or another member of the family, and its outcome; a
        refusal says who refused it."""

        contact_with: str
        contact_type: str
        outcome: str
        refused_by: str
        summary: str
        follow_up_on: str | None

    # The support plan, consents and transfers (domain.plan), stored as `Child.<Event>`.
    PlanDrafted = support.PlanDrafted
    GoalAdded = support.GoalAdded
    MeasureAdded = support.MeasureAdded
    MeasureUpdated = support.MeasureUpdated
    PlanApproved = support.PlanApproved
    PlanReviewed = support.PlanReviewed
    PlanClosureProposed = support.PlanClosureProposed
    PlanClosureDeclined = support.PlanClosureDeclined
    PlanClosed = support.PlanClosed
    PlanReopened = support.PlanReopened
    ConsentRecorded = support.ConsentRecorded
    TransferProposed = support.TransferProposed
    TransferRejected = support.TransferRejected

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
        """Raised when recording for a child whose enrolment is closed or erased."""
        if self.is_erased:
            raise EnrolmentIsClosed(code="erased", child=self.code)
        if not self.is_open:
            raise EnrolmentIsClosed(child=self.code)

    def check_correctable(self, entry_id: str) -> str:
        """Raised when the entry is unknown, not correctable, or already retracted."""
        kind = self.entries.get(entry_id)
        if kind is None or kind not in CORRECTABLE:
            raise UnknownEntry(entry=entry_id, child=self.code)
        if entry_id in self.retracted:
            raise EntryAlreadyRetracted()
        return kind

    # --- commands -----------------------------------------------------------
    @classmethod
    def enrol(cls, code: str, *, grade: int, birth_year: int, family_situation: str,
              languages: list[str], months_schooling_missed: int, support_needs: str,
              returned_from: str, personal_name: str, stamp: Stamp) -> Child:
        return cls._create(cls.ChildEnrolled, id=child_id(code), code=code, grade=grade,
                           birth_year=birth_year, family_situation=family_situation,
                           languages=languages, months_schooling_missed=months_schooling_missed,
                           support_needs=support_needs, returned_from=returned_from,
                           personal_name=personal_name, **stamp.fields())

    def record_entry(self, event_class: type[Child.Entry], entry_id: str,
                     content: Mapping[str, Any], stamp: Stamp) -> None:
        """A conflict, peer interaction, counselling session or concern."""
        self.check_open()
        self.trigger_event(event_class, entry_id=entry_id, **content, **stamp.fields())

    def transfer(self, to_school_id: str, reason: str, stamp: Stamp) -> None:
        self.check_open()
        self.trigger_event(self.ChildTransferred, to_school_id=to_school_id, reason=reason,
                           **stamp.fields())

    def plan_step(self, event_class: type[KopirAggregate.Event], stamp: Stamp,
                  **fields: Any) -> None:
        """A step of the support plan, the family's consent or a transfer, once its guard
        (domain.plan.check_step) allows it."""
        self.check_open()
        support.check_step(self, event_class, fields)
        self.trigger_event(event_class, **fields, **stamp.fields())

    def accept_transfer(self, stamp: Stamp) -> None:
        """The receiving school accepts: the child (record and plan) moves to it."""
        self.check_open()
        support.check_transfer_to(self.transfer_to, stamp.school_id)
        self.trigger_event(self.ChildTransferred, to_school_id=self.transfer_to,
                           reason="accepted", **stamp.fields())

    def close(self, reason: str, stamp: Stamp) -> None:
        self.check_open()
        self.trigger_event(self.EnrolmentClosed, reason=reason, **stamp.fields())

    def amend(self, entry_id: str, amends: str, changes: dict[str, Any], reason: str,
              stamp: Stamp) -> None:
        self.check_correctable(amends)
        self.check_open()
        self.trigger_event(self.EntryAmended, entry_id=entry_id, amends=amends,
                           changes=changes, reason=reason, **stamp.fields())

    def retract(self, entry_id: str, retracts: str, reason: str, stamp: Stamp) -> None:
        self.check_correctable(retracts)
        self.check_open()
        self.trigger_event(self.EntryRetracted, entry_id=entry_id, retracts=retracts,
                           reason=reason, **stamp.fields())

    def erase(self, legal_basis: str, stamp: Stamp) -> None:
        if self.is_erased:
            raise EnrolmentIsClosed(code="already_erased", child=self.code)
        self.trigger_event(self.PersonalDataErased, legal_basis=legal_basis, **stamp.fields())


def scored_sessions(events: Iterable[Any]) -> list[Child.CounsellingSessionRecorded]:
    """The attended sessions with wellbeing scores in a child's events, in the order they
    happened, without those since retracted: the wellbeing trend, and a review's evidence."""
    events = list(events)
    retracted = {e.retracts for e in events if isinstance(e, Child.EntryRetracted)}
    return sorted((e for e in events if isinstance(e, Child.CounsellingSessionRecorded)
                   and e.wellbeing and e.entry_id not in retracted),
                  key=lambda e: e.occurred_at)
