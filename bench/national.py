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
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import RESULTS, Row, report
from bench.national_queries import query_latencies, replay_latencies

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Phase:
    name: str
    seconds: float
    peak_mib: float
    output: dict[str, Any]


def run_phase(name: str, argv: list[str], env: dict[str, str]) -> Phase:
    """Run a process to its end; its wall time and its own peak resident memory.

    The peak is the kernel's high-water mark of the process's own memory (`VmHWM`), read
    while it runs. (`ru_maxrss` would not do: Linux carries a parent's high-water mark
    into a child across fork and exec, so a child of a large parent reports the parent's.)"""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    peak_kib = [0]

    def watch() -> None:
        while process.poll() is None:
            peak_kib[0] = max(peak_kib[0], high_water_kib(process.pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out = process.stdout.read() if process.stdout is not None else ""  # stderr (progress bars) goes to the terminal
    process.wait()
    watcher.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"bench: {name} failed ({process.returncode}): {out[-2000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return Phase(name, seconds, peak_kib[0] / 1024, json.loads(lines[-1]) if lines else {})


def high_water_kib(pid: int) -> int:
    """The process's peak resident memory so far (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines()
                 if line.startswith("VmHWM:")), 0)


def own_peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --- phases run in their own processes ---------------------------------------------
def phase_engine(store: str, until: str) -> None:
    from domain import clock
    from domain.application import SchoolIntegration
    from infrastructure.settings import Settings
    from processes.engine_runner import EngineRunner

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
    from infrastructure.settings import Settings
    from kopir.cli.progress import ProgressBar
    from processes.projection_runner import ProjectionRunner
    from processes.rebuild import REBUILD_BATCH
    from projections.views import ReadModelView

    app = SchoolIntegration(env=Settings(database_url=store).app_env())
    runner = ProjectionRunner(app, ReadModelView.from_url(views), batch_size=REBUILD_BATCH)
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
    from kopir.seed.national import PRESETS, START, Preset

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
