"""The escalation rules, kind by kind, with a controllable clock (no I/O)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import clock
from domain.model import Child, Stamp
from domain.rules.engine import Engine
from domain.rules.loader import RuleFileError, load_rules, parse_rules

UTC = timezone.utc
MONDAY = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
RULES = load_rules()


def stamp(occurred_at: datetime) -> Stamp:
    return Stamp("t", "teacher", "S1", occurred_at)

_ids = count()


class History:
    """One child's events, recorded at controllable moments, fed to an engine."""

    def __init__(self, birth_year: int = 2016, engine: Engine | None = None) -> None:
        self.clock = clock.ManualClock(MONDAY - timedelta(days=60))
        self.engine = engine or Engine(RULES)
        self.decisions: list = []
        self.log: list = []
        with clock.using(self.clock):
            self.child = Child.enrol(f"C-{next(_ids):04d}", grade=4, birth_year=birth_year,
                                     family_situation="with_mother", languages=["kk"],
                                     months_schooling_missed=0, support_needs="", returned_from="",
                                     personal_name="", stamp=stamp(self.clock.now()))
        self._feed()

    def _feed(self) -> None:
        for event in self.child.collect_events():
            self.log.append(event)
            self.decisions += self.engine.observe(event, self.clock.now())

    def at(self, moment: datetime) -> "History":
        self.clock.set(max(moment, self.clock.now()))
        return self

    def incident(self, occurred: datetime, kind: str = "verbal", severity: int = 2,
                 text: str = "Argument at break.", peer: bool = False,
                 positive: bool = False, label_about: str | None = None) -> str:
        entry = f"e{next(_ids)}"
        fields = dict(incident_id=entry, kind=kind, severity=severity, description=text,
                      child_role="target", participants=[], others_not_in_system=False,
                      action_taken="")
        with clock.using(self.clock):
            if peer:
                self.child.record_entry(Child.PeerIncidentRecorded, entry, {
                    **fields, "positive": positive, "label_about": label_about}, stamp(occurred))
            else:
                self.child.record_entry(Child.ConflictRecorded, entry,
                                        {**fields, "staff_involved": False}, stamp(occurred))
        self._feed()
        return entry

    def session(self, occurred: datetime, attendance: str = "attended",
                wellbeing: dict[str, int] | None = None) -> str:
        entry = f"s{next(_ids)}"
        if attendance == "attended" and wellbeing is None:
            wellbeing = {"social_ties": 3, "school_engagement": 3, "emotional_state": 3,
                         "family_support": 3}
        with clock.using(self.clock):
            self.child.record_entry(Child.CounsellingSessionRecorded, entry, {
                "session_type": "individual", "attendance": attendance, "wellbeing": wellbeing,
                "follow_up_on": None, "summary": "", "confidential_notes": ""}, stamp(occurred))
        self._feed()
        return entry

    def tick(self, moment: datetime) -> list:
        self.at(moment)
        found = self.engine.tick(moment)
        self.decisions += found
        return found

    def raised(self, rule_id: str) -> list:
        return [d for d in self.decisions if d.rule.id == rule_id]


# --- single events -----------------------------------------------------------------------
def test_severity_four_or_violence_words_raise_high():
    h = History().at(MONDAY)
    h.incident(MONDAY, severity=3)
    assert h.raised("serious-incident") == []
    h.incident(MONDAY + timedelta(hours=1), severity=4)
    h.incident(MONDAY + timedelta(hours=2), severity=1, text="Он получил травму руки")
    h.incident(MONDAY + timedelta(hours=3), severity=1, text="Үзілісте жарақат алды")
    found = h.raised("serious-incident")
    assert len(found) == 3 and {d.level for d in found} == {"high"}
    assert found[0].rule.acknowledge_within == timedelta(hours=1)


def test_a_stigmatising_label_raises_medium_with_what_it_was_about():
    h = History().at(MONDAY)
    h.incident(MONDAY, kind="stigmatising_label", peer=True, label_about="origin")
    [decision] = h.raised("stigmatising-label")
    assert decision.level == "medium" and "origin" in decision.reason("en")
    assert "origin" in decision.reason("ru") and decision.reason("kk")


# --- windows -----------------------------------------------------------------------------
def test_three_incidents_in_fourteen_days_raise_once_and_two_do_not():
    h = History().at(MONDAY + timedelta(days=30))
    h.incident(MONDAY)
    h.incident(MONDAY + timedelta(days=6))
    assert h.raised("frequent-incidents-14d") == []
    h.incident(MONDAY + timedelta(days=13, hours=23))  # still inside 14 days
    h.incident(MONDAY + timedelta(days=13, hours=23, minutes=5))  # the same cluster
    assert len(h.raised("frequent-incidents-14d")) == 1


def test_the_window_edge_is_exclusive_at_exactly_fourteen_days():
    h = History().at(MONDAY + timedelta(days=30))
    h.incident(MONDAY)
    h.incident(MONDAY + timedelta(days=7))
    h.incident(MONDAY + timedelta(days=14))  # the first is now outside (t - 14d, t]
    assert h.raised("frequent-incidents-14d") == []


