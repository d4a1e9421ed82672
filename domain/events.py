"""Payload schemas: what each form carries, and the rules its content must follow.

A payload validates itself and raises `InvalidEntry` listing every problem in
plain words, so a form can show each one next to its field. `as_event_fields()`
gives the plain values (str, int, bool, list, dict, datetime) stored in events.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum
from typing import Any, Iterable

from domain.errors import FieldProblem, InvalidEntry

SHORT_TEXT = 200
TEXT = 2000
LONG_TEXT = 4000
CHILD_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ConflictKind(str, Enum):
    VERBAL = "verbal"
    PHYSICAL = "physical"
    WITH_TEACHER = "with_teacher"
    PROPERTY = "property"


class PeerIncidentKind(str, Enum):
    STIGMATISING_LABEL = "stigmatising_label"
    EXCLUSION = "exclusion"
    BULLYING = "bullying"
    PHYSICAL = "physical"
    ONLINE = "online"
    FRIENDSHIP = "friendship"
    GROUP_ACTIVITY = "group_activity"


POSITIVE_PEER_KINDS = frozenset({PeerIncidentKind.FRIENDSHIP, PeerIncidentKind.GROUP_ACTIVITY})


class LabelAbout(str, Enum):
    ORIGIN = "origin"
    RELIGION = "religion"
    FAMILY = "family"
    OTHER = "other"


class ParticipantRole(str, Enum):
    INITIATOR = "initiator"
    TARGET = "target"
    WITNESS = "witness"
    INVOLVED = "involved"  # positive interactions have no initiator or target


class SessionType(str, Enum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    WITH_FAMILY = "with_family"
    SPECIALIST_REFERRAL = "specialist_referral"


class Attendance(str, Enum):
    ATTENDED = "attended"
    MISSED = "missed"
    CANCELLED = "cancelled"


class FamilySituation(str, Enum):
    WITH_MOTHER = "with_mother"
    WITH_BOTH_PARENTS = "with_both_parents"
    WITH_RELATIVES = "with_relatives"
    ORPHAN_IN_CARE = "orphan_in_care"


class Level(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Outcome(str, Enum):
    ACTION_TAKEN = "action_taken"
    REFERRED = "referred"
    NO_FURTHER_ACTION = "no_further_action"


WELLBEING_INDICATORS = ("social_ties", "school_engagement", "emotional_state", "family_support")


class _Problems:
    """Collects field problems so a form can show all of them at once."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, field_name: str, message: str) -> None:
        self.items.append(FieldProblem(field_name, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidEntry(self.items)


def _text(p: _Problems, name: str, value: str, *, required: bool, limit: int) -> None:
    if not isinstance(value, str):
        p.add(name, "must be text.")
        return
    if required and not value.strip():
        p.add(name, "please write something here; it cannot be empty.")
    if len(value) > limit:
        p.add(name, f"is too long: {len(value)} characters, the limit is {limit}.")
    if CONTROL.search(value):
        p.add(name, "contains invisible control characters; please retype it.")


def _when(p: _Problems, name: str, value: datetime, now: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        p.add(name, "needs a date and time.")
    elif value > now:
        p.add(name, "is in the future; record events after they have happened.")


def _scale(p: _Problems, name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        p.add(name, f"must be a whole number from {low} to {high}.")


def _choice(p: _Problems, name: str, value: Any, enum: type[Enum]) -> None:
    try:
        enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)  # type: ignore[attr-defined]
        p.add(name, f"must be one of: {allowed}.")


def check_child_code(p: _Problems, name: str, code: Any) -> None:
    if not isinstance(code, str) or not CHILD_CODE.match(code):
        p.add(name, "a child code is 3 to 20 capital letters, digits or dashes, e.g. AST-0042.")


def plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    return value


class Payload(ABC):
    """Base of all form payloads."""

    @abstractmethod
    def problems(self, now: datetime) -> _Problems:
        """Every rule the payload's content breaks, by field."""

    def validate(self, now: datetime) -> None:
        self.problems(now).raise_if_any()

    def as_event_fields(self) -> dict[str, Any]:
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Enrolment(Payload):
    child_code: str
    school_id: str
    grade: int
    birth_year: int
    occurred_at: datetime
    family_situation: FamilySituation = FamilySituation.WITH_MOTHER
    languages: tuple[str, ...] = ("kk",)
    months_schooling_missed: int = 0
    support_needs: str = ""
    returned_from: str = ""
    personal_name: str = ""

    def problems(self, now: datetime) -> _Problems:
        p = _Problems()
        check_child_code(p, "child_code", self.child_code)
        _scale(p, "grade", self.grade, 0, 11)
        _scale(p, "birth_year", self.birth_year, now.year - 20, now.year - 4)
        _when(p, "occurred_at", self.occurred_at, now)
        _choice(p, "family_situation", self.family_situation, FamilySituation)
        if not self.languages:
            p.add("languages", "choose at least one language the child speaks.")
        _scale(p, "months_schooling_missed", self.months_schooling_missed, 0, 144)
        _text(p, "support_needs", self.support_needs, required=False, limit=TEXT)
        _text(p, "returned_from", self.returned_from, required=False, limit=SHORT_TEXT)
        _text(p, "personal_name", self.personal_name, required=False, limit=SHORT_TEXT)
        return p


@dataclass(frozen=True)
class Participant:
    child_code: str
    role: ParticipantRole


def _participants(p: _Problems, subject: str, participants: Iterable[Participant]) -> None:
    seen = {subject}
    for i, part in enumerate(participants):
        check_child_code(p, f"participants[{i}]", part.child_code)
        _choice(p, f"participants[{i}].role", part.role, ParticipantRole)
        if part.child_code in seen:
            p.add(f"participants[{i}]", f"{part.child_code} is listed twice.")
        seen.add(part.child_code)


@dataclass(frozen=True)
class ConflictReport(Payload):
    occurred_at: datetime
    kind: ConflictKind
    severity: int
    description: str
    child_role: ParticipantRole = ParticipantRole.INVOLVED
    participants: tuple[Participant, ...] = ()
    others_not_in_system: bool = False
    staff_involved: bool = False
    action_taken: str = ""

    def problems(self, now: datetime, subject: str = "") -> _Problems:
        p = _Problems()
        _when(p, "occurred_at", self.occurred_at, now)
        _choice(p, "kind", self.kind, ConflictKind)
        _scale(p, "severity", self.severity, 1, 5)
        _choice(p, "child_role", self.child_role, ParticipantRole)
        _text(p, "description", self.description, required=True, limit=TEXT)
        _text(p, "action_taken", self.action_taken, required=False, limit=TEXT)
        _participants(p, subject, self.participants)
        return p


@dataclass(frozen=True)
class PeerIncidentReport(Payload):
    occurred_at: datetime
    kind: PeerIncidentKind
    description: str
    severity: int = 0  # 0 for positive interactions
    child_role: ParticipantRole = ParticipantRole.INVOLVED
    label_about: LabelAbout | None = None
    participants: tuple[Participant, ...] = ()
    others_not_in_system: bool = False
    action_taken: str = ""

    @property
    def positive(self) -> bool:
        return PeerIncidentKind(self.kind) in POSITIVE_PEER_KINDS

    def problems(self, now: datetime, subject: str = "") -> _Problems:
        p = _Problems()
        _when(p, "occurred_at", self.occurred_at, now)
        _choice(p, "kind", self.kind, PeerIncidentKind)
        _choice(p, "child_role", self.child_role, ParticipantRole)
        if not p.items:
            if self.positive:
                if self.severity != 0:
                    p.add("severity", "a friendship or group activity has no severity.")
            else:
                _scale(p, "severity", self.severity, 1, 5)
            if PeerIncidentKind(self.kind) == PeerIncidentKind.STIGMATISING_LABEL:
                if self.label_about is None:
                    p.add("label_about", "say what the nickname or label was about.")
                else:
                    _choice(p, "label_about", self.label_about, LabelAbout)
        _text(p, "description", self.description, required=True, limit=TEXT)
        _text(p, "action_taken", self.action_taken, required=False, limit=TEXT)
        _participants(p, subject, self.participants)
        return p

    def as_event_fields(self) -> dict[str, Any]:
        values = super().as_event_fields()
        values["positive"] = self.positive
        return values


@dataclass(frozen=True)
class Wellbeing:
    social_ties: int
    school_engagement: int
    emotional_state: int
    family_support: int


@dataclass(frozen=True)
class CounsellingSession(Payload):
    occurred_at: datetime
    session_type: SessionType
    attendance: Attendance
    wellbeing: Wellbeing | None = None
    follow_up_on: date | None = None
    summary: str = ""
    confidential_notes: str = ""

    def problems(self, now: datetime) -> _Problems:
        p = _Problems()
        _when(p, "occurred_at", self.occurred_at, now)
        _choice(p, "session_type", self.session_type, SessionType)
        _choice(p, "attendance", self.attendance, Attendance)
        attended = self.attendance == Attendance.ATTENDED
        if attended and self.wellbeing is None:
            p.add("wellbeing", "an attended session needs the four wellbeing scores (1 to 5).")
        if not attended and self.wellbeing is not None:
            p.add("wellbeing", "wellbeing scores are only given for a session that took place.")
        if self.wellbeing is not None:
            for name in WELLBEING_INDICATORS:
                _scale(p, name, getattr(self.wellbeing, name), 1, 5)
        if self.follow_up_on is not None and isinstance(self.occurred_at, datetime):
            if self.follow_up_on < self.occurred_at.date():
                p.add("follow_up_on", "the follow-up date is before the session.")
        _text(p, "summary", self.summary, required=False, limit=TEXT)
        _text(p, "confidential_notes", self.confidential_notes, required=False, limit=LONG_TEXT)
        return p


@dataclass(frozen=True)
class Concern(Payload):
    occurred_at: datetime
    level: Level
    reason: str

    def problems(self, now: datetime) -> _Problems:
        p = _Problems()
        _when(p, "occurred_at", self.occurred_at, now)
        _choice(p, "level", self.level, Level)
        _text(p, "reason", self.reason, required=True, limit=TEXT)
        return p


@dataclass(frozen=True)
class Correction(Payload):
    """An amendment (changes given) or a retraction (no changes) of an earlier entry."""

    entry_id: str
    reason: str
    changes: dict[str, Any] = field(default_factory=dict)

    def problems(self, now: datetime) -> _Problems:
        p = _Problems()
        _text(p, "reason", self.reason, required=True, limit=TEXT)
        if not isinstance(self.entry_id, str) or not self.entry_id:
            p.add("entry_id", "choose the entry to correct.")
        return p


# Fields an amendment may change, per kind of entry, with the payload that validates them.
AMENDABLE = {
    "ConflictRecorded": (ConflictReport, {"occurred_at", "kind", "severity", "description",
                                          "action_taken", "child_role"}),
    "PeerIncidentRecorded": (PeerIncidentReport, {"occurred_at", "kind", "severity",
                                                  "description", "action_taken",
                                                  "label_about", "child_role"}),
    "CounsellingSessionRecorded": (CounsellingSession, {"occurred_at", "attendance",
                                                        "follow_up_on", "summary",
                                                        "confidential_notes", "session_type"}),
    "ConcernRaised": (Concern, {"occurred_at", "reason"}),
}


@dataclass(frozen=True)
class Resolution(Payload):
    outcome: Outcome
    rationale: str

    def problems(self, now: datetime) -> _Problems:
        p = _Problems()
        _choice(p, "outcome", self.outcome, Outcome)
        _text(p, "rationale", self.rationale, required=True, limit=TEXT)
        return p
