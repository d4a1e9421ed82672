"""What supervisors and psychologists do with escalations: acknowledge, assign, resolve,
each with their reasons (a decision not to act is recorded too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import access, checks
from domain.access import Actor
from domain.application.base import Base, command
from domain.checks import TEXT
from domain.commands import Resolution
from domain.concern import Concern
from domain.errors import InvalidEntry, KopirError, Problems, UnknownConcern, UnknownEscalation
from domain.model import Escalation, StaffAccount, user_id_uuid

STAFF_ROLES = ("teacher", "psychologist", "supervisor")


def check_rationale(note: str) -> None:
    """Raised (InvalidEntry) when an escalation decision comes without its reasons."""
    problems = Problems()
    checks.text(problems, "note", note, required=False, limit=TEXT)
    problems.raise_if_any()
    if not note.strip():
        raise InvalidEntry.one("note", "decision.rationale")


class Supervision(Base):
    def _escalation_for(self, actor: Actor, escalation_id: UUID) -> Escalation:
        if isinstance(escalation_id, str):  # as a page or a script may hold it
            try:
                escalation_id = UUID(escalation_id)
            except ValueError:
                raise UnknownEscalation(escalation="?") from None
        if not isinstance(escalation_id, UUID):
            raise UnknownEscalation(escalation="?")
        try:
            escalation: Escalation = self._get(escalation_id)
        except AggregateNotFoundError:
            raise UnknownEscalation(escalation=str(escalation_id)) from None
        access.check_may_handle_escalations(actor, escalation.school_id)
        return escalation

    @command
    def acknowledge_escalation(self, actor: Actor, escalation_id: UUID, note: str = "") -> None:
        """Acknowledge with a rationale: what will happen next, or why nothing will."""
        actor = self.in_office(actor)
        escalation = self._escalation_for(actor, escalation_id)
        check_rationale(note)
        escalation.acknowledge(note, self._stamp(actor, escalation.school_id),
                               actor.acting_for(escalation.school_id))
        self._save(escalation)

    @command
    def assign_escalation(self, actor: Actor, escalation_id: UUID, assignee: str,
                          note: str = "") -> None:
        actor = self.in_office(actor)
        escalation = self._escalation_for(actor, escalation_id)
        if not isinstance(assignee, str) or not assignee.strip() or len(assignee) > 64:
            raise InvalidEntry.one("assignee", "assignee.missing")
        check_rationale(note)
        escalation.assign(assignee, note, self._stamp(actor, escalation.school_id),
                          actor.acting_for(escalation.school_id))
        self._save(escalation)

    @command
    def resolve_escalation(self, actor: Actor, escalation_id: UUID, form: Resolution) -> None:
        actor = self.in_office(actor)
        escalation = self._escalation_for(actor, escalation_id)
        form.validate(self._now())
        escalation.resolve(form.as_event_fields()["outcome"], form.rationale,
                           self._stamp(actor, escalation.school_id),
                           actor.acting_for(escalation.school_id))
        self._save(escalation)

    # --- concerns: what a supervisor handles, one per child -------------------------------
    def _concern_for(self, actor: Actor, concern_id: UUID | str) -> Concern:
        try:
            key = concern_id if isinstance(concern_id, UUID) else UUID(str(concern_id))
            concern: Concern = self._get(key)
        except (ValueError, AggregateNotFoundError):
            raise UnknownConcern(child="?") from None
        if not isinstance(concern, Concern):
            raise UnknownConcern(child="?")
        access.check_may_handle_escalations(actor, concern.school_id)
        return concern

    def check_assignee(self, school_id: str, assignee: Any) -> StaffAccount:
        """Raised (InvalidEntry) unless the assignee is an active member of the school's own
        staff (a coordinator of every school is not): chosen by name, never by default."""
        if not isinstance(assignee, str) or not assignee.strip() or len(assignee) > 64:
            raise InvalidEntry.one("assignee", "assignee.missing")
        try:
            account: StaffAccount = self._get(user_id_uuid(assignee))
        except AggregateNotFoundError:
            raise InvalidEntry.one("assignee", "assignee.not_staff") from None
        if not (isinstance(account, StaffAccount) and account.is_active
                and account.user_role in STAFF_ROLES and school_id in account.school_ids):
            raise InvalidEntry.one("assignee", "assignee.not_staff")
        return account

    @command
    def acknowledge_concern(self, actor: Actor, concern_id: UUID | str, note: str = "") -> None:
        """Acknowledge with a rationale: what will happen next, or why nothing will."""
        actor = self.in_office(actor)
        concern = self._concern_for(actor, concern_id)
        check_rationale(note)
        concern.acknowledge(note, self._stamp(actor, concern.school_id),
                            actor.acting_for(concern.school_id))
        self._save(concern)

    @command
    def assign_concern(self, actor: Actor, concern_id: UUID | str, assignee: str,
                       note: str = "") -> None:
        actor = self.in_office(actor)
        concern = self._concern_for(actor, concern_id)
        self.check_assignee(concern.school_id, assignee)
        check_rationale(note)
        concern.assign(assignee, note, self._stamp(actor, concern.school_id),
                       actor.acting_for(concern.school_id))
        self._save(concern)

    @command
    def snooze_concern(self, actor: Actor, concern_id: UUID | str, until: datetime,
                       reason: str = "") -> None:
        """Put it aside until a moment within seven days, with a reason; then it comes back."""
        actor = self.in_office(actor)
        concern = self._concern_for(actor, concern_id)
        check_rationale(reason)
        if not isinstance(until, datetime) or until.tzinfo is None:
            raise InvalidEntry.one("until", "moment.missing")
        concern.snooze(reason, until, self._stamp(actor, concern.school_id),
                       actor.acting_for(concern.school_id))
        self._save(concern)

    @command
    def resolve_concern(self, actor: Actor, concern_id: UUID | str, form: Resolution) -> None:
        actor = self.in_office(actor)
        concern = self._concern_for(actor, concern_id)
        form.validate(self._now())
        concern.resolve(form.as_event_fields()["outcome"], form.rationale,
                        self._stamp(actor, concern.school_id),
                        actor.acting_for(concern.school_id))
        self._save(concern)

    def triage(self, actor: Actor, concern_ids: Iterable[UUID | str], action: str,
               rationale: str, outcome: str = "no_further_action") -> dict[str, str]:
        """Acknowledge or resolve several concerns with one rationale. Each is its own
        decision: returns, per concern, "done" or the sentence of why it was not."""
        check_rationale(rationale)
        results: dict[str, str] = {}
        for key in concern_ids:
            try:
                if action == "acknowledge":
                    self.acknowledge_concern(actor, key, rationale)
                elif action == "resolve":
                    self.resolve_concern(actor, key, Resolution(outcome=outcome,
                                                                rationale=rationale))
                else:
                    raise InvalidEntry.one("action", "choice.unknown", allowed="acknowledge, resolve")
                results[str(key)] = "done"
            except InvalidEntry:
                raise
            except KopirError as error:  # one refused concern does not stop the others
                results[str(key)] = str(error)
        return results
