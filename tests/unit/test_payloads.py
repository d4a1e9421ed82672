"""Form payloads validate themselves and say what is wrong in plain words (no I/O)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from domain.commands import (
    ConflictReport,
    CounsellingSession,
    Enrolment,
    Participant,
    Wellbeing,
)
from domain.errors import InvalidEntry
from domain.vocabulary import Attendance, ParticipantRole, SessionType

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def problems(payload, **kwargs):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidEntry) as refused:
        payload.problems(NOW, **kwargs).raise_if_any()
    return {p.field: p.message for p in refused.value.problems}


def test_a_child_code_is_explained_by_example():
    found = problems(Enrolment("ab", "S1", 3, 2016, NOW))
    assert found == {"child_code": "a child code is 3 to 20 capital letters, digits or dashes, "
                                   "e.g. AST-0042."}


def test_enrolment_ranges():
    found = problems(Enrolment("AST-1", "S1", 12, 1990, NOW + timedelta(minutes=1),
                               languages=(), months_schooling_missed=-1))
    assert set(found) == {"grade", "birth_year", "occurred_at", "languages",
                          "months_schooling_missed"}


def test_a_date_without_a_timezone_is_not_accepted():
    found = problems(ConflictReport(datetime(2026, 1, 1), "verbal", 2, "text"))
    assert found["occurred_at"] == "needs a date and time."


def test_invisible_control_characters_are_refused():
    found = problems(ConflictReport(NOW, "verbal", 2, "bell\x07"))
    assert "control characters" in found["description"]


def test_a_child_listed_twice_or_as_their_own_partner_is_refused():
    report = ConflictReport(NOW, "verbal", 2, "text", participants=(
        Participant("AST-2", ParticipantRole.TARGET), Participant("AST-2", ParticipantRole.WITNESS),
        Participant("AST-1", ParticipantRole.WITNESS)))
    found = problems(report, subject="AST-1")
    assert found["participants[1]"] == "AST-2 is listed twice."
    assert found["participants[2]"] == "AST-1 is listed twice."


def test_a_follow_up_before_the_session_is_refused():
    session = CounsellingSession(NOW, SessionType.INDIVIDUAL, Attendance.MISSED,
                                 follow_up_on=date(2026, 3, 1))
    assert problems(session) == {"follow_up_on": "the follow-up date is before the session."}


def test_wellbeing_scores_are_one_to_five_and_only_for_sessions_that_happened():
    attended = CounsellingSession(NOW, SessionType.INDIVIDUAL, Attendance.ATTENDED,
                                  wellbeing=Wellbeing(0, 3, 6, 3))
    assert set(problems(attended)) == {"social_ties", "emotional_state"}
    missed = CounsellingSession(NOW, SessionType.INDIVIDUAL, Attendance.MISSED,
                                wellbeing=Wellbeing(3, 3, 3, 3))
    assert "only" in problems(missed)["wellbeing"]


def test_event_fields_are_plain_values():
    session = CounsellingSession(NOW, SessionType.GROUP, Attendance.ATTENDED,
                                 wellbeing=Wellbeing(1, 2, 3, 4), follow_up_on=date(2026, 3, 9))
    fields = session.as_event_fields()
    assert fields["session_type"] == "group"
    assert fields["wellbeing"] == {"social_ties": 1, "school_engagement": 2,
                                   "emotional_state": 3, "family_support": 4}
    assert fields["follow_up_on"] == "2026-03-09"
