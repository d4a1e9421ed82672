"""What supervisors and psychologists do with escalations: acknowledge, assign, resolve,
each with their reasons (a decision not to act is recorded too)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import access, checks
from domain.access import Actor
from domain.application.base import Base, command
from domain.checks import TEXT
from domain.commands import Resolution
from domain.errors import InvalidEntry, Problems, UnknownEscalation
from domain.model import Escalation


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
        escalation = self._escalation_for(actor, escalation_id)
        check_rationale(note)
        escalation.acknowledge(note, self._stamp(actor, escalation.school_id))
        self._save(escalation)

    @command
    def assign_escalation(self, actor: Actor, escalation_id: UUID, assignee: str,
                          note: str = "") -> None:
        escalation = self._escalation_for(actor, escalation_id)
        if not isinstance(assignee, str) or not assignee.strip() or len(assignee) > 64:
            raise InvalidEntry.one("assignee", "assignee.missing")
        check_rationale(note)
        escalation.assign(assignee, note, self._stamp(actor, escalation.school_id))
        self._save(escalation)

    @command
    def resolve_escalation(self, actor: Actor, escalation_id: UUID, form: Resolution) -> None:
        escalation = self._escalation_for(actor, escalation_id)
        form.validate(self._now())
        escalation.resolve(form.as_event_fields()["outcome"], form.rationale,
                           self._stamp(actor, escalation.school_id))
        self._save(escalation)
