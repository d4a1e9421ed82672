"""Who may do what: roles, school scope and field visibility.

Every application command and query calls a `check_*` guard from here with the
acting user first. The UI only mirrors these answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from domain.errors import ChildNotInScope, NotAuthorised
from domain.vocabulary import CONFIDENTIAL_FIELDS, ORIGIN_FIELDS, WELLBEING_FIELDS


class Role(str, Enum):
    TEACHER = "teacher"
    PSYCHOLOGIST = "psychologist"  # school psychologist or social worker
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    DPO = "dpo"  # data-protection officer
    ANALYST = "analyst"  # ministry analyst: aggregates only


ALL_SCHOOLS = "*"


@dataclass(frozen=True)
class Standing:
    """A delegation the actor holds now: the supervisor they stand in for, and the schools
    of that supervisor's caseload."""

    supervisor: str
    school_ids: frozenset[str]

    def covers(self, school_id: str) -> bool:
        return isinstance(school_id, str) and (ALL_SCHOOLS in self.school_ids
                                               or school_id in self.school_ids)


@dataclass(frozen=True)
class Actor:
    """The person acting: every command and query takes one, first. `standing_in` lists
    the delegations active when the application built it (a deputy's extra caseload)."""

    user_id: str
    role: Role
    school_ids: frozenset[str] = field(default_factory=frozenset)
    display_name: str = ""
    standing_in: tuple[Standing, ...] = ()
    display_names: tuple[tuple[str, str], ...] = ()  # (language, name): the name in kk/ru/en

    def covers(self, school_id: str) -> bool:
        return isinstance(school_id, str) and (ALL_SCHOOLS in self.school_ids
                                               or school_id in self.school_ids)

    def oversees(self, school_id: str) -> bool:
        """Their own schools, or those of a supervisor they stand in for now."""
        return self.covers(school_id) or any(s.covers(school_id) for s in self.standing_in)

    def acting_for(self, school_id: str) -> str:
        """Whom the actor stands in for in a school outside their own ("" in their own)."""
        if self.covers(school_id):
            return ""
        return next((s.supervisor for s in self.standing_in if s.covers(school_id)), "")

    @property
    def oversight_schools(self) -> frozenset[str]:
        return self.school_ids.union(*(s.school_ids for s in self.standing_in))


@dataclass(frozen=True)
class Policy:
    """What one role may do: the single table every command and query consults."""

    records: frozenset[str] = frozenset()   # kinds of entry it may record
    reads_records: bool = False             # may read children's records (in scope)
    whole_chronology: bool = False          # sees entries others recorded
    handles_escalations: bool = False       # acknowledges, assigns, resolves
    approves_plans: bool = False            # support plans and their closure
    sees_caseload: bool = False
    audits: bool = False                    # raw log, access log, integrity, export
    administers: bool = False               # schools, accounts, erasure
    corrects: str = ""                      # "own" entries, or the "school"'s
    decides_erasure: bool = False           # approves or rejects another's erasure request
    exports_subject: bool = False           # subject-access exports, reads the access log
    sees_aggregates: bool = False           # the ministry's aggregates, never a child
    hidden: frozenset[str] = frozenset()    # fields it never sees, at any depth


STAFF_RECORDS = frozenset({"enrolment", "conflict", "peer_incident", "correction"})
POLICY: dict[Role, Policy] = {
    Role.TEACHER: Policy(records=STAFF_RECORDS, reads_records=True, corrects="own",
                         hidden=CONFIDENTIAL_FIELDS | ORIGIN_FIELDS | WELLBEING_FIELDS),
    Role.PSYCHOLOGIST: Policy(records=STAFF_RECORDS | {"counselling", "concern", "transfer",
                                                       "closure", "plan", "family", "consent"},
                              reads_records=True, whole_chronology=True, corrects="school",
                              handles_escalations=True, sees_caseload=True),
    Role.SUPERVISOR: Policy(reads_records=True, whole_chronology=True, handles_escalations=True,
                            sees_caseload=True, approves_plans=True,
                            hidden=CONFIDENTIAL_FIELDS | ORIGIN_FIELDS),
    Role.AUDITOR: Policy(reads_records=True, whole_chronology=True, sees_caseload=True,
                         audits=True, hidden=CONFIDENTIAL_FIELDS),
    Role.ADMIN: Policy(administers=True),
    Role.DPO: Policy(decides_erasure=True, exports_subject=True),
    Role.ANALYST: Policy(sees_aggregates=True),
}
# An erasure request may also be decided by a second administrator (four eyes either way);
# a deployment that wants only the data-protection officer to decide turns this off.
ADMINS_DECIDE_ERASURE = True
log = logging.getLogger("kopir.access")


