"""What the engine keeps of a child (domain.rules.horizon): the last months, and of older
times only what a rule can still compare with. Each story runs on the bounded engine and
on one that keeps everything."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.rules.engine import Engine
from domain.rules.horizon import longest_window
from tests.unit.test_rules_engine import MONDAY, RULES, History, scores

DAY = timedelta(days=1)
ENGINES = {"bounded": lambda: Engine(RULES), "everything": lambda: Engine(RULES, late_within=None)}


def busy(h: History, days: range) -> None:
    """A friendly interaction every other day: facts that come and go, firing nothing."""
    for day in days:
        if day % 2 == 0:
            h.tick(MONDAY + day * DAY)  # as the runner does: what is due first (timers end)
            h.incident(MONDAY + day * DAY, peer=True, positive=True, kind="friendship",
                       severity=0)


def test_the_longest_window_comes_from_the_rules_file():
    assert longest_window(RULES) == timedelta(days=60)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_session_half_a_year_later_still_compares_with_the_one_before(engine):
    h = History(engine=ENGINES[engine]())
    h.at(MONDAY).session(MONDAY, wellbeing=scores(4))
    busy(h, range(1, 200))
    h.at(MONDAY + 200 * DAY).session(MONDAY + 200 * DAY, wellbeing=scores(4, emotional=2))
    [drop] = h.raised("wellbeing-drop")
    assert drop.values == {"indicator": "emotional state", "before": 4, "after": 2}


@pytest.mark.parametrize("engine", ENGINES)
def test_missed_sessions_in_a_row_are_a_run_however_far_apart(engine):
    h = History(engine=ENGINES[engine]())
    h.at(MONDAY).session(MONDAY, attendance="attended")
    first = h.at(MONDAY + DAY).session(MONDAY + DAY, attendance="missed")
    busy(h, range(2, 200))
    h.at(MONDAY + 200 * DAY).session(MONDAY + 200 * DAY, attendance="missed")
    h.tick(MONDAY + 230 * DAY)
    [run] = h.raised("missed-sessions")
    assert run.triggering[0] == first


def test_the_bounded_engine_keeps_the_last_months_not_the_whole_history():
    h, everything = History(), History(engine=ENGINES["everything"]())
    for each in (h, everything):
        busy(each, range(0, 400))
    kept = h.engine.kept()
    assert everything.engine.kept()["facts"] == 201  # 200 interactions and the enrolment
    # 30 days for late entries + the 60-day window + a week between clean-ups, every other day
    assert kept["facts"] <= (30 + 60 + 7) // 2 + 2
    assert kept["children"] == 1 and kept["timers"] == 0


def test_an_entry_backdated_past_what_is_kept_is_decided_by_the_rules_about_it_alone():
    h, everything = History(), History(engine=ENGINES["everything"]())
    for each in (h, everything):
        each.at(MONDAY).incident(MONDAY)
        each.at(MONDAY + DAY).incident(MONDAY + DAY)
        busy(each, range(2, 300))
        # Recorded 300 days on: a serious incident that happened on the third day.
        each.at(MONDAY + 300 * DAY).incident(MONDAY + 2 * DAY, severity=5)
    # Both raise the serious incident; only the engine that kept the first days sees the
    # three incidents in 14 days (the horizon's documented rule).
    assert len(h.raised("serious-incident")) == len(everything.raised("serious-incident")) == 1
    assert h.raised("frequent-incidents-14d") == []
    assert len(everything.raised("frequent-incidents-14d")) == 1
