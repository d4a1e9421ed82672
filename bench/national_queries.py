"""Queries and replay at national scale: the data of the monitor, caseload and chronology
pages as the pages ask for it, and a long record replayed as it stood at a moment, each
next to a raw SQL baseline (part of `python -m bench.national`)."""

from __future__ import annotations

import gc
import itertools
import json
import random
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]


def timings(call: Callable[[], Any], repeat: int, budget: float = 5.0,
            cpu: list[float] | None = None) -> list[float]:
    """Up to `repeat` timed runs after a warm-up; a slow call stops after `budget` seconds
    (three runs at least). `cpu` gets this process's CPU time of each run: on a shared
    machine the wall time also counts the waits for a core, the CPU time does not (with
    SQLite the database works in this process, so it is counted)."""
    call()  # warm: connections, statement caches
    result: list[float] = []
    while len(result) < repeat and (len(result) < 3 or sum(result) < budget):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        result.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(time.process_time() - started_cpu)
    return result


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


# --- queries at scale ------------------------------------------------------------------
def query_latencies(store: str, views: str, views_file: Path, until: str,
                    repeat: int) -> list[dict[str, Any]]:
    from domain import clock
    from domain.access import Actor, Role
    from domain.application import SchoolIntegration
    from infrastructure.settings import Settings
    from projections.queries import OversightQueries, StaffQueries
    from projections.views import ReadModelView

    # The clock at the end of the history: "the last 30 days" hold entries.
    app = SchoolIntegration(env=Settings(database_url=store).app_env(),
                            clock_=clock.ManualClock(datetime.fromisoformat(until)))
    view = ReadModelView.from_url(views)
    oversight, staff = OversightQueries(app, view), StaffQueries(app, view)
    gc.freeze()  # as the interface's server does once its runtime is built (ui/services.py)
    raw = sqlite3.connect(views_file)
    schools = raw.execute("SELECT school_id, region FROM rm_schools").fetchall()
    region = schools[0][1]
    regional = frozenset(s for s, r in schools if r == region)
    coordinator = Actor("coordinator", Role.SUPERVISOR, regional)
    ministry = Actor("ministry", Role.SUPERVISOR, frozenset({"*"}))
    rng = random.Random(5)
    children = raw.execute("SELECT code, school_id, child_id FROM rm_children").fetchall()
    sample = [rng.choice(children) for _ in range(repeat + 1)]
    marks = ",".join("?" * len(regional))
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = []
    for scope, actor, where, params in (
            (f"one region ({len(regional)} schools)", coordinator,
             f"school_id IN ({marks})", sorted(regional)),
            ("the whole country", ministry, "1 = 1", [])):
        cases += [
            (f"monitor: a refresh, {scope}",
             lambda actor=actor: oversight.concern_monitor(actor, limit=25)["rows"],
             lambda where=where, params=params: raw.execute(
                 f"SELECT level, count(*) FROM rm_concerns WHERE status = 'open' AND {where} "
                 "GROUP BY level", params).fetchall() + raw.execute(
                 f"SELECT * FROM rm_concerns WHERE status != 'resolved' AND {where} "
                 "ORDER BY last_signal_at DESC LIMIT 25", params).fetchall()),
            (f"caseload: {scope}", lambda actor=actor: (
                lambda data: data.get("regions") or data["schools"])(oversight.caseload(actor)),
             lambda where=where, params=params: raw.execute(
                 f"SELECT school_id, count(*) FROM rm_children WHERE status = 'open' "
                 f"AND {where} GROUP BY school_id", params).fetchall())]
    # The country's caseload opens one region for its schools.
    cases.append((f"caseload: the country, one region opened ({len(regional)} schools)",
                  lambda: oversight.caseload(ministry, region=region)["schools"],
                  lambda: raw.execute(
                      "SELECT c.school_id, count(*) FROM rm_children c JOIN rm_schools s "
                      "USING (school_id) WHERE c.status = 'open' AND s.region = ? "
                      "GROUP BY c.school_id", (region,)).fetchall()))
    turn, raw_turn = itertools.cycle(sample), itertools.cycle(sample)

    def chronology() -> Any:
        code, school, _ = next(turn)
        return staff.chronology(Actor(f"psych.{school}", Role.PSYCHOLOGIST,
                                        frozenset({school})), code)

    cases.append(("chronology: one child, the read logged", chronology,
                  lambda: raw.execute("SELECT * FROM rm_chronology WHERE child_id = ? "
                                      "ORDER BY occurred_at", (next(raw_turn)[2],)).fetchall()))
    work_turn, raw_work_turn = itertools.cycle(sample), itertools.cycle(sample)

    def my_work() -> Any:
        _, school, _ = next(work_turn)
        return staff.my_work(Actor(f"psych.{school}", Role.PSYCHOLOGIST, frozenset({school})))

    cases.append(("my work: a psychologist of one school", my_work,
                  lambda: raw.execute("SELECT * FROM rm_children WHERE school_id = ? "
                                      "AND status = 'open'",
                                      (next(raw_work_turn)[1],)).fetchall()))
    rows = []
    for name, call, baseline in cases:
        cpu: list[float] = []
        measured, base = timings(call, repeat, cpu=cpu), timings(baseline, repeat)
        rows.append({"query": name, "p50_ms": p(measured, 0.5), "p95_ms": p(measured, 0.95),
                     "cpu_p50_ms": p(cpu, 0.5), "cpu_p95_ms": p(cpu, 0.95),
                     "baseline_p50_ms": p(base, 0.5), "rows": len(call())})
    app.close()
    return rows