def deny(actor: Actor, action: str, code: str, **params: str) -> NotAuthorised:
    """A named refusal (`denied.<code>`), logged with who asked for what."""
    refusal = NotAuthorised(code=f"denied.{code}", **params)
    log.warning("denied %.120s to %s (%s, schools %s): %s", action, actor.user_id,
                actor.role.value, ",".join(sorted(actor.school_ids)), refusal)
    return refusal


def check_may_record(actor: Actor, what: str, school_id: str) -> None:
    """Raised when the actor may not record `what` for a child of `school_id`."""
    if what not in POLICY[actor.role].records:
        raise deny(actor, f"record {what}", "record_kind", role=actor.role.value, what=what)
    if not actor.covers(school_id):
        raise deny(actor, f"record {what} in {str(school_id)[:40]}", "record_school")


def check_may_read_child(actor: Actor, school_id: str, code: str = "") -> None:
    """Raised when the actor may not read the record of a child of `school_id`; for a
    school they do not work with, the refusal reads as an unknown child."""
    if not POLICY[actor.role].reads_records:
        raise deny(actor, "read a record",
                   "admin_reads" if actor.role == Role.ADMIN else "no_records")
    check_in_scope(actor, school_id, code, "read a record", deputy=True)


def check_in_scope(actor: Actor, school_id: str, code: str, action: str,
                   deputy: bool = False) -> None:
    """Raised (as an unknown child, and logged as a denial) when the child's school is not
    one the actor works with (with `deputy`, or one of a supervisor they stand in for)."""
    if not (actor.oversees(school_id) if deputy else actor.covers(school_id)):
        log.warning("denied %s of %.40s to %s (%s, schools %s): not in scope", action, school_id,
                    actor.user_id, actor.role.value, ",".join(sorted(actor.school_ids)))
        raise ChildNotInScope(child=code)


def check_may_correct(actor: Actor, school_id: str, author: str) -> None:
    """Raised when the actor may not amend or retract an entry `author` recorded: teachers
    correct their own entries, psychologists those of their school."""
    check_may_record(actor, "correction", school_id)
    if POLICY[actor.role].corrects == "own" and author != actor.user_id:
        raise deny(actor, f"correct an entry of {author}", "correct_own")


def check_may_see_wellbeing(actor: Actor) -> None:
    """Raised when the role may not see wellbeing scores (class tutors)."""
    if "wellbeing" in POLICY[actor.role].hidden:
        raise deny(actor, "see wellbeing", "wellbeing")


def check_may_handle_escalations(actor: Actor, school_id: str) -> None:
    """Raised when the actor may not acknowledge, assign or resolve this escalation."""
    if not POLICY[actor.role].handles_escalations:
        raise deny(actor, "handle an escalation", "handle_role")
    if not actor.oversees(school_id):
        raise deny(actor, f"handle an escalation of {school_id}", "handle_school")


def check_may_approve_plans(actor: Actor, school_id: str) -> None:
    """Raised when someone other than a supervisor of the school (or the deputy of one,
    in that supervisor's schools) approves a plan or its closure."""
    if not (POLICY[actor.role].approves_plans or actor.acting_for(school_id)):
        raise deny(actor, "approve a plan", "approve_plans")


def check_may_receive(actor: Actor, to_school_id: str, code: str) -> None:
    """Raised (as an unknown child) unless a transfer of the child to one of the actor's
    schools waits for an answer; only its psychologists and supervisors answer it."""
    if not to_school_id or not actor.covers(to_school_id):
        log.warning("denied answering a transfer of %.20s to %s: none waits for their schools",
                    code, actor.user_id)
        raise ChildNotInScope(child=code)
    if not (POLICY[actor.role].approves_plans or "transfer" in POLICY[actor.role].records):
        raise deny(actor, "answer a transfer", "receive")


