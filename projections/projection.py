"""The projection: one `process_event` branch per event type, each a single view call.

The same class is driven by the embedded runner (polling the notification log)
and by the Kafka consumer; it never knows which.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.model import AccessEntry, Child, Concern, Escalation, School, StaffAccount
from projections.views import ReadModelView


class ReadModelProjection(Projection[ReadModelView]):
    name = "read_models"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.note_position(tracking)

    @process_event.register
    def _(self, domain_event: School.SchoolRegistered, tracking: Tracking) -> None:
        self.view.school_registered(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.ChildEnrolled, tracking: Tracking) -> None:
        self.view.child_enrolled(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.ChildTransferred, tracking: Tracking) -> None:
        self.view.child_transferred(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.EnrolmentClosed, tracking: Tracking) -> None:
        self.view.enrolment_closed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.ConflictRecorded, tracking: Tracking) -> None:
        self.view.entry_recorded(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.PeerIncidentRecorded, tracking: Tracking) -> None:
        self.view.entry_recorded(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.CounsellingSessionRecorded, tracking: Tracking) -> None:
        self.view.entry_recorded(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.ConcernRaised, tracking: Tracking) -> None:
        self.view.entry_recorded(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.FamilyContactRecorded, tracking: Tracking) -> None:
        self.view.entry_recorded(domain_event, tracking)

    @process_event.register(Child.PlanDrafted)
    @process_event.register(Child.GoalAdded)
    @process_event.register(Child.MeasureAdded)
    @process_event.register(Child.MeasureUpdated)
    @process_event.register(Child.PlanApproved)
    @process_event.register(Child.PlanReviewed)
    @process_event.register(Child.PlanClosureProposed)
    @process_event.register(Child.PlanClosureDeclined)
    @process_event.register(Child.PlanClosed)
    @process_event.register(Child.PlanReopened)
    @process_event.register(Child.ConsentRecorded)
    @process_event.register(Child.TransferProposed)
    @process_event.register(Child.TransferRejected)
    def _(self, domain_event: Child.Event, tracking: Tracking) -> None:
        self.view.plan_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.EntryAmended, tracking: Tracking) -> None:
        self.view.entry_corrected(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.EntryRetracted, tracking: Tracking) -> None:
        self.view.entry_corrected(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Escalation.EscalationRaised, tracking: Tracking) -> None:
        self.view.escalation_raised(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Escalation.EscalationAcknowledged, tracking: Tracking) -> None:
        self.view.escalation_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Escalation.EscalationAssigned, tracking: Tracking) -> None:
        self.view.escalation_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Escalation.EscalationResolved, tracking: Tracking) -> None:
        self.view.escalation_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Escalation.EscalationWithdrawn, tracking: Tracking) -> None:
        self.view.escalation_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Escalation.EscalationLevelRaised, tracking: Tracking) -> None:
        self.view.escalation_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.ConcernStarted, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.ConcernOpened, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.ConcernReopened, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.SignalAttached, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.SignalWithdrawn, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.ConcernLevelRaised, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.ConcernAcknowledged, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.ConcernAssigned, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.ConcernSnoozed, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Concern.ConcernResolved, tracking: Tracking) -> None:
        self.view.concern_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: AccessEntry.RecordViewed, tracking: Tracking) -> None:
        self.view.record_viewed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: StaffAccount.AccountRegistered, tracking: Tracking) -> None:
        self.view.account_registered(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: StaffAccount.NotificationsSet, tracking: Tracking) -> None:
        self.view.notifications_set(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: StaffAccount.AccountDisabled, tracking: Tracking) -> None:
        self.view.account_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: StaffAccount.AccountEnabled, tracking: Tracking) -> None:
        self.view.account_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: StaffAccount.RoleChanged, tracking: Tracking) -> None:
        self.view.account_changed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Child.PersonalDataErased, tracking: Tracking) -> None:
        self.view.personal_data_erased(domain_event, tracking)
