"""A wellbeing area nobody assessed is not a score: a session may assess some areas or
none, only the assessed ones are stored, and a drop is only computed between two
assessed values of the same area (a session that skipped the area is passed over)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.commands import CounsellingSession, Wellbeing
from domain.vocabulary import Attendance, SessionType
from tests.unit.test_rules_engine import MONDAY, History

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def test_an_attended_session_may_assess_some_areas_or_none():
    for wellbeing in (None, Wellbeing(), Wellbeing(emotional_state=2)):
        session = CounsellingSession(NOW, SessionType.INDIVIDUAL, Attendance.ATTENDED,
                                     wellbeing=wellbeing)
        assert session.problems(NOW).items == [], wellbeing


def test_only_the_assessed_areas_are_stored():
    def stored(wellbeing: Wellbeing | None) -> object:
        return CounsellingSession(NOW, SessionType.INDIVIDUAL, Attendance.ATTENDED,
                                  wellbeing=wellbeing).as_event_fields()["wellbeing"]

    assert stored(None) is None
    assert stored(Wellbeing()) is None
    assert stored(Wellbeing(emotional_state=2, social_ties=4)) == {"social_ties": 4,
                                                                   "emotional_state": 2}


def test_an_assessed_score_is_still_one_to_five_and_only_for_a_session_that_took_place():
    wrong = CounsellingSession(NOW, SessionType.INDIVIDUAL, Attendance.ATTENDED,
                               wellbeing=Wellbeing(emotional_state=7))
    assert [p.field for p in wrong.problems(NOW).items] == ["emotional_state"]
    missed = CounsellingSession(NOW, SessionType.INDIVIDUAL, Attendance.MISSED,
                                wellbeing=Wellbeing(emotional_state=3))
    assert [p.field for p in missed.problems(NOW).items] == ["wellbeing"]


def test_a_drop_is_computed_between_assessed_values_only():
    h = History().at(MONDAY + timedelta(days=40))
    h.session(MONDAY, wellbeing={"emotional_state": 4, "social_ties": 3})
    # The next session assessed only social ties: no emotional drop from nothing.
    h.session(MONDAY + timedelta(days=14), wellbeing={"social_ties": 3})
    h.session(MONDAY + timedelta(days=20), wellbeing={})  # attended, nothing assessed
    assert h.raised("wellbeing-drop") == []
    # Emotional state assessed again: 4 → 2 across the sessions that skipped it.
    h.session(MONDAY + timedelta(days=28), wellbeing={"emotional_state": 2})
    [decision] = h.raised("wellbeing-drop")
    assert decision.values == {"indicator": "emotional state", "before": 4, "after": 2}
