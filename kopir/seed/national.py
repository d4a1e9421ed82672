"""A synthetic national dataset for benchmarks: thousands of schools, tens of thousands of
children, millions of events, recorded with batched appends and a progress bar.

It reuses the demo's neutral wording (kopir/seed/demo_text.py) and records through the
application like the demo, but without staff accounts, escalation handling or the
engine: it is the volume a ministry would hold, not a story to click through.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable
from uuid import UUID

from domain import clock
from domain.access import Actor, Role
from domain.application import SYSTEM, SchoolIntegration
from domain.commands import (
    ConflictReport,
    CounsellingSession,
    Enrolment,
    PeerIncidentReport,
    Wellbeing,
)
from domain.rules.quality import Episode
from domain.vocabulary import (
    Attendance,
    ConflictKind,
    LabelAbout,
    ParticipantRole,
    PeerIncidentKind,
    SessionType,
)
from kopir.seed import demo_text as text

REGIONS = ("Astana", "Almaty", "Shymkent", "Aktobe", "Karaganda", "Atyrau", "Turkistan",
           "Kostanay", "Pavlodar", "Oskemen", "Taraz", "Kyzylorda")
START = datetime(2024, 9, 2, 8, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Preset:
    children: int
    schools: int
    events: int


PRESETS = {"quick": Preset(10_000, 500, 1_000_000),
           "national": Preset(100_000, 5_000, 10_000_000)}


def generator_env(size: Preset) -> dict[str, str]:
    """The generator is the store's only writer: every aggregate stays in the cache,
    which then needs no fast-forward query and no defensive copy per command."""
    return {"AGGREGATE_CACHE_MAXSIZE": str(size.children + size.schools + 16),
            "AGGREGATE_CACHE_FASTFORWARD": "n", "DEEPCOPY_FROM_AGGREGATE_CACHE": "n"}


def generate(make_app: Callable[[clock.ManualClock, Callable[[], UUID]], SchoolIntegration],
             children: int, schools: int, events: int, seed: int = 1, batch: int = 500,
             progress: Callable[[int, int], None] | None = None,
             labels: list[Episode] | None = None) -> SchoolIntegration:
    """Record about `events` events; returns the application (its clock at the end).
    A child now and then goes through a crisis (a hidden state of two weeks whose first
    entry is a serious incident); those episodes are added to `labels`, never stored."""
    rng = random.Random(seed)
    manual = clock.ManualClock(START)
    app = make_app(manual, lambda: UUID(int=rng.getrandbits(128), version=4))
    school_ids = [f"{REGIONS[i % len(REGIONS)][:3].upper()}-{i:04d}" for i in range(schools)]
    staff = {s: Actor(f"psych.{s.lower()}", Role.PSYCHOLOGIST, frozenset({s}))
             for s in school_ids}
    codes = [f"N{i:06d}" for i in range(children)]
    school_of = {code: school_ids[i % schools] for i, code in enumerate(codes)}
    done = 0
    with app.batch():
        for i, school in enumerate(school_ids):
            app.register_school(SYSTEM, school, f"School {school}", REGIONS[i % len(REGIONS)])
    done += schools
    # Two school years: the clock moves evenly from the first enrolment to the last event.
    step = timedelta(days=600) / max(1, events)
    for first in range(0, children, batch):
        with app.batch():
            for code in codes[first:first + batch]:
                manual.advance(step)
                app.enrol_child(staff[school_of[code]], Enrolment(
                    code, school_of[code], rng.randint(1, 9), 2024 - rng.randint(7, 15),
                    manual.now(), languages=(rng.choice(["kk", "ru"]),)))
        done += len(codes[first:first + batch])
        if progress:
            progress(done, events)
    wellbeing: dict[str, list[int]] = {}
    crisis: dict[str, datetime] = {}  # child -> the end of its crisis
    labels = labels if labels is not None else []
    while done < events:
        with app.batch():
            for _ in range(min(batch, events - done)):
                manual.advance(step)
                code, now = rng.choice(codes), manual.now()
                if code in crisis and now > crisis[code]:
                    del crisis[code]
                if code not in crisis and rng.random() < CRISIS_RATE:
                    crisis[code] = now + CRISIS
                    labels.append(Episode(code, "crisis", now, crisis[code]))
                    record_crisis(app, staff[school_of[code]], code, now, rng)
                else:
                    record_one(app, staff[school_of[code]], code, now, rng,
                               wellbeing.setdefault(code, [rng.randint(2, 4) for _ in range(4)]))
                done += 1
        if progress:
            progress(done, events)
    return app


CRISIS_RATE = 0.004  # per entry: about one child in three goes through one in two years
CRISIS = timedelta(days=14)


def record_crisis(app: SchoolIntegration, actor: Actor, code: str, when: datetime,
                  rng: random.Random) -> None:
    """The first sign of a crisis: a serious incident, written down as such."""
    injured = rng.random() < 0.5
    app.record_conflict(actor, code, ConflictReport(
        when, ConflictKind.PHYSICAL, rng.choice([3, 4]) if injured else rng.choice([4, 5]),
        rng.choice(text.CRISIS if injured else text.SERIOUS), child_role=ParticipantRole.TARGET))


# Peer interactions: friendships and group work outnumber trouble; labels are rare.
PEER_WEIGHTS = {PeerIncidentKind.FRIENDSHIP: 35, PeerIncidentKind.GROUP_ACTIVITY: 30,
                PeerIncidentKind.EXCLUSION: 12, PeerIncidentKind.BULLYING: 6,
                PeerIncidentKind.ONLINE: 6, PeerIncidentKind.PHYSICAL: 3,
                PeerIncidentKind.STIGMATISING_LABEL: 5}
CONFLICT_WEIGHTS = {ConflictKind.VERBAL: 62, ConflictKind.WITH_TEACHER: 18,
                    ConflictKind.PROPERTY: 12, ConflictKind.PHYSICAL: 8}


def record_one(app: SchoolIntegration, actor: Actor, code: str, when: datetime,
               rng: random.Random, scores: list[int]) -> None:
    """One entry. The mix is what schools report: mostly minor conflicts, more friendships
    than trouble, wellbeing that drifts a point at a time (a sharp drop is rare). At 100
    entries per child in 600 days the frequency rules still fire often: about one
    escalation per four entries on the 1M preset."""
    roll = rng.random()
    if roll < 0.3:
        app.record_conflict(actor, code, ConflictReport(
            when, rng.choices(list(CONFLICT_WEIGHTS), list(CONFLICT_WEIGHTS.values()))[0],
            rng.choices([1, 2, 3], [45, 35, 17])[0],  # 4 and 5: crises
            rng.choice(text.CONFLICT), child_role=rng.choice(
                [ParticipantRole.INITIATOR, ParticipantRole.TARGET, ParticipantRole.INVOLVED])))
    elif roll < 0.7:
        kind = rng.choices(list(PEER_WEIGHTS), list(PEER_WEIGHTS.values()))[0]
        positive = kind in (PeerIncidentKind.FRIENDSHIP, PeerIncidentKind.GROUP_ACTIVITY)
        words = {PeerIncidentKind.STIGMATISING_LABEL: text.NICKNAME,
                 PeerIncidentKind.EXCLUSION: text.EXCLUSION, PeerIncidentKind.BULLYING:
                 text.BULLYING, PeerIncidentKind.ONLINE: text.ONLINE,
                 PeerIncidentKind.PHYSICAL: text.PHYSICAL_PEER,
                 PeerIncidentKind.FRIENDSHIP: text.FRIENDSHIP}.get(kind, text.GROUP)
        app.record_peer_incident(actor, code, PeerIncidentReport(
            when, kind, rng.choice(words), severity=0 if positive else rng.randint(1, 3),
            label_about=rng.choice(list(LabelAbout))
            if kind == PeerIncidentKind.STIGMATISING_LABEL else None))
    else:
        attended = rng.random() < 0.9
        if attended:
            for i in range(4):
                step = rng.choices([-2, -1, 0, 1], [1, 20, 54, 25])[0]
                scores[i] = min(5, max(1, scores[i] + step))
        app.record_counselling_session(actor, code, CounsellingSession(
            when, rng.choice(list(SessionType)),
            Attendance.ATTENDED if attended else Attendance.MISSED,
            Wellbeing(*scores) if attended else None,
            summary=rng.choice(text.SESSION_SUMMARY) if attended else "",
            confidential_notes=rng.choice(text.CONFIDENTIAL) if attended else ""))

