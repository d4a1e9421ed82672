"""The rule-quality measures on hand-made signals and episodes (no I/O): precision, recall
within two school days, time to detection, and the load as escalations and as one
concern per child."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.rules.facts import Decision
from domain.rules.loader import load_rules
from domain.rules.quality import Enrolled, Episode, evaluate

RULES = load_rules()
MONDAY = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
YEAR = (MONDAY - timedelta(days=150), MONDAY + timedelta(days=100))


def signal(rule: str, child: str, at: datetime, late: timedelta = timedelta(0)) -> Decision:
    r = RULES.by_id(rule)
    return Decision(f"{rule}:{child}:{at}", r, child, child, "S1", r.level, ("e",), {}, at,
                    at + late)


def enrolled(*children: str, region: str = "Astana") -> list[Enrolled]:
    return [Enrolled(c, region, *YEAR) for c in children]


def test_precision_counts_signals_inside_an_episode_and_recall_those_found_in_time():
    episodes = [Episode("A", "crisis", MONDAY, MONDAY + timedelta(days=14)),
                Episode("B", "stigma", MONDAY, MONDAY + timedelta(days=10))]
    decisions = [
        signal("serious-incident", "A", MONDAY + timedelta(hours=2)),  # right, in time
        signal("stigmatising-label", "B", MONDAY, late=timedelta(days=5)),  # right, too late
        signal("stigmatising-label", "C", MONDAY),  # no episode: wrong
    ]
    report = evaluate(decisions, episodes, enrolled("A", "B", "C"), RULES.calendar)
    overall = report["overall"]
    assert (overall["signals"], overall["right"], overall["precision"]) == (3, 2, 0.667)
    assert (overall["episodes_found"], overall["episodes_in_time"], overall["recall"]) == \
        (2, 1, 0.5)
    # Median of 2 hours and 5 days.
    assert overall["median_hours_to_detection"] == (2 + 120) / 2
    label = next(r for r in report["rules"] if r["rule_id"] == "stigmatising-label")
    assert (label["signals"], label["right"], label["episodes_in_time"]) == (2, 1, 0)


def test_two_school_days_skip_the_weekend():
    friday = MONDAY + timedelta(days=4)
    episodes = [Episode("A", "crisis", friday, friday + timedelta(days=7))]
    # Detected on Tuesday: two school days after Friday (Monday, Tuesday).
    found = [signal("serious-incident", "A", friday, late=timedelta(days=4))]
    assert evaluate(found, episodes, enrolled("A"), RULES.calendar)["overall"]["recall"] == 1.0
    late = [signal("serious-incident", "A", friday, late=timedelta(days=5))]
    assert evaluate(late, episodes, enrolled("A"), RULES.calendar)["overall"]["recall"] == 0.0


def test_five_signals_in_ten_days_are_one_concern_and_a_signal_soon_after_reopens_it():
    decisions = [signal("frequent-incidents-14d", "A", MONDAY + timedelta(days=2 * i))
                 for i in range(5)]
    report = evaluate(decisions, [], enrolled("A"), RULES.calendar)
    assert report["load"]["escalations"]["items"] == 5
    concerns = report["load"]["concerns"]
    assert (concerns["opened"], concerns["items"], concerns["signals_per_concern"]) == (1, 1, 5)
    # Quiet for two weeks (taken as resolved), then a signal within a week: reopened, not new.
    decisions.append(signal("wellbeing-drop", "A", MONDAY + timedelta(days=8 + 14 + 3)))
    # Another child: a concern of its own; a HIGH signal on a MEDIUM concern is an item too.
    decisions += [signal("stigmatising-label", "B", MONDAY),
                  signal("serious-incident", "B", MONDAY + timedelta(days=1))]
    concerns = evaluate(decisions, [], enrolled("A", "B"), RULES.calendar)["load"]["concerns"]
    assert concerns["opened"] == 2
    assert concerns["items"] == 4  # A opened, A reopened, B opened, B raised to HIGH


def test_load_per_child_per_term_and_per_supervisor_per_week():
    decisions = [signal("stigmatising-label", "A", MONDAY),
                 signal("stigmatising-label", "B", MONDAY + timedelta(days=30))]
    children = enrolled("A") + enrolled("B", region="Almaty")
    load = evaluate(decisions, [], children, RULES.calendar)["load"]
    # 250 days from September to May, none in the summer break: about 3.7 terms each.
    assert 7.0 < load["child_terms"] < 7.6
    assert load["escalations"]["per_child_per_term"] == round(2 / load["child_terms"], 2)
    weeks = load["weeks"]
    assert load["escalations"]["items_per_supervisor_per_week"] == round(1 / weeks, 2) > 0
