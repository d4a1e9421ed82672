"""The escalation engine as a process on the log: exactly once, replayable, time-aware."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.concern import RISE_CAP, concern_id
from domain.model import child_id
from domain.vocabulary import LabelAbout, PeerIncidentKind
from processes.engine_runner import EngineRunner
from tests import forms
from tests.readers import Readers

# The engine records its position in a table of the store's own database.
pytestmark = pytest.mark.backends("sqlite", "postgres")


def escalations(world):  # type: ignore[no-untyped-def]
    world.project()
    return Readers(world.app, world.rt.view).oversight.escalation_queue(world.supervisor,
                                                             include_resolved=True)


def test_a_serious_incident_is_escalated_once_even_when_the_engine_runs_again(world):
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1), severity=5))
    engine = EngineRunner(app)
    engine.tick()
    [raised] = escalations(world)
    assert (raised["rule_id"], raised["rule_version"], raised["level"]) == ("serious-incident", 2, "high")
    assert raised["acknowledge_by"] == world.clock.now() + timedelta(hours=1)
    # A second engine (a restart) replays the log and raises nothing new.
    again = EngineRunner(app)
    again.tick()
    assert len(escalations(world)) == 1
    assert again.position == app.recorder.max_notification_id()  # its own escalation included


def concern_of(world, code):  # type: ignore[no-untyped-def]
    world.project()
    [row] = [r for r in world.rt.view.rows("rm_concerns")
             if r["child_id"] == str(child_id(code))]
    return row


def test_the_engine_records_escalations_with_its_position_in_one_transaction(world):
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    app.record_peer_incident(world.teacher, "AST-0001", forms.peer_incident(
        world.later(hours=1), kind=PeerIncidentKind.STIGMATISING_LABEL, label_about=LabelAbout.FAMILY))
    engine = EngineRunner(app)
    before = app.recorder.max_notification_id()
    # Everything so far, then its own signal and the concern it opened (the concern's
    # start, opening and the signal attached: it watches the concern's deadline).
    assert engine.process_available() == before + 4
    assert engine.position == app.recorder.max_notification_id() == before + 4
    [raised] = escalations(world)
    assert raised["rule_id"] == "stigmatising-label"
    app.acknowledge_concern(world.supervisor, concern_id(raised["child_id"]), "Seen.")
    # Five school days later with no session the psychologist has a task; five more, and
    # the absence rule fires on the tick.
    world.later(days=8)
    engine.tick()
    assert {e["rule_id"] for e in escalations(world)} == {"stigmatising-label"}
    world.later(days=7)
    engine.tick()
    assert {e["rule_id"] for e in escalations(world)} == {"stigmatising-label",
                                                          "no-session-after-label"}
    concern = concern_of(world, "AST-0001")  # one concern, its count risen
    assert concern["signal_count"] == 2 and concern["status"] == "acknowledged"


def test_an_unacknowledged_concern_rises_in_place(world):
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    app.record_peer_incident(world.teacher, "AST-0001", forms.peer_incident(
        world.later(hours=1), kind=PeerIncidentKind.STIGMATISING_LABEL, label_about=LabelAbout.ORIGIN))
    engine = EngineRunner(app)
    engine.tick()
    world.later(hours=25)  # medium: acknowledge within 24 hours
    engine.tick()
    # Seen on the demo: 214 escalations existed only because another was not acknowledged.
    [signal] = escalations(world)
    assert (signal["rule_id"], signal["level"]) == ("stigmatising-label", "medium")
    risen = concern_of(world, "AST-0001")
    assert (risen["level"], risen["rises"], risen["tier"]) == ("high", 1, 1)
    assert risen["acknowledge_by"] == world.clock.now() + timedelta(hours=1)
    assert [h["action"] for h in json.loads(risen["history"])] == ["opened", "level_raised"]
    # Decided once: a restarted engine raises nothing more, and the repeats are capped.
    engine.close()
    restarted = EngineRunner(app)
    assert restarted.tick() == []
    for _ in range(6):
        world.later(hours=2)
        restarted.tick()
    restarted.close()
    assert len(escalations(world)) == 1
    same = concern_of(world, "AST-0001")
    assert same["level"] == "high" and same["rises"] == RISE_CAP


def test_a_backdated_fact_raises_a_late_escalation_with_its_delay(world):
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    start = world.clock.now()
    world.later(days=3)
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(start + timedelta(days=1)))
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(start + timedelta(days=2)))
    engine = EngineRunner(app)
    engine.tick()
    world.later(days=10)
    # Recorded now, it happened before the other two: the window was complete 11 days ago.
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(start + timedelta(hours=12)))
    engine.tick()
    [late] = [e for e in escalations(world) if e["rule_id"] == "frequent-incidents-14d"]
    assert late["due_at"] == start + timedelta(days=2)
    assert late["detection_delay_seconds"] == int((world.clock.now() - late["due_at"]).total_seconds())
    assert late["detection_delay_seconds"] > 10 * 86400


def test_the_demo_history_replayed_twice_gives_the_same_escalations(settings):
    from datetime import date

    from domain.application import SchoolIntegration
    from kopir.seed import demo

    app, _ = demo.seed(lambda clk, ids: SchoolIntegration(env=settings.app_env(), clock_=clk,
                                                          ids=ids),
                       children=10, seed_value=4, until=date(2026, 3, 20))
    engine_events = [n for n in app.recorder.select_notifications(1, 10**6)
                     if "EscalationRaised" in n.topic]
    assert len(engine_events) > 5
    # Two more engines replay the whole log from scratch (as after losing their state)...
    for run in range(2):
        replay = EngineRunner(app, name=f"replay-{run}")
        assert replay.position == 0
        assert replay.process_available() == app.recorder.max_notification_id()
        replay.tick()
    # ...and the log holds the same escalations, none twice.
    after = [n for n in app.recorder.select_notifications(1, 10**6) if "EscalationRaised" in n.topic]
    assert [(n.originator_id, n.state) for n in after] == \
        [(n.originator_id, n.state) for n in engine_events]
    assert len({n.originator_id for n in after}) == len(after)
    app.close()


def test_a_backtest_writes_nothing(world):
    from domain.rules.loader import load_rules
    from processes.backtest import backtest
    from processes.rebuild import snapshot

    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    for hours in (2, 3, 4):
        app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=hours)))
    EngineRunner(app).tick()
    world.project()
    before_log, before_views = app.recorder.max_notification_id(), snapshot(world.rt.view)
    report = backtest(app, world.rt.view, load_rules())
    assert app.recorder.max_notification_id() == before_log
    assert snapshot(world.rt.view) == before_views
    row = next(r for r in report["rows"] if r["rule_id"] == "frequent-incidents-14d")
    assert (row["would_raise"], row["live"]) == (1, 1)
    assert report["concerns"] == {"would_open": 1, "live": 1}


def test_escalation_times_per_school_and_level(world):
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    happened = world.later(hours=1)
    world.later(hours=2)  # recorded two hours after it happened
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(happened, severity=5))
    EngineRunner(app).tick()
    [raised] = escalations(world)
    world.later(minutes=30)
    app.acknowledge_concern(world.supervisor, concern_id(raised["child_id"]), "On it.")
    world.later(hours=24)
    from domain.commands import Resolution
    from domain.vocabulary import Outcome

    app.resolve_concern(world.supervisor, concern_id(raised["child_id"]),
                        Resolution(Outcome.ACTION_TAKEN, "Met the family."))
    world.project()
    [metrics] = Readers(app, world.rt.view).oversight.escalation_metrics(world.supervisor)
    assert (metrics["school_id"], metrics["level"], metrics["escalations"],
            metrics["concerns"]) == ("S1", "high", 1, 1)
    assert metrics["median_hours_to_escalation"] == 2.0
    assert metrics["median_hours_to_acknowledgement"] == 0.5
    assert metrics["median_hours_to_resolution"] == 24.5


def test_a_new_rule_version_does_not_raise_old_cases_again_unless_asked(world):
    from domain.rules.loader import RULES_FILE, parse_rules

    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1), severity=5))
    EngineRunner(app).tick()
    bumped = parse_rules(RULES_FILE.read_text().replace(
        'id = "serious-incident"\nversion = 2', 'id = "serious-incident"\nversion = 3'))
    assert bumped.by_id("serious-incident").version == 3
    EngineRunner(app, bumped, name="after-upgrade").tick()
    assert [e["rule_version"] for e in escalations(world)] == [2]
    EngineRunner(app, bumped, name="re-raise", reraise_new_versions=True).tick()
    assert sorted(e["rule_version"] for e in escalations(world)) == [2, 3]
