"""Small builders of valid forms, so each test changes only what it is about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.commands import (
    Concern,
    ConflictReport,
    CounsellingSession,
    Enrolment,
    Participant,
    PeerIncidentReport,
    Wellbeing,
)
from domain.vocabulary import (
    Attendance,
    ConflictKind,
    Level,
    ParticipantRole,
    PeerIncidentKind,
    SessionType,
)


def enrolment(code: str, when: datetime, school: str = "S1", **changes: Any) -> Enrolment:
    values: dict[str, Any] = dict(child_code=code, school_id=school, grade=4,
                                  birth_year=when.year - 10, occurred_at=when)
    values.update(changes)
    return Enrolment(**values)


def conflict(when: datetime, **changes: Any) -> ConflictReport:
    values: dict[str, Any] = dict(occurred_at=when, kind=ConflictKind.VERBAL, severity=2,
                                  description="Argument over a ball at break.",
                                  child_role=ParticipantRole.TARGET)
    values.update(changes)
    return ConflictReport(**values)


def peer_incident(when: datetime, **changes: Any) -> PeerIncidentReport:
    values: dict[str, Any] = dict(occurred_at=when, kind=PeerIncidentKind.EXCLUSION, severity=2,
                                  description="Not allowed to join the game.",
                                  child_role=ParticipantRole.TARGET)
    values.update(changes)
    return PeerIncidentReport(**values)


def session(when: datetime, **changes: Any) -> CounsellingSession:
    values: dict[str, Any] = dict(occurred_at=when, session_type=SessionType.INDIVIDUAL,
                                  attendance=Attendance.ATTENDED,
                                  wellbeing=Wellbeing(3, 3, 3, 3), summary="Talked about friends.",
                                  confidential_notes="Sleeps badly before tests.")
    values.update(changes)
    return CounsellingSession(**values)


def with_other(code: str, role: ParticipantRole = ParticipantRole.INITIATOR) -> tuple[Participant, ...]:
    """One other child in the incident."""
    return (Participant(code, role),)


def concern(when: datetime, **changes: Any) -> Concern:
    values: dict[str, Any] = dict(occurred_at=when, level=Level.MEDIUM,
                                  reason="Withdrawn and quiet all week.")
    values.update(changes)
    return Concern(**values)
