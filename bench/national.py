"""Köpir at national scale on this machine, each measure against a baseline from the same run.

    python -m bench.national [--preset quick|national] [--replay-events 1000]

- generate: `kopir generate` (commands through the application, 500 per transaction);
  baseline: raw sqlite3 inserts of the same stored rows, 500 per transaction;
- engine: the escalation rules catching up over the whole log; baseline: reading and
  decoding the same events;
- rebuild: every read model from zero; baseline: raw sqlite3 read + JSON decode +
  executemany of one row per event (bench.core's raw loop);
- queries: the data of the monitor, caseload and chronology pages, as the pages ask for
  it (access checks, the chronology's access-log entry included); baseline: one raw
  sqlite3 SELECT of the same rows;
- replay: a child with N events as it stood at a moment (the auditor's replay, and the
  aggregate at a version with and without snapshots); baseline: raw sqlite3 read + JSON
  decode of the child's rows;
- peak memory (maximum resident set) of every process the run starts.

Each phase that writes runs in a process of its own, so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from bench.common import RESULTS, Row, report

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Phase:
    name: str
    seconds: float
    peak_mib: float
    output: dict[str, Any]


def run_phase(name: str, argv: list[str], env: dict[str, str]) -> Phase:
    """Run a process to its end; its wall time and its own peak resident memory."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    out = process.stdout.read()  # stderr (progress bars) goes to the terminal
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"bench: {name} failed ({process.returncode}): {out[-2000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return Phase(name, seconds, usage.ru_maxrss / 1024, json.loads(lines[-1]) if lines else {})


def own_peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --- phases run in their own processes ---------------------------------------------
def phase_engine(store: str, until: str) -> None:
    from domain import clock
    from domain.application import SchoolIntegration
    from kopir.settings import Settings
    from projections.engine_runner import EngineRunner

    app = SchoolIntegration(env=Settings(database_url=store).app_env(),
                            clock_=clock.ManualClock(datetime.fromisoformat(until)))
    runner = EngineRunner(app, name="bench-national", batch_size=5000)
    started = time.perf_counter()
    decided = runner.process_available()
    seconds = time.perf_counter() - started
    raised = len(runner.raised_log)
    started = time.perf_counter()
    for first in range(1, decided + 1, 5000):
        for n in app.recorder.select_notifications(first, 5000):
            app.mapper.to_domain_event(n)
    decode = time.perf_counter() - started
    print(json.dumps({"events": decided, "seconds": seconds, "raised": raised,
                      "baseline_seconds": decode}))


def phase_project(store: str, views: str) -> None:
    from domain.application import SchoolIntegration
    from kopir.progress import ProgressBar
    from kopir.settings import Settings
    from projections.rebuild import REBUILD_BATCH
    from projections.runner import EmbeddedRunner
    from projections.views import ReadModelView

    app = SchoolIntegration(env=Settings(database_url=store).app_env())
    runner = EmbeddedRunner(app, ReadModelView.from_url(views), batch_size=REBUILD_BATCH)
    started = time.perf_counter()
    events = runner.process_available(progress=ProgressBar("projecting"))
    seconds = time.perf_counter() - started
    print(json.dumps({"events": events, "seconds": seconds}))


# --- baselines -----------------------------------------------------------------------
def raw_insert(source: Path, target: Path, batch: int = 500) -> tuple[int, float]:
    rows = sqlite3.connect(source).execute(
        "SELECT originator_id, originator_version, topic, state FROM schoolintegration_events "
        "ORDER BY id").fetchall()
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, originator_id BLOB, "
               "originator_version INTEGER, topic TEXT, state BLOB, "
               "UNIQUE (originator_id, originator_version))")
    started = time.perf_counter()
    for first in range(0, len(rows), batch):
        db.execute("BEGIN")
        db.executemany("INSERT INTO events (originator_id, originator_version, topic, state) "
                       "VALUES (?, ?, ?, ?)", rows[first:first + batch])
        db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return len(rows), seconds


