"""Named refusals. Each says, in words a teacher understands, what went wrong.

A refusal has a code and parameters (`domain.messages` holds the English sentence of
every code; the UI says it in the reader's language). Errors an operator meets at the
command line (a bad rules file, a missing key file) carry their English sentence
directly. Nothing here carries a stack trace to the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.messages import PROBLEMS, REFUSALS, sentence


class KopirError(Exception):
    """Raised when Köpir refuses a command or a query; the message is for people."""

    code = "refused"

    def __init__(self, message: str = "", *, code: str | None = None, **params: Any) -> None:
        # A sentence given here is an operator's, in English, with no code to translate.
        self.code = code or ("" if message else type(self).code)
        self.params = params
        super().__init__(message or sentence(REFUSALS, self.code, params))


@dataclass(frozen=True)
class FieldProblem:
    """One problem of a form, by field: a code and the values its sentence needs."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return sentence(PROBLEMS, self.code, self.params)


class Problems:
    """Collects field problems so a form can show all of them at once."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, field_name: str, code: str, **params: Any) -> None:
        self.items.append(FieldProblem(field_name, code, params))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidEntry(self.items)


class InvalidEntry(KopirError):
    """Raised when a form's content breaks a rule; lists every problem by field."""

    code = "invalid_entry"

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__(problems="; ".join(f"{p.field}: {p.message}" for p in problems))

    @classmethod
    def one(cls, field_name: str, code: str, **params: Any) -> "InvalidEntry":
        return cls([FieldProblem(field_name, code, params)])

    def for_field(self, field_name: str) -> list[str]:
        return [p.message for p in self.problems if p.field == field_name]


class NotAuthorised(KopirError):
    """Raised when the acting user's role or school scope does not allow the action."""


class UnknownChild(KopirError):
    """Raised when no child with the given code is enrolled in Köpir."""

    code = "unknown_child"


class ChildNotInScope(UnknownChild, NotAuthorised):
    """Raised when the child is in a school the actor does not work with: it says exactly
    what an unknown code says, so codes cannot be probed across schools."""


class ChildAlreadyEnrolled(KopirError):
    """Raised when enrolling a child code that already has a record."""

    code = "already_enrolled"


class SubmissionReused(KopirError):
    """Raised when a form's submission id was already recorded for another child."""

    code = "submission_reused"


class EnrolmentIsClosed(KopirError):
    """Raised when recording for a child whose enrolment has been closed or erased."""

    code = "enrolment_closed"


class UnknownEntry(KopirError):
    """Raised when a correction names an entry that is not in the child's record."""

    code = "unknown_entry"


class EntryAlreadyRetracted(KopirError):
    """Raised when amending or retracting an entry that was already retracted."""

    code = "entry_retracted"


class RecordChanged(KopirError):
    """Raised when someone else saved the same record first (optimistic concurrency)."""

    code = "record_changed"


class UnknownEscalation(KopirError):
    """Raised when an escalation id does not exist (or not in the actor's schools)."""

    code = "unknown_escalation"


class EscalationStateError(KopirError):
    """Raised when an escalation action does not fit its current state."""

    code = "escalation_resolved"


class UnknownConcern(KopirError):
    """Raised when a child has no concern (or not in the actor's schools)."""

    code = "unknown_concern"


class ConcernStateError(KopirError):
    """Raised when a concern action does not fit its current state."""

    code = "concern_not_open"


class UnknownUser(KopirError):
    """Raised when a login names no known user, or the password is wrong."""

    code = "login_failed"


class PasswordChangeRequired(KopirError):
    """Raised when a sign-in used a one-time password: a new one must be set first."""

    code = "password_change_required"


class MissingMasterKey(KopirError):
    """Raised when encryption is required (production, erasure) and no master key is set."""

    code = "erasure_needs_key"


class PlanStateError(KopirError):
    """Raised when a support-plan action does not fit the plan's state (no plan yet, a
    closed plan, a closure nobody proposed, an unknown measure)."""

    code = "plan.none"


class ConsentMissing(KopirError):
    """Raised when a measure or a transfer needs the family's consent and none is on record."""

    code = "consent.missing"


class TransferStateError(KopirError):
    """Raised when a transfer is answered that was not proposed to the answering school."""

    code = "transfer.none"