# --- replay of a long record -------------------------------------------------------------
def replay_latencies(folder: Path, events: int, repeat: int) -> list[dict[str, Any]]:
    from domain import clock
    from domain.access import Actor, Role
    from domain.application import SYSTEM, SchoolIntegration
    from domain.commands import ConflictReport, Enrolment
    from domain.vocabulary import ConflictKind
    from infrastructure.settings import Settings
    from projections.queries import StaffQueries
    from projections.views import ReadModelView

    for old in folder.glob("replay-*"):
        old.unlink()
    psych = Actor("psych", Role.PSYCHOLOGIST, frozenset({"S1"}))
    auditor = Actor("auditor", Role.AUDITOR, frozenset({"*"}))
    result = []
    # The application snapshots a child every 100 events (Base.snapshotting_intervals).
    for label, cls, extra in (("without snapshots", SchoolIntegration,
                               {"IS_SNAPSHOTTING_ENABLED": "n"}),
                              ("snapshots every 100 events", SchoolIntegration, {})):
        store = f"sqlite:///{folder}/replay-{len(result)}.db"
        manual = clock.ManualClock(clock.SYSTEM_CLOCK.now() - timedelta(days=3 * events))
        app = cls(env={**Settings(database_url=store).app_env(), **extra}, clock_=manual)
        app.register_school(SYSTEM, "S1", "School", "Region")
        app.enrol_child(psych, Enrolment("LONG-1", "S1", 5, manual.now().year - 11, manual.now()))
        moments = []
        with app.batch():
            for n in range(events - 1):
                manual.advance(timedelta(days=1))
                app.record_conflict(psych, "LONG-1", ConflictReport(
                    manual.now(), ConflictKind.VERBAL, 1 + n % 3, f"Entry {n}: talked it through."))
                moments.append(manual.now())
        app.close()
        # A fresh process's view: nothing cached, the store read as an auditor's page would.
        reader = cls(env={**Settings(database_url=store).app_env(), **extra}, clock_=manual)
        reader.repository.cache = None  # ("0" would mean a cache without bound)
        staff = StaffQueries(reader, ReadModelView.from_url(f"sqlite:///{folder}/replay-views.db"))
        moment = moments[int(len(moments) * 0.9)]
        child_id = reader.child("LONG-1").id
        replay = timings(lambda: staff.chronology(auditor, "LONG-1", as_of=moment), repeat)
        at_version = timings(lambda: reader.repository.get(child_id, version=int(events * 0.95)),
                             repeat)
        raw = sqlite3.connect(f"{folder}/replay-{len(result)}.db")

        def raw_read() -> Any:
            return [json.loads(state) for (state,) in raw.execute(
                "SELECT state FROM schoolintegration_events WHERE originator_id = ? "
                "ORDER BY originator_version", (child_id.bytes,))]

        baseline = timings(raw_read, repeat)
        result.append({"case": label, "replay_p50_ms": p(replay, 0.5),
                       "replay_p95_ms": p(replay, 0.95),
                       "aggregate_p50_ms": p(at_version, 0.5),
                       "baseline_p50_ms": p(baseline, 0.5), "events": events})
        reader.close()
    return result
