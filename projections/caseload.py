"""Caseload: one row per child with the counters a school's overview needs."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import case, insert, update
from sqlalchemy.orm import Session

from domain.model import Child, Escalation, KopirAggregate
from projections.tables import children

c = children.c


def _touch(event: KopirAggregate.Event) -> dict[str, Any]:
    return {"version": event.originator_version, "updated_at": event.timestamp}


def _later(column: Any, value: Any) -> Any:
    """The later of a nullable column and a value, in portable SQL."""
    return case((column.is_(None), value), (column < value, value), else_=column)


def enrolled(session: Session, event: Child.ChildEnrolled) -> None:
    session.execute(insert(children), [{
        "child_id": str(event.originator_id),
        "code": event.code,
        "school_id": event.school_id,
        "grade": event.grade,
        "birth_year": event.birth_year,
        "family_situation": event.family_situation,
        "languages": json.dumps(list(event.languages), ensure_ascii=False),
        "months_schooling_missed": event.months_schooling_missed,
        "support_needs": event.support_needs,
        "returned_from": event.returned_from,
        "personal_name": event.personal_name,
        "enrolled_on": event.occurred_at,
        "status": "open",
        "transferred_from": None,
        "conflicts": 0,
        "peer_incidents": 0,
        "positive_interactions": 0,
        "last_incident_at": None,
        "sessions_attended": 0,
        "sessions_missed_in_a_row": 0,
        "last_session_at": None,
        "next_follow_up_on": None,
        "open_escalations": 0,
        **_touch(event),
    }])


def _update(session: Session, event: KopirAggregate.Event, **values: Any) -> None:
    session.execute(update(children).where(c.child_id == str(event.originator_id))
                    .values(**values, **_touch(event)))


def transferred(session: Session, event: Child.ChildTransferred) -> None:
    _update(session, event, school_id=event.to_school_id, transferred_from=event.school_id)


def closed(session: Session, event: Child.EnrolmentClosed) -> None:
    _update(session, event, status="closed")


def entry_recorded(session: Session, event: KopirAggregate.Event) -> None:
    if isinstance(event, Child.ConflictRecorded):
        _update(session, event, conflicts=c.conflicts + 1,
                last_incident_at=_later(c.last_incident_at, event.occurred_at))
    elif isinstance(event, Child.PeerIncidentRecorded) and event.positive:
        _update(session, event, positive_interactions=c.positive_interactions + 1)
    elif isinstance(event, Child.PeerIncidentRecorded):
        _update(session, event, peer_incidents=c.peer_incidents + 1,
                last_incident_at=_later(c.last_incident_at, event.occurred_at))
    elif isinstance(event, Child.CounsellingSessionRecorded):
        _session_recorded(session, event)
    else:
        _update(session, event)


def _session_recorded(session: Session, event: Child.CounsellingSessionRecorded) -> None:
    values: dict[str, Any] = {}
    if event.attendance == "attended":
        values.update(sessions_attended=c.sessions_attended + 1, sessions_missed_in_a_row=0,
                      last_session_at=_later(c.last_session_at, event.occurred_at))
    elif event.attendance == "missed":
        values.update(sessions_missed_in_a_row=c.sessions_missed_in_a_row + 1)
    if event.follow_up_on:
        values.update(next_follow_up_on=event.follow_up_on)
    _update(session, event, **values)


def corrected(session: Session, event: KopirAggregate.Event, target_kind: str | None,
              target_fields: dict[str, Any]) -> None:
    """A retraction takes the entry out of the counters; an amendment only touches the row."""
    values: dict[str, Any] = {}
    if isinstance(event, Child.EntryRetracted):
        if target_kind == "ConflictRecorded":
            values["conflicts"] = c.conflicts - 1
        elif target_kind == "PeerIncidentRecorded" and target_fields.get("positive"):
            values["positive_interactions"] = c.positive_interactions - 1
        elif target_kind == "PeerIncidentRecorded":
            values["peer_incidents"] = c.peer_incidents - 1
        elif (target_kind == "CounsellingSessionRecorded"
              and target_fields.get("attendance") == "attended"):
            values["sessions_attended"] = c.sessions_attended - 1
    _update(session, event, **values)


def escalation_opened(session: Session, event: Escalation.EscalationRaised) -> None:
    session.execute(update(children).where(c.child_id == event.child_id)
                    .values(open_escalations=c.open_escalations + 1))


def escalation_closed(session: Session, child_id: str) -> None:
    session.execute(update(children).where(c.child_id == child_id)
                    .values(open_escalations=c.open_escalations - 1))
