"""Who may do what: roles, school scope and field visibility.

Every application command and query calls a `check_*` guard from here with the
acting user first. The UI only mirrors these answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from domain.errors import NotAuthorised


class Role(str, Enum):
    TEACHER = "teacher"
    PSYCHOLOGIST = "psychologist"  # school psychologist or social worker
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.TEACHER, Role.PSYCHOLOGIST})
ALL_SCHOOLS = "*"


@dataclass(frozen=True)
class Actor:
    """The person acting: every command and query takes one, first."""

    user_id: str
    role: Role
    school_ids: frozenset[str] = field(default_factory=frozenset)
    display_name: str = ""

    def covers(self, school_id: str) -> bool:
        return ALL_SCHOOLS in self.school_ids or school_id in self.school_ids


# Which kinds of entry each role may record.
RECORDABLE = {
    Role.TEACHER: frozenset({"enrolment", "conflict", "peer_incident", "correction"}),
    Role.PSYCHOLOGIST: frozenset(
        {"enrolment", "conflict", "peer_incident", "counselling", "correction", "concern",
         "transfer", "closure"}
    ),
}

# Fields of a chronology entry each role may see (need-to-know).
CONFIDENTIAL_FIELDS = frozenset({"confidential_notes"})
ORIGIN_FIELDS = frozenset({"returned_from", "personal_name"})


def check_may_record(actor: Actor, what: str, school_id: str) -> None:
    """Raised when the actor may not record `what` for a child of `school_id`."""
    allowed = RECORDABLE.get(actor.role, frozenset())
    if what not in allowed:
        raise NotAuthorised(
            f"Your role ({actor.role.value}) cannot record this kind of entry ({what})."
        )
    if not actor.covers(school_id):
        raise NotAuthorised("You can only record for children of your own school.")


def check_may_read_child(actor: Actor, school_id: str) -> None:
    """Raised when the actor may not read the record of a child of `school_id`."""
    if actor.role == Role.ADMIN:
        raise NotAuthorised("Administrators manage accounts; they do not read case records.")
    if not actor.covers(school_id):
        raise NotAuthorised("This child is not in a school you work with.")


def check_may_handle_escalations(actor: Actor, school_id: str) -> None:
    """Raised when the actor may not acknowledge, assign or resolve this escalation."""
    if actor.role not in (Role.SUPERVISOR, Role.PSYCHOLOGIST):
        raise NotAuthorised("Only supervisors and psychologists handle escalations.")
    if not actor.covers(school_id):
        raise NotAuthorised("This escalation belongs to a school you do not supervise.")


def check_may_administer(actor: Actor) -> None:
    """Raised when a non-administrator tries to manage accounts or schools."""
    if actor.role != Role.ADMIN:
        raise NotAuthorised("Only administrators manage accounts and schools.")


def check_may_audit(actor: Actor) -> None:
    """Raised when someone other than an auditor asks for the raw log or the access log."""
    if actor.role != Role.AUDITOR:
        raise NotAuthorised("The raw event log and the access log are for auditors.")


def check_may_see_caseload(actor: Actor) -> None:
    """Raised when a role without oversight asks for caseload figures."""
    if actor.role not in (Role.SUPERVISOR, Role.PSYCHOLOGIST, Role.AUDITOR):
        raise NotAuthorised("Caseload figures are for supervisors, psychologists and auditors.")


def hidden_fields(actor: Actor) -> frozenset[str]:
    """Fields of an entry the actor must not see."""
    hidden: set[str] = set()
    if actor.role != Role.PSYCHOLOGIST:
        hidden |= CONFIDENTIAL_FIELDS
    if actor.role in (Role.TEACHER, Role.SUPERVISOR):
        hidden |= ORIGIN_FIELDS
    return frozenset(hidden)


def sees_whole_chronology(actor: Actor) -> bool:
    """Teachers see what they recorded themselves; other readers see every entry."""
    return actor.role != Role.TEACHER