def test_positive_interactions_do_not_count():
    h = History().at(MONDAY + timedelta(days=30))
    for day in range(3):
        h.incident(MONDAY + timedelta(days=day), kind="friendship", peer=True, positive=True,
                   severity=0)
    assert h.raised("frequent-incidents-14d") == []


def test_twelve_and_older_need_fewer_incidents():
    older = History(birth_year=MONDAY.year - 13).at(MONDAY + timedelta(days=30))
    younger = History(birth_year=MONDAY.year - 9).at(MONDAY + timedelta(days=30))
    for h in (older, younger):
        h.incident(MONDAY)
        h.incident(MONDAY + timedelta(days=2))
    assert len(older.raised("frequent-incidents-14d")) == 1
    assert younger.raised("frequent-incidents-14d") == []


def test_a_backdated_incident_completes_a_window_and_is_marked_late():
    h = History().at(MONDAY + timedelta(days=3))
    h.incident(MONDAY + timedelta(days=1))
    h.incident(MONDAY + timedelta(days=3))
    # Recorded three weeks later, it happened before the other two.
    h.at(MONDAY + timedelta(days=24))
    h.incident(MONDAY)
    [decision] = h.raised("frequent-incidents-14d")
    assert decision.late
    assert decision.due_at == MONDAY + timedelta(days=3)
    assert decision.detection_delay == timedelta(days=21)


@settings(max_examples=200, deadline=None)
@given(days=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12),
       order=st.randoms(use_true_random=False))
def test_the_window_rule_agrees_with_a_brute_force_count(days, order):
    moments = [MONDAY + timedelta(days=d, minutes=i) for i, d in enumerate(days)]
    expected = any(sum(1 for other in moments if m - timedelta(days=14) < other <= m) >= 3
                   for m in moments)
    arrival = list(moments)
    order.shuffle(arrival)  # entries arrive in any order (backdated ones included)
    h = History().at(max(moments) + timedelta(days=1))
    for moment in arrival:
        h.incident(moment)
    assert bool(h.raised("frequent-incidents-14d")) == expected


# --- wellbeing, absences, missed sessions ----------------------------------------------------
def scores(value: int, emotional: int | None = None) -> dict[str, int]:
    return {"social_ties": value, "school_engagement": value,
            "emotional_state": emotional if emotional is not None else value,
            "family_support": value}


def test_a_drop_of_two_points_between_sessions_raises_medium():
    h = History().at(MONDAY + timedelta(days=30))
    h.session(MONDAY, wellbeing=scores(4))
    h.session(MONDAY + timedelta(days=14), wellbeing=scores(4, emotional=3))
    assert h.raised("wellbeing-drop") == []
    h.session(MONDAY + timedelta(days=28), wellbeing=scores(4, emotional=1))
    [decision] = h.raised("wellbeing-drop")
    assert decision.values == {"indicator": "emotional state", "before": 3, "after": 1}


def test_no_session_after_enrolment_is_a_task_first_and_low_past_its_second_deadline():
    h = History()
    enrolled = h.clock.now()
    # Due after 30 days as the psychologist's task; the supervisor hears of it only when
    # 14 more days pass with no session.
    assert h.tick(enrolled + timedelta(days=43)) == []
    [decision] = h.tick(enrolled + timedelta(days=45))
    assert decision.rule.id == "no-session-after-enrolment" and decision.level == "low"
    assert h.tick(enrolled + timedelta(days=90)) == []  # raised once


def test_a_session_in_time_prevents_the_absence_escalation():
    h = History()
    enrolled = h.clock.now()
    h.at(enrolled + timedelta(days=10)).session(enrolled + timedelta(days=10))
    assert h.tick(enrolled + timedelta(days=40)) == []


def test_five_school_days_after_a_label_skip_the_weekend():
    h = History().at(MONDAY)
    friday = MONDAY + timedelta(days=4)
    h.at(friday).incident(friday, kind="stigmatising_label", peer=True, label_about="religion")
    # The task is due 5 school days later (the next Friday); the signal 5 more school days
    # on, the Friday after: the weekends do not count.
    assert [d for d in h.tick(friday + timedelta(days=13)) if d.rule.id == "no-session-after-label"] == []
    found = [d for d in h.tick(friday + timedelta(days=14, hours=1))
             if d.rule.id == "no-session-after-label"]
    assert len(found) == 1 and found[0].due_at == friday + timedelta(days=14)


def test_two_missed_sessions_in_a_row_raise_low_once():
    h = History().at(MONDAY + timedelta(days=60))
    h.session(MONDAY, attendance="missed")
    h.session(MONDAY + timedelta(days=7), attendance="attended")
    h.session(MONDAY + timedelta(days=14), attendance="missed")
    assert h.raised("missed-sessions") == []
    h.session(MONDAY + timedelta(days=21), attendance="missed")
    h.session(MONDAY + timedelta(days=28), attendance="missed")
    assert len(h.raised("missed-sessions")) == 1


