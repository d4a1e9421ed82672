"""Who may do what: roles, school scope and field visibility.

Every application command and query calls a `check_*` guard from here with the
acting user first. The UI only mirrors these answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum

from domain.errors import NotAuthorised
from domain.vocabulary import CONFIDENTIAL_FIELDS, ORIGIN_FIELDS


class Role(str, Enum):
    TEACHER = "teacher"
    PSYCHOLOGIST = "psychologist"  # school psychologist or social worker
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"


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


@dataclass(frozen=True)
class Policy:
    """What one role may do: the single table every command and query consults."""

    records: frozenset[str] = frozenset()   # kinds of entry it may record
    reads_records: bool = False             # may read children's records (in scope)
    whole_chronology: bool = False          # sees entries others recorded
    handles_escalations: bool = False       # acknowledges, assigns, resolves
    sees_caseload: bool = False
    audits: bool = False                    # raw log, access log, integrity, export
    administers: bool = False               # schools, accounts, erasure
    hidden: frozenset[str] = frozenset()    # fields it never sees


STAFF_RECORDS = frozenset({"enrolment", "conflict", "peer_incident", "correction"})
POLICY: dict[Role, Policy] = {
    Role.TEACHER: Policy(records=STAFF_RECORDS, reads_records=True,
                         hidden=CONFIDENTIAL_FIELDS | ORIGIN_FIELDS),
    Role.PSYCHOLOGIST: Policy(records=STAFF_RECORDS | {"counselling", "concern", "transfer",
                                                       "closure"},
                              reads_records=True, whole_chronology=True,
                              handles_escalations=True, sees_caseload=True),
    Role.SUPERVISOR: Policy(reads_records=True, whole_chronology=True, handles_escalations=True,
                            sees_caseload=True, hidden=CONFIDENTIAL_FIELDS | ORIGIN_FIELDS),
    Role.AUDITOR: Policy(reads_records=True, whole_chronology=True, sees_caseload=True,
                         audits=True, hidden=CONFIDENTIAL_FIELDS),
    Role.ADMIN: Policy(administers=True),
}
log = logging.getLogger("kopir.access")


def deny(actor: Actor, action: str, code: str, **params: str) -> NotAuthorised:
    """A named refusal (`denied.<code>`), logged with who asked for what."""
    refusal = NotAuthorised(code=f"denied.{code}", **params)
    log.warning("denied %s to %s (%s, schools %s): %s", action, actor.user_id,
                actor.role.value, ",".join(sorted(actor.school_ids)), refusal)
    return refusal


def check_may_record(actor: Actor, what: str, school_id: str) -> None:
    """Raised when the actor may not record `what` for a child of `school_id`."""
    if what not in POLICY[actor.role].records:
        raise deny(actor, f"record {what}", "record_kind", role=actor.role.value, what=what)
    if not actor.covers(school_id):
        raise deny(actor, f"record {what} in {school_id}", "record_school")


def check_may_read_child(actor: Actor, school_id: str) -> None:
    """Raised when the actor may not read the record of a child of `school_id`."""
    if not POLICY[actor.role].reads_records:
        raise deny(actor, "read a record", "admin_reads")
    if not actor.covers(school_id):
        raise deny(actor, f"read a record of {school_id}", "read_school")


def check_may_handle_escalations(actor: Actor, school_id: str) -> None:
    """Raised when the actor may not acknowledge, assign or resolve this escalation."""
    if not POLICY[actor.role].handles_escalations:
        raise deny(actor, "handle an escalation", "handle_role")
    if not actor.covers(school_id):
        raise deny(actor, f"handle an escalation of {school_id}", "handle_school")


def check_may_administer(actor: Actor) -> None:
    """Raised when a non-administrator tries to manage accounts or schools."""
    if not POLICY[actor.role].administers:
        raise deny(actor, "administer", "administer")


def check_may_audit(actor: Actor) -> None:
    """Raised when someone other than an auditor asks for the raw log or the access log."""
    if not POLICY[actor.role].audits:
        raise deny(actor, "audit", "audit")


def check_may_see_caseload(actor: Actor) -> None:
    """Raised when a role without oversight asks for caseload figures."""
    if not POLICY[actor.role].sees_caseload:
        raise deny(actor, "see caseload", "caseload")


def check_may_see_escalations(actor: Actor) -> None:
    """Raised when a role without oversight asks for the escalation queue."""
    if not (POLICY[actor.role].handles_escalations or POLICY[actor.role].audits):
        raise deny(actor, "see escalations", "escalations")


def hidden_fields(actor: Actor) -> frozenset[str]:
    """Fields of an entry the actor must not see."""
    return POLICY[actor.role].hidden


def sees_whole_chronology(actor: Actor) -> bool:
    """Teachers see what they recorded themselves; other readers see every entry."""
    return POLICY[actor.role].whole_chronology
