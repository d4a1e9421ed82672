"""The escalation engine's peak memory as the log grows.

    python -m bench.engine_memory [--events 50000 150000 300000] [--per-child 100]

For each size: `kopir generate` records a synthetic national history (about `per-child`
entries per child over two school years, one school per 20 children) into SQLite in a
temporary folder; then the engine (`EngineRunner`) catches up over the whole log in a
process of its own, so the peak resident memory measured (`os.wait4`) is the engine's.
A process that only opens the same application gives the fixed part; bytes per event are
(peak - fixed) / events, and the growth between two sizes (the slope) is what a larger log
adds per event, from which 10M events are extrapolated.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Row, report

ROOT = Path(__file__).resolve().parents[1]
TARGET_EVENTS = 10_000_000
MIB = 1024 * 1024


def run(argv: list[str], env: dict[str, str]) -> tuple[dict[str, Any], float, float]:
    """Run a process to its end: its last JSON line, its peak resident MiB, its seconds."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read() if process.stdout is not None else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {argv[3:]} failed: {out[-2000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), usage.ru_maxrss / 1024, seconds


# --- run in a process of its own ------------------------------------------------------
def phase_engine(store: str, until: str, decide: bool) -> None:
    """The engine over the whole log (or, without `decide`, only the application opened)."""
    from domain import clock
    from domain.application import SchoolIntegration
    from infrastructure.settings import Settings
    from processes.engine_runner import EngineRunner

    app = SchoolIntegration(env=Settings(database_url=store).app_env(),
                            clock_=clock.ManualClock(datetime.fromisoformat(until)))
    runner = EngineRunner(app, name="bench-engine-memory", batch_size=5000)
    if not decide:
        print(json.dumps({"events": 0}))
        return
    started = time.perf_counter()
    events = runner.process_available()
    seconds = time.perf_counter() - started
    engine = runner.engine
    kept = getattr(engine, "kept", None)
    print(json.dumps({"events": events, "seconds": seconds, "raised": len(runner.raised_log),
                      "kept": kept() if callable(kept) else {
                          "children": len(engine.children),
                          "facts": sum(len(c.facts) for c in engine.children.values())}}))


# --- the driver -------------------------------------------------------------------------
def measure(events: int, per_child: int, env: dict[str, str]) -> dict[str, Any]:
    from kopir.seed.national import START

    children = max(10, events // per_child)
    schools = max(1, children // 20)
    folder = Path(tempfile.mkdtemp(prefix="kopir-engine-memory-"))
    store = f"sqlite:///{folder / 'kopir.db'}"
    env = {**env, "KOPIR_DATABASE_URL": store, "KOPIR_VIEWS_URL": f"sqlite:///{folder / 'v.db'}"}
    try:
        print(f"{events:,} events: generating ({children:,} children, {schools:,} schools)",
              flush=True)
        run([sys.executable, "-m", "kopir.cli", "generate", "--children", str(children),
             "--schools", str(schools), "--events", str(events)], env)
        until = (START + timedelta(days=601)).isoformat()
        me = [sys.executable, "-m", "bench.engine_memory", "phase"]
        _, fixed_mib, _ = run(me + [store, until, "open"], env)
        out, peak_mib, _ = run(me + [store, until, "decide"], env)
    finally:
        for leftover in folder.glob("*"):
            leftover.unlink()
        folder.rmdir()
    decided = out["events"]
    result = {"events": decided, "children": children, "peak_mib": peak_mib,
              "fixed_mib": fixed_mib, "seconds": out["seconds"], "raised": out["raised"],
              "kept": out["kept"],
              "bytes_per_event": (peak_mib - fixed_mib) * MIB / decided}
    print(f"  engine: peak {peak_mib:,.0f} MiB (application alone {fixed_mib:,.0f} MiB), "
          f"{result['bytes_per_event']:,.0f} bytes/event, {decided / out['seconds']:,.0f} "
          f"events/s, kept {out['kept']}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[50_000, 150_000, 300_000])
    parser.add_argument("--per-child", type=int, default=100,
                        help="entries per child (the national preset has 100)")
    parser.add_argument("--label", default="", help="a note stored with the results")
    args = parser.parse_args()
    env = {**os.environ}
    env.pop("KOPIR_CIPHER_KEY", None)
    env.pop("KOPIR_CIPHER_KEY_FILE", None)
    results = [measure(n, args.per_child, env) for n in sorted(args.events)]
    first, last = results[0], results[-1]
    slope = 0.0
    if len(results) > 1 and last["events"] > first["events"]:
        slope = (last["peak_mib"] - first["peak_mib"]) * MIB / (last["events"] - first["events"])
    else:
        slope = last["bytes_per_event"]
    extrapolated = last["peak_mib"] + slope * (TARGET_EVENTS - last["events"]) / MIB
    print(f"\ngrowth between {first['events']:,} and {last['events']:,} events: "
          f"{slope:,.0f} bytes/event; at {TARGET_EVENTS:,} events: about "
          f"{extrapolated:,.0f} MiB (the target is 1,024 MiB)")
    # The rows' "rate" is events per MiB of peak memory; the baseline is the 1 GB budget
    # spread over 10M events.
    rows = [Row(f"engine peak memory at {r['events']:,} events ({r['peak_mib']:,.0f} MiB)",
                r["events"], r["peak_mib"], "1 GiB for 10M events",
                r["events"] * 1024 / TARGET_EVENTS) for r in results]
    path = report("Engine memory: peak resident MiB per size (rate = events per MiB)", rows)
    data = json.loads(path.read_text())
    data.update({"label": args.label, "per_child": args.per_child, "sizes": results,
                 "slope_bytes_per_event": slope, "extrapolated_mib_at_10m": extrapolated})
    path.write_text(json.dumps(data, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "phase":
        phase_engine(sys.argv[2], sys.argv[3], sys.argv[4] == "decide")
    else:
        main()