def test_missed_sessions_are_a_task_first_and_low_only_two_weeks_later():
    h = History().at(MONDAY + timedelta(days=7, hours=1))
    h.session(MONDAY, attendance="missed")
    h.session(MONDAY + timedelta(days=7), attendance="missed")
    assert h.raised("missed-sessions") == []  # the psychologist's task, for now
    assert [d for d in h.tick(MONDAY + timedelta(days=20)) if d.rule.id == "missed-sessions"] \
        == []
    [found] = [d for d in h.tick(MONDAY + timedelta(days=21, hours=1))
               if d.rule.id == "missed-sessions"]
    assert found.level == "low" and found.reason("en") == "2 counselling sessions missed in a row."


def test_a_session_attended_within_two_weeks_ends_the_missed_sessions_task():
    h = History().at(MONDAY + timedelta(days=7, hours=1))
    h.session(MONDAY, attendance="missed")
    h.session(MONDAY + timedelta(days=7), attendance="missed")
    h.at(MONDAY + timedelta(days=10)).session(MONDAY + timedelta(days=10))
    assert [d for d in h.tick(MONDAY + timedelta(days=30)) if d.rule.id == "missed-sessions"] \
        == []


def test_replaying_the_same_history_into_the_same_engine_raises_nothing_new():
    h = History().at(MONDAY + timedelta(days=30))
    h.incident(MONDAY, severity=5)
    h.incident(MONDAY + timedelta(days=1))
    h.incident(MONDAY + timedelta(days=2))
    assert len(h.raised("serious-incident")) == 1 and len(h.raised("frequent-incidents-14d")) == 1
    h.tick(h.clock.now())
    # The same events again (a redelivery, a replay) decide nothing new.
    again = [d for event in h.log for d in h.engine.observe(event, h.clock.now())]
    assert again == []


# --- the rules file ------------------------------------------------------------------------
def test_the_shipped_rules_load():
    assert {r.when.kind for r in RULES} == {"event", "window", "drop", "absence",
                                           "consecutive", "unacknowledged"}


@pytest.mark.parametrize("old,new,message", [
    ('level = "medium"', 'level = "urgent"', "level must be one of"),
    ('kind = "window"', 'kind = "sometimes"', "unknown condition kind 'sometimes'"),
    ("threshold = 3", 'threshold = "three"', "threshold must be a whole number"),
    ('id = "wellbeing-drop"', 'id = "serious-incident"', "is used twice"),
    ('level = "high"', 'level = "high', "not valid TOML"),
])
def test_a_bad_rules_file_is_refused_with_its_line(old, new, message):
    from domain.rules.loader import RULES_FILE

    broken = RULES_FILE.read_text().replace(old, new, 1)
    with pytest.raises(RuleFileError, match=message) as refused:
        parse_rules(broken, source="rules.toml")
    # The message starts with the file and the line of the mistake.
    source, line, _ = str(refused.value).split(":", 2)
    assert source == "rules.toml"
    lines = broken.splitlines()
    broken_line = next(n for n, text in enumerate(lines, 1) if new in text)
    if message == "is used twice":
        assert lines[int(line) - 1] == "[[rule]]"
    else:
        assert int(line) == broken_line


def test_a_concern_not_acknowledged_by_its_deadline_is_handed_over_to_rise_in_place():
    h = History().at(MONDAY)
    concern = opened_concern(h, "low", timedelta(hours=24))
    h.tick(MONDAY + timedelta(hours=23))
    assert h.engine.rises == []
    # No escalation about an escalation: the concern is handed over to rise in place, once
    # for this deadline, with the next one the rule gives.
    assert [d for d in h.tick(MONDAY + timedelta(hours=25)) if d.rule.id == "unacknowledged"] \
        == []
    [rise] = h.engine.take_rises()
    assert rise.concern_id == str(concern.id)
    assert rise.acknowledge_by == MONDAY + timedelta(hours=26)  # the rule's hour
    h.tick(MONDAY + timedelta(hours=27))
    assert h.engine.take_rises() == []  # until its rise is recorded, it is not asked again


def test_an_acknowledged_concern_is_not_raised():
    h = History().at(MONDAY)
    opened_concern(h, "low", timedelta(hours=1), acknowledged=True)
    h.tick(MONDAY + timedelta(hours=5))
    assert h.engine.rises == []


def opened_concern(h: History, level: str, within: timedelta, acknowledged: bool = False):  # type: ignore[no-untyped-def]
    """A concern of h's child opened at MONDAY (and acknowledged), fed to h's engine."""
    from domain.model import Concern

    with clock.using(h.clock):
        concern = Concern.start(str(h.child.id), h.child.code, stamp(MONDAY))
        concern.signal("s1", level, "stigmatising-label", ["e"], MONDAY + within, stamp(MONDAY))
        if acknowledged:
            concern.acknowledge("seen", stamp(MONDAY))
    for event in concern.collect_events():
        h.engine.observe(event, MONDAY)
    return concern