def timings(call: Callable[[], Any], repeat: int, budget: float = 5.0) -> list[float]:
    """Up to `repeat` timed runs after a warm-up; a slow call stops after `budget` seconds
    (three runs at least)."""
    call()  # warm: connections, statement caches
    result: list[float] = []
    while len(result) < repeat and (len(result) < 3 or sum(result) < budget):
        started = time.perf_counter()
        call()
        result.append(time.perf_counter() - started)
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
    from kopir.settings import Settings
    from projections.queries import Queries
    from projections.views import ReadModelView

    # The clock at the end of the history: "the last 30 days" hold entries.
    app = SchoolIntegration(env=Settings(database_url=store).app_env(),
                            clock_=clock.ManualClock(datetime.fromisoformat(until)))
    queries = Queries(app, ReadModelView.from_url(views))
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
             lambda actor=actor: queries.monitor(actor, limit=25)["rows"],
             lambda where=where, params=params: raw.execute(
                 f"SELECT level, count(*) FROM rm_escalations WHERE status = 'open' AND {where} "
                 "GROUP BY level", params).fetchall() + raw.execute(
                 f"SELECT * FROM rm_escalations WHERE status != 'resolved' AND {where} "
                 "ORDER BY raised_at DESC LIMIT 25", params).fetchall()),
            (f"caseload: {scope}", lambda actor=actor: queries.caseload(actor)["schools"],
             lambda where=where, params=params: raw.execute(
                 f"SELECT school_id, count(*) FROM rm_children WHERE status = 'open' "
                 f"AND {where} GROUP BY school_id", params).fetchall())]
    turn, raw_turn = itertools.cycle(sample), itertools.cycle(sample)

    def chronology() -> Any:
        code, school, _ = next(turn)
        return queries.chronology(Actor(f"psych.{school}", Role.PSYCHOLOGIST,
                                        frozenset({school})), code)

    cases.append(("chronology: one child, the read logged", chronology,
                  lambda: raw.execute("SELECT * FROM rm_chronology WHERE child_id = ? "
                                      "ORDER BY occurred_at", (next(raw_turn)[2],)).fetchall()))
    rows = []
    for name, call, baseline in cases:
        measured, base = timings(call, repeat), timings(baseline, repeat)
        rows.append({"query": name, "p50_ms": p(measured, 0.5), "p95_ms": p(measured, 0.95),
                     "baseline_p50_ms": p(base, 0.5), "rows": len(call())})
    app.close()
    return rows


