"""The engine keeps per child only what the rules can still need (domain.rules.horizon),
and decides exactly what an engine keeping everything decides.

The story: a year and a half of a small school's records, written as staff write them:
most entries the same day, some days late; some corrected a day or two later, a few
retracted; sessions attended and missed, wellbeing that drops now and then, labels,
refused contacts, a few enrolments closed and a few children enrolled with a backdated
enrolment. The engine runs every day, as in service, so its signals, withdrawals and
concern deadlines are in the log too."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from domain import clock
from domain.access import Actor, Role
from domain.application import SYSTEM, SchoolIntegration
from domain.commands import Correction, Wellbeing
from domain.plan_forms import FamilyContact
from domain.rules.engine import Engine
from domain.rules.loader import load_rules
from domain.vocabulary import Attendance, ConflictKind, PeerIncidentKind
from infrastructure.settings import Settings
from processes.engine_runner import EngineRunner, escalation_id
from tests import forms

START = datetime(2024, 9, 2, 9, 0, tzinfo=timezone.utc)
PSYCH = Actor("psy", Role.PSYCHOLOGIST, frozenset({"S1"}))
WORDS = ("A scuffle in the corridor.", "Pushed on the stairs; his wrist was injured.",
         "Shouting at break; no injuries.")


def record_history(folder: Path, days: int, children: int = 24, seed: int = 7
                   ) -> SchoolIntegration:
    rng = random.Random(seed)
    manual = clock.ManualClock(START)
    app = SchoolIntegration(env=Settings(database_url=f"sqlite:///{folder / 'k.db'}").app_env(),
                            clock_=manual)
    app.register_school(SYSTEM, "S1", "School 1", "Astana")
    engine = EngineRunner(app)
    codes = [f"AST-{i:04d}" for i in range(children)]
    enrolled: list[str] = []
    entries: dict[str, list[tuple[str, str]]] = {}  # code -> (entry id, kind) recorded lately
    scores: dict[str, list[int]] = {}
    closed: set[str] = set()
    for day in range(days):
        manual.set(START + timedelta(days=day, hours=rng.randint(0, 8)))
        now = manual.now()
        if codes and (day % 3 == 0 or day > days // 2 and rng.random() < 0.05):
            code = codes.pop(0)  # some children came long ago: a backdated enrolment
            back = timedelta(days=rng.choice([0, 0, 0, 1, 120]))
            app.enrol_child(PSYCH, forms.enrolment(code, now - back,
                                                   birth_year=2024 - rng.randint(7, 15)))
            enrolled.append(code)
        for code in [c for c in enrolled if c not in closed]:
            if rng.random() > 0.3:
                continue
            late = timedelta(days=rng.randint(1, 20)) if rng.random() < 0.1 else timedelta(0)
            when = max(now - late - timedelta(minutes=rng.randint(0, 300)), START)
            entry = record_one(app, code, when, rng, scores.setdefault(code, [3, 3, 3, 3]))
            entries.setdefault(code, []).append(entry)
            entries[code] = entries[code][-6:]
            if rng.random() < 0.06:
                correct(app, code, rng.choice(entries[code]), rng, now)
            if day > days // 3 and rng.random() < 0.004:
                app.close_enrolment(PSYCH, code, "moved away")
                closed.add(code)
        engine.tick()
    return app


def record_one(app: SchoolIntegration, code: str, when: datetime, rng: random.Random,
               scores: list[int]) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.3:
        severity = rng.choices([1, 2, 3, 4], [40, 35, 20, 5])[0]
        return app.record_conflict(PSYCH, code, forms.conflict(
            when, kind=rng.choice(list(ConflictKind)), severity=severity,
            description=rng.choice(WORDS))), "conflict"
    if roll < 0.55:
        kind = rng.choices([PeerIncidentKind.EXCLUSION, PeerIncidentKind.BULLYING,
                            PeerIncidentKind.FRIENDSHIP, PeerIncidentKind.STIGMATISING_LABEL],
                           [30, 15, 45, 10])[0]
        positive = kind == PeerIncidentKind.FRIENDSHIP
        extra = {"label_about": "origin"} if kind == PeerIncidentKind.STIGMATISING_LABEL else {}
        return app.record_peer_incident(PSYCH, code, forms.peer_incident(
            when, kind=kind, severity=0 if positive else rng.randint(1, 3), **extra)), "peer"
    if roll < 0.6:
        return app.record_family_contact(PSYCH, code, FamilyContact(
            when, "mother", "home_visit", *rng.choice([("reached", None), ("refused", "father")]),
            summary="Talked about homework.")), "family"
    attendance = rng.choices(list(Attendance), [60, 30, 10])[0]
    if attendance == Attendance.ATTENDED:
        for i in range(4):
            scores[i] = min(5, max(1, scores[i] + rng.choice([-2, -1, 0, 0, 1, 1])))
    return app.record_counselling_session(PSYCH, code, forms.session(
        when, attendance=attendance,
        wellbeing=Wellbeing(*scores) if attendance == Attendance.ATTENDED else None)), "session"


def correct(app: SchoolIntegration, code: str, entry: tuple[str, str], rng: random.Random,
            now: datetime) -> None:
    entry_id, kind = entry
    try:
        if rng.random() < 0.3:
            app.retract_entry(PSYCH, code, Correction(entry_id, "Wrong child."))
        elif kind in ("conflict", "peer"):
            changes: dict[str, Any] = rng.choice([
                {"severity": rng.randint(1, 5)}, {"description": rng.choice(WORDS)},
                {"occurred_at": now - timedelta(days=rng.randint(0, 10))}])
            app.amend_entry(PSYCH, code, Correction(entry_id, "Corrected.", changes))
    except Exception as error:  # already retracted, or a friendship given a severity
        if type(error).__name__ not in ("EntryAlreadyRetracted", "UnknownEntry", "InvalidEntry"):
            raise


def decide(app: SchoolIntegration, engine: Engine, samples: dict[int, Any] | None = None
           ) -> list[tuple[str, ...]]:
    """Feed the whole log to a pure engine as the runner does; every decision it takes."""
    found: list[tuple[str, ...]] = []
    last = app.recorder.max_notification_id() or 0
    for first in range(1, last + 1, 500):
        for notification in app.recorder.select_notifications(first, 500):
            event = app.mapper.to_domain_event(notification)
            moment = event.timestamp
            for decision in engine.tick(moment) + engine.observe(event, moment):
                found.append(("signal", decision.key, decision.rule.id, *decision.triggering,
                              decision.due_at.isoformat()))
            found += [("withdrawn", w.escalation_id, w.why, w.entry_id)
                      for w in engine.withdrawals.take()]
            found += [("rise", r.concern_id, r.acknowledge_by.isoformat())
                      for r in engine.take_rises()]
            if samples is not None and (event.timestamp - START).days not in samples:
                samples[(event.timestamp - START).days] = engine.kept()
    return found


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> SchoolIntegration:
    return record_history(tmp_path_factory.mktemp("engine-memory"), days=540)


def test_the_bounded_engine_decides_exactly_what_keeping_everything_decides(history):
    app = history
    rules = load_rules()
    everything = decide(app, Engine(rules, late_within=None))
    bounded = decide(app, Engine(rules))
    # The story has what could go wrong: late entries, corrections, signals of every kind.
    kinds = {d[0] for d in everything}
    assert kinds == {"signal", "withdrawn", "rise"}
    assert len({d[2] for d in everything if d[0] == "signal"}) >= 7
    assert bounded == everything  # the same decisions, in the same order
    # And what the engine (bounded) recorded in service is what keeping everything decides.
    recorded = set()
    for first in range(1, (app.recorder.max_notification_id() or 0) + 1, 500):
        for n in app.recorder.select_notifications(first, 500):
            if n.topic.endswith("EscalationRaised"):
                recorded.add(n.originator_id)
    decided = {escalation_id(d[1]) for d in everything if d[0] == "signal"}
    assert recorded == decided


def test_what_the_engine_keeps_stays_bounded_as_the_log_grows(history):
    app = history
    samples: dict[int, Any] = {}
    engine = Engine(load_rules())
    decide(app, engine, samples)
    everything = Engine(load_rules(), late_within=None)
    decide(app, everything)
    # The whole history grows with the log; what the bounded engine keeps does not.
    total = everything.kept()["facts"]
    half, end = samples[270], samples[539]
    assert total > 3 * end["facts"]
    assert end["facts"] <= 1.3 * half["facts"]
    assert end["keys"] <= 1.3 * half["keys"] + 10
    assert end["withdrawable"] <= 1.3 * half["withdrawable"] + 10
    # Closed enrolments are let go entirely; nothing keeps a position per event.
    assert engine.kept()["closed"] >= 1
    assert engine.kept()["children"] + engine.kept()["closed"] == everything.kept()["children"]
    assert not hasattr(engine, "seen")


def test_a_redelivered_event_is_not_decided_twice(history):
    app = history
    engine = Engine(load_rules())
    decide(app, engine)
    for notification in app.recorder.select_notifications(1, 2000):
        event = app.mapper.to_domain_event(notification)
        assert engine.observe(event, event.timestamp) == []
    assert engine.withdrawals.take() == [] and engine.take_rises() == []
