"""Commands as staff fill them in: what each form carries, and the rules its content follows.

A payload validates itself and raises `InvalidEntry` listing every problem by field
(a code and its values; `domain.messages` says each in English, the UI in the
reader's language), so a form can show each one next to its field. `as_event_fields()`
gives the plain values (str, int, bool, list, dict, datetime) stored in events.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Iterable

from domain import checks
from domain.checks import LONG_TEXT, SHORT_TEXT, TEXT, plain
from domain.errors import Problems
from domain.vocabulary import (
    INDICATORS,
    POSITIVE_PEER_KINDS,
    Attendance,
    ConflictKind,
    FamilySituation,
    LabelAbout,
    Level,
    Outcome,
    ParticipantRole,
    PeerIncidentKind,
    SessionType,
)


class Payload(ABC):
    """Base of all form payloads."""

    @abstractmethod
    def problems(self, now: datetime) -> Problems:
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

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.child_code(p, "child_code", self.child_code)
        checks.text(p, "school_id", self.school_id, required=True, limit=SHORT_TEXT)
        checks.scale(p, "grade", self.grade, 0, 11)
        checks.scale(p, "birth_year", self.birth_year, now.year - 20, now.year - 4)
        checks.moment(p, "occurred_at", self.occurred_at, now)
        checks.choice(p, "family_situation", self.family_situation, FamilySituation)
        checks.languages(p, "languages", self.languages)
        checks.scale(p, "months_schooling_missed", self.months_schooling_missed, 0, 144)
        checks.text(p, "support_needs", self.support_needs, required=False, limit=TEXT)
        checks.text(p, "returned_from", self.returned_from, required=False, limit=SHORT_TEXT)
        checks.text(p, "personal_name", self.personal_name, required=False, limit=SHORT_TEXT)
        return p


@dataclass(frozen=True)
class Participant:
    child_code: str
    role: ParticipantRole


def _participants(p: Problems, subject: str, participants: Iterable[Participant]) -> None:
    if not isinstance(participants, (list, tuple)) or \
            not all(isinstance(part, Participant) for part in participants):
        p.add("participants", "participants.format")
        return
    seen = {subject}
    for i, part in enumerate(participants):
        checks.child_code(p, f"participants[{i}]", part.child_code)
        checks.choice(p, f"participants[{i}].role", part.role, ParticipantRole)
        if part.child_code in seen:
            p.add(f"participants[{i}]", "participants.twice", child=part.child_code)
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

    def problems(self, now: datetime, subject: str = "") -> Problems:
        p = Problems()
        checks.moment(p, "occurred_at", self.occurred_at, now)
        checks.choice(p, "kind", self.kind, ConflictKind)
        checks.scale(p, "severity", self.severity, 1, 5)
        checks.choice(p, "child_role", self.child_role, ParticipantRole)
        checks.text(p, "description", self.description, required=True, limit=TEXT)
        checks.text(p, "action_taken", self.action_taken, required=False, limit=TEXT)
        checks.flag(p, "others_not_in_system", self.others_not_in_system)
        checks.flag(p, "staff_involved", self.staff_involved)
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

    def problems(self, now: datetime, subject: str = "") -> Problems:
        p = Problems()
        checks.moment(p, "occurred_at", self.occurred_at, now)
        checks.choice(p, "kind", self.kind, PeerIncidentKind)
        checks.choice(p, "child_role", self.child_role, ParticipantRole)
        if not p.items:
            if self.positive:
                if self.severity != 0:
                    p.add("severity", "severity.positive")
            else:
                checks.scale(p, "severity", self.severity, 1, 5)
            if PeerIncidentKind(self.kind) == PeerIncidentKind.STIGMATISING_LABEL \
                    and self.label_about is None:
                p.add("label_about", "label_about.missing")
        if self.label_about is not None:
            checks.choice(p, "label_about", self.label_about, LabelAbout)
        checks.text(p, "description", self.description, required=True, limit=TEXT)
        checks.text(p, "action_taken", self.action_taken, required=False, limit=TEXT)
        checks.flag(p, "others_not_in_system", self.others_not_in_system)
        _participants(p, subject, self.participants)
        return p

    def as_event_fields(self) -> dict[str, Any]:
        values = super().as_event_fields()
        values["positive"] = self.positive
        return values


@dataclass(frozen=True)
class Wellbeing:
    """The wellbeing scores of a session, 1 to 5; None where the area was not assessed
    (nothing is stored for it, and no drop is computed from it)."""

    social_ties: int | None = None
    school_engagement: int | None = None
    emotional_state: int | None = None
    family_support: int | None = None

    def assessed(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in INDICATORS
                if getattr(self, name) is not None}


@dataclass(frozen=True)
class CounsellingSession(Payload):
    occurred_at: datetime
    session_type: SessionType
    attendance: Attendance
    wellbeing: Wellbeing | None = None
    follow_up_on: date | None = None
    summary: str = ""
    confidential_notes: str = ""

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.moment(p, "occurred_at", self.occurred_at, now)
        checks.choice(p, "session_type", self.session_type, SessionType)
        checks.choice(p, "attendance", self.attendance, Attendance)
        attended = self.attendance == Attendance.ATTENDED
        if self.wellbeing is not None and not isinstance(self.wellbeing, Wellbeing):
            p.add("wellbeing", "wellbeing.missing")
        elif self.wellbeing is not None and self.wellbeing.assessed():
            if not attended:
                p.add("wellbeing", "wellbeing.not_attended")
            for name in self.wellbeing.assessed():
                checks.scale(p, name, getattr(self.wellbeing, name), 1, 5)
        if self.follow_up_on is not None and checks.day(p, "follow_up_on", self.follow_up_on) \
                and isinstance(self.occurred_at, datetime) \
                and self.follow_up_on < self.occurred_at.date():
            p.add("follow_up_on", "follow_up.before_session")
        checks.text(p, "summary", self.summary, required=False, limit=TEXT)
        checks.text(p, "confidential_notes", self.confidential_notes, required=False,
                    limit=LONG_TEXT)
        return p

    def as_event_fields(self) -> dict[str, Any]:
        values = super().as_event_fields()  # only the assessed areas are stored
        assessed = self.wellbeing.assessed() if isinstance(self.wellbeing, Wellbeing) else {}
        values["wellbeing"] = assessed or None
        return values


@dataclass(frozen=True)
class Concern(Payload):
    occurred_at: datetime
    level: Level
    reason: str

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.moment(p, "occurred_at", self.occurred_at, now)
        checks.choice(p, "level", self.level, Level)
        checks.text(p, "reason", self.reason, required=True, limit=TEXT)
        return p


@dataclass(frozen=True)
class Correction(Payload):
    """An amendment (changes given) or a retraction (no changes) of an earlier entry."""

    entry_id: str
    reason: str
    changes: dict[str, Any] = field(default_factory=dict)

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.text(p, "reason", self.reason, required=True, limit=TEXT)
        if not isinstance(self.entry_id, str) or not self.entry_id:
            p.add("entry_id", "entry.missing")
        if not isinstance(self.changes, dict) or not all(isinstance(k, str) for k in self.changes):
            p.add("changes", "amendment.format")
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

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.choice(p, "outcome", self.outcome, Outcome)
        checks.text(p, "rationale", self.rationale, required=True, limit=TEXT)
        return p