def check_may_administer(actor: Actor) -> None:
    """Raised when a non-administrator tries to manage accounts or schools."""
    if not POLICY[actor.role].administers:
        raise deny(actor, "administer", "administer")


def check_may_delegate(actor: Actor, supervisor: str) -> None:
    """Raised when someone other than the supervisor (or an administrator) names or ends
    the supervisor's deputy."""
    if POLICY[actor.role].administers:
        return
    if actor.role != Role.SUPERVISOR or actor.user_id != supervisor:
        raise deny(actor, f"delegate for {supervisor[:64]}", "delegate")


def check_may_audit(actor: Actor) -> None:
    """Raised when someone other than an auditor asks for the raw log, an integrity check or
    an audit bundle."""
    if not POLICY[actor.role].audits:
        raise deny(actor, "audit", "audit")


def check_may_read_access_log(actor: Actor) -> None:
    """Raised when someone other than an auditor or the data-protection officer asks for the
    access log (who read which child's record)."""
    policy = POLICY[actor.role]
    if not (policy.audits or policy.exports_subject):
        raise deny(actor, "read the access log", "access_log")


def check_may_see_caseload(actor: Actor) -> None:
    """Raised when a role without oversight asks for caseload figures."""
    if not POLICY[actor.role].sees_caseload:
        raise deny(actor, "see caseload", "caseload")


def check_may_see_escalations(actor: Actor) -> None:
    """Raised when a role without oversight asks for the escalation queue."""
    if not (POLICY[actor.role].handles_escalations or POLICY[actor.role].audits):
        raise deny(actor, "see escalations", "escalations")


def hidden_fields(actor: Actor, school_id: str | None = None) -> frozenset[str]:
    """Fields of an entry the actor must not see; of a child of a school the actor sees
    only as a deputy, no more than the supervisor they stand in for sees."""
    hidden = POLICY[actor.role].hidden
    if school_id is not None and not actor.covers(school_id):
        hidden = hidden | POLICY[Role.SUPERVISOR].hidden
    return hidden


def redact(value: Any, hidden: frozenset[str]) -> Any:
    """`value` without the hidden fields, at any depth (an amendment's `changes` too)."""
    if isinstance(value, dict):
        return {k: redact(v, hidden) for k, v in value.items() if k not in hidden}
    if isinstance(value, list):
        return [redact(v, hidden) for v in value]
    return value


def sees_whole_chronology(actor: Actor) -> bool:
    """Teachers see what they recorded themselves; other readers see every entry."""
    return POLICY[actor.role].whole_chronology


def check_may_request_erasure(actor: Actor) -> None:
    """Raised when someone other than an administrator asks for a child's erasure."""
    if not POLICY[actor.role].administers:
        raise deny(actor, "request an erasure", "erasure_request")


def check_may_decide_erasure(actor: Actor, requested_by: str,
                             admins_decide: bool = ADMINS_DECIDE_ERASURE) -> None:
    """Raised when the actor may not approve or reject an erasure request: the requester
    never decides their own; a data-protection officer (or, per the policy, a second
    administrator) decides."""
    policy = POLICY[actor.role]
    if not (policy.decides_erasure or (admins_decide and policy.administers)):
        raise deny(actor, "decide an erasure", "erasure_decide")
    if actor.user_id == requested_by:
        raise deny(actor, "decide their own erasure request", "erasure_own")


def check_may_export_subject(actor: Actor) -> None:
    """Raised when someone other than the data-protection officer asks for a child's
    subject-access export."""
    if not POLICY[actor.role].exports_subject:
        raise deny(actor, "export a child's data", "subject_access")


def check_may_see_aggregates(actor: Actor) -> None:
    """Raised when someone other than a ministry analyst asks for the ministry's view."""
    if not POLICY[actor.role].sees_aggregates:
        raise deny(actor, "see the ministry's aggregates", "aggregates")
