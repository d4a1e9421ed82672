"""Named refusals. Each says, in words a teacher understands, what went wrong.

The UI shows `str(error)`; nothing here carries a stack trace to the screen.
"""

from __future__ import annotations

from dataclasses import dataclass


class KopirError(Exception):
    """Raised when Köpir refuses a command or a query; the message is for people."""


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class InvalidEntry(KopirError):
    """Raised when a form's content breaks a rule; lists every problem by field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))

    def for_field(self, field: str) -> list[str]:
        return [p.message for p in self.problems if p.field == field]


class NotAuthorised(KopirError):
    """Raised when the acting user's role or school scope does not allow the action."""


class UnknownChild(KopirError):
    """Raised when no child with the given code is enrolled in Köpir."""


class ChildAlreadyEnrolled(KopirError):
    """Raised when enrolling a child code that already has a record."""


class EnrolmentIsClosed(KopirError):
    """Raised when recording for a child whose enrolment has been closed."""


class UnknownEntry(KopirError):
    """Raised when a correction names an entry that is not in the child's record."""


class EntryAlreadyRetracted(KopirError):
    """Raised when amending or retracting an entry that was already retracted."""


class RecordChanged(KopirError):
    """Raised when someone else saved the same record first (optimistic concurrency)."""

    def __init__(self, what: str = "this record") -> None:
        super().__init__(
            f"Someone else has just updated {what}. Reload it and save again: "
            "what you typed is kept."
        )


class UnknownEscalation(KopirError):
    """Raised when an escalation id does not exist."""


class EscalationStateError(KopirError):
    """Raised when an escalation action does not fit its current state."""


class UnknownUser(KopirError):
    """Raised when a login names no known user, or the password is wrong."""


class MissingMasterKey(KopirError):
    """Raised when encryption is required (production, erasure) and no master key is set."""
