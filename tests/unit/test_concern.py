"""The concern of a child: signals attach to one open concern, its level is the highest of
its open signals, a higher signal asks for a look again, an overdue one rises in place (with
a cap), a signal soon after resolution reopens it, later ones open a new episode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import clock
from domain.concern import REOPEN_WITHIN, RISE_CAP, Concern
from domain.errors import ConcernStateError
from domain.model import Stamp

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: float = 0, days: float = 0) -> Stamp:
    return Stamp("engine", "system", "S1", T0 + timedelta(hours=hours, days=days))


def kinds(concern: Concern) -> list[str]:
    return [type(e).__name__ for e in concern.collect_events()]


def started() -> Concern:
    concern = Concern.start("child-1", "KZ-AAAAA", at())
    concern.collect_events()
    return concern


def signal(concern: Concern, sid: str, level: str, when: Stamp) -> None:
    with clock.using(clock.ManualClock(when.occurred_at)):
        concern.signal(sid, level, "rule", ["e"], when.occurred_at + timedelta(hours=1), when)


def test_signals_attach_to_one_concern_and_only_a_higher_one_raises_it():
    concern = started()
    signal(concern, "a", "medium", at())
    assert kinds(concern) == ["ConcernOpened", "SignalAttached"]
    signal(concern, "b", "low", at(1))  # lower: attaches silently
    signal(concern, "c", "medium", at(2))  # the same level: silently too
    assert kinds(concern) == ["SignalAttached", "SignalAttached"]
    concern.acknowledge("Seen.", at(3))
    signal(concern, "d", "high", at(4))  # higher: it asks for a look again
    assert kinds(concern) == ["ConcernAcknowledged", "ConcernLevelRaised", "SignalAttached"]
    assert (concern.status, concern.level, len(concern.signals)) == ("open", "high", 4)
    signal(concern, "d", "high", at(5))  # the same decision again changes nothing
    assert kinds(concern) == []


def test_a_withdrawn_signal_leaves_the_level_of_the_others():
    concern = started()
    signal(concern, "a", "medium", at())
    signal(concern, "b", "high", at(1))
    assert concern.withdraw_signal("b", "entry_retracted", at(2))
    assert (concern.level, list(concern.signals)) == ("medium", ["a"])
    assert not concern.withdraw_signal("b", "entry_retracted", at(3))  # once


def test_overdue_rises_in_place_tells_the_next_person_up_and_stops_at_the_cap():
    concern = started()
    signal(concern, "a", "low", at())
    assert not concern.overdue(T0 + timedelta(minutes=30), T0 + timedelta(hours=2), at(0.5))
    rises = 0
    for hour in range(2, 20):
        rises += concern.overdue(T0 + timedelta(hours=hour), T0 + timedelta(hours=hour),
                                 at(hour))
    assert rises == RISE_CAP
    assert (concern.level, concern.tier, concern.status) == ("high", 1, "open")


def test_after_resolution_a_signal_reopens_soon_and_opens_a_new_episode_later():
    concern = started()
    signal(concern, "a", "medium", at())
    with clock.using(clock.ManualClock(T0 + timedelta(days=1))):
        concern.resolve("no_further_action", "Talked it through.", at(days=1))
    concern.collect_events()
    signal(concern, "b", "low", at(days=2))
    assert kinds(concern)[0] == "ConcernReopened" and concern.episode == 1
    with clock.using(clock.ManualClock(T0 + timedelta(days=3))):
        concern.resolve("action_taken", "Plan agreed.", at(days=3))
    later = 3 + REOPEN_WITHIN.days + 1
    signal(concern, "c", "low", at(days=later))
    assert [k for k in kinds(concern) if k.startswith("Concern")][-1] == "ConcernOpened"
    assert concern.episode == 2


def test_snooze_is_at_most_seven_days_and_decisions_need_an_open_concern():
    concern = started()
    with pytest.raises(ConcernStateError):
        concern.acknowledge("Nothing to see.", at())
    signal(concern, "a", "medium", at())
    with pytest.raises(ConcernStateError) as refused:
        concern.snooze("Holidays.", T0 + timedelta(days=8), at())
    assert refused.value.code == "concern_snooze_range"
    concern.snooze("The child is away this week.", T0 + timedelta(days=7), at())
    concern.acknowledge("Back; seen.", at(days=7))  # a snoozed one comes back to be seen
    with pytest.raises(ConcernStateError):
        concern.acknowledge("Again.", at(days=7))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["signal", "withdraw", "acknowledge", "resolve",
                                            "overdue"]),
                          st.sampled_from(["low", "medium", "high"]),
                          st.integers(min_value=0, max_value=5)), max_size=40))
def test_the_level_is_the_highest_open_signal_whatever_happens(steps):
    concern, moment = started(), 0.0
    for action, level, n in steps:
        moment += 6
        stamp = at(moment)
        try:
            if action == "signal":
                signal(concern, f"s{n}", level, stamp)
            elif action == "withdraw":
                concern.withdraw_signal(f"s{n}", "entry_retracted", stamp)
            elif action == "acknowledge":
                concern.acknowledge("Seen.", stamp)
            elif action == "resolve":
                with clock.using(clock.ManualClock(stamp.occurred_at)):
                    concern.resolve("no_further_action", "Done.", stamp)
            else:
                concern.overdue(stamp.occurred_at, stamp.occurred_at + timedelta(hours=1), stamp)
        except ConcernStateError:
            assert not concern.is_open or action == "acknowledge"
        order = ["low", "medium", "high"]
        if concern.is_open and concern.signals and concern.rises == 0:
            assert concern.level == max(concern.signals.values(), key=order.index)
        if not concern.is_open:
            assert concern.signals == {}