# --- replay of a long record -------------------------------------------------------------
def replay_latencies(folder: Path, events: int, repeat: int) -> list[dict[str, Any]]:
    from domain import clock
    from domain.access import Actor, Role
    from domain.application import SYSTEM, SchoolIntegration
    from domain.events import ConflictKind, ConflictReport, Enrolment
    from domain.model import Child
    from kopir.settings import Settings
    from projections.queries import Queries
    from projections.views import ReadModelView

    class Snapshotting(SchoolIntegration):
        name = "SchoolIntegration"  # the same tables
        snapshotting_intervals = {Child: 100}

    for old in folder.glob("replay-*"):
        old.unlink()
    psych = Actor("psych", Role.PSYCHOLOGIST, frozenset({"S1"}))
    auditor = Actor("auditor", Role.AUDITOR, frozenset({"*"}))
    result = []
    for label, cls, extra in (("without snapshots", SchoolIntegration, {}),
                              ("snapshots every 100 events", Snapshotting,
                               {"IS_SNAPSHOTTING_ENABLED": "y"})):
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
        reader = cls(env={**Settings(database_url=store).app_env(), **extra,
                          "AGGREGATE_CACHE_MAXSIZE": "0"}, clock_=manual)
        queries = Queries(reader, ReadModelView.from_url(f"sqlite:///{folder}/replay-views.db"))
        moment = moments[int(len(moments) * 0.9)]
        child_id = reader.child("LONG-1").id
        replay = timings(lambda: queries.chronology(auditor, "LONG-1", as_of=moment), repeat)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", choices=["quick", "national"], default="quick")
    parser.add_argument("--children", type=int, default=None, help="instead of the preset's")
    parser.add_argument("--schools", type=int, default=None)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--replay-events", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", type=Path, default=None,
                        help="generate into this folder and leave it there")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: measure queries and replay on what is there")
    args = parser.parse_args()
    from kopir.national import PRESETS, START, Preset

    preset = PRESETS[args.preset]
    size = Preset(args.children or preset.children, args.schools or preset.schools,
                  args.events or preset.events)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="kopir-national-"))
    folder.mkdir(parents=True, exist_ok=True)
    store_file, views_file = folder / "kopir.db", folder / "kopir-views.db"
    for stale in ([] if args.reuse else folder.glob("*.db*")):
        stale.unlink()
    store, views = f"sqlite:///{store_file}", f"sqlite:///{views_file}"
    env = {**os.environ, "KOPIR_DATABASE_URL": store, "KOPIR_VIEWS_URL": views}
    env.pop("KOPIR_CIPHER_KEY", None)
    env.pop("KOPIR_CIPHER_KEY_FILE", None)
    kopir, me = [sys.executable, "-m", "kopir.cli"], [sys.executable, "-m", "bench.national"]
    print(f"national dataset, preset {args.preset}: {size.children:,} children, "
          f"{size.schools:,} schools, {size.events:,} events, in {folder}", flush=True)

    until = (START + timedelta(days=601)).isoformat()
    phases: list[Phase] = []
    if args.reuse:
        count = sqlite3.connect(store_file).execute(
            "SELECT count(*) FROM schoolintegration_events").fetchone()[0]
    else:
        phases.append(run_phase("generate", kopir + [
            "generate", "--children", str(size.children), "--schools", str(size.schools),
            "--events", str(size.events)], env))
        count, raw_seconds = raw_insert(store_file, folder / "raw.db")
        rows = [Row("generate: commands, 500 per transaction", count, phases[0].seconds,
                    "raw sqlite3 insert of the same rows, 500/tx", raw_seconds)]
        engine = run_phase("engine", me + ["engine", store, until], env)
        phases.append(engine)
        rows.append(Row("engine: escalation rules over the whole log", engine.output["events"],
                        engine.output["seconds"], "reading + decoding the same events",
                        engine.output["baseline_seconds"]))
        project = run_phase("rebuild", me + ["project", store, views], env)
        phases.append(project)
        from bench.core import raw_rebuild

        raw_views = folder / "raw-rebuild.db"
        baseline = raw_rebuild(store_file, raw_views, project.output["events"])
        rows.append(Row("rebuild: every read model from zero", project.output["events"],
                        project.output["seconds"], "raw sqlite3 read + json + executemany",
                        baseline))
        report(f"National scale: {args.preset} preset", rows)
        print(f"(escalations raised by the engine: {engine.output['raised']:,})")

    queries = query_latencies(store, views, views_file, until, args.repeat)
    print(f"\nquery latency at {size.children:,} children / {count:,} events "
          f"({args.repeat} runs, milliseconds)")
    print(f"{'query':58} {'p50':>7} {'p95':>7} {'raw p50':>8} {'× raw':>6} {'rows':>6}")
    for q in queries:
        print(f"{q['query']:58} {q['p50_ms']:>7.1f} {q['p95_ms']:>7.1f} "
              f"{q['baseline_p50_ms']:>8.2f} {q['p50_ms'] / q['baseline_p50_ms']:>6.1f} "
              f"{q['rows']:>6}")

    replays = replay_latencies(folder, args.replay_events, args.repeat)
    print(f"\npoint-in-time replay of a child with {args.replay_events} events (milliseconds)")
    print(f"{'store':28} {'replay p50':>11} {'p95':>7} {'aggregate at version p50':>25} "
          f"{'raw read p50':>13}")
    for r in replays:
        print(f"{r['case']:28} {r['replay_p50_ms']:>11.1f} {r['replay_p95_ms']:>7.1f} "
              f"{r['aggregate_p50_ms']:>25.1f} {r['baseline_p50_ms']:>13.1f}")

    print("\npeak memory (maximum resident set) per process")
    for phase in phases:
        print(f"{phase.name:28} {phase.peak_mib:>8.0f} MiB  ({phase.seconds:,.0f} s)")
    print(f"{'bench (queries, replay)':28} {own_peak_kib() / 1024:>8.0f} MiB")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"national-{args.preset}-queries-{stamp}.json").write_text(json.dumps({
        "preset": args.preset, "children": size.children, "events": count,
        "queries": queries, "replay": replays,
        "peak_mib": {ph.name: ph.peak_mib for ph in phases} | {"bench": own_peak_kib() / 1024},
    }, indent=2))
    if args.keep is None:
        for leftover in folder.glob("*"):
            leftover.unlink()
        folder.rmdir()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "engine":
        phase_engine(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "project":
        phase_project(sys.argv[2], sys.argv[3])
    else:
        main()
