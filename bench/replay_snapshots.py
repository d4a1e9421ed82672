"""Replay of a 1,000-event child, with and without snapshots, on an encrypted store.

Each case records one child (an enrolment and 999 conflicts, free text in each) in a
fresh SQLite store (or a PostgreSQL database, --postgres URL) under a master key, then a
fresh application with no aggregate cache loads the child `--repeat` times: without
snapshots every event is read and decrypted; with them (the application's default, one
every 100 events, sealed under the child's key) the latest snapshot and the events
after it. Prints both medians and their ratio; numbers are measured, not asserted.

    python -m bench.replay_snapshots [--events 1000] [--repeat 30] [--postgres URL]
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from domain import clock
from domain.access import Actor, Role
from domain.application import SYSTEM, SchoolIntegration
from domain.commands import ConflictReport, Enrolment
from domain.vocabulary import ConflictKind
from infrastructure.settings import Settings


class WithoutSnapshots(SchoolIntegration):
    name = "SchoolIntegration"  # the same tables
    snapshotting_intervals = {}


def record(app: SchoolIntegration, manual: clock.ManualClock, events: int) -> None:
    psych = Actor("psych", Role.PSYCHOLOGIST, frozenset({"S1"}))
    app.register_school(SYSTEM, "S1", "School", "Region")
    app.enrol_child(psych, Enrolment("LONG-1", "S1", 5, manual.now().year - 11, manual.now(),
                                     support_needs="Catch-up lessons in reading."))
    with app.batch():
        for n in range(events - 1):
            manual.advance(timedelta(hours=12))
            app.record_conflict(psych, "LONG-1", ConflictReport(
                manual.now(), ConflictKind.VERBAL, 1 + n % 3,
                f"Entry {n}: an argument at break, talked it through with both pupils."))


def replay(url: str, cls: type[SchoolIntegration], events: int, repeat: int,
           extra: dict[str, str]) -> dict[str, Any]:
    master = base64.b64encode(os.urandom(32)).decode()
    env = {**Settings(database_url=url, cipher_key=master).app_env(), **extra}
    manual = clock.ManualClock(clock.SYSTEM_CLOCK.now() - timedelta(days=events))
    writer = cls(env=env, clock_=manual)
    started = time.perf_counter()
    record(writer, manual, events)
    recorded = time.perf_counter() - started
    writer.close()
    # A fresh process's view: nothing cached, every load from the store.
    reader = cls(env=env, clock_=manual)
    reader.repository.cache = None  # (AGGREGATE_CACHE_MAXSIZE=0 means an unbounded cache)
    child = reader.child("LONG-1")
    assert child.version == events, child.version
    snapshots = len(list(reader.snapshots.get(child.id))) if reader.snapshots else 0
    times = timings(lambda: reader.repository.get(child.id), repeat)
    reader.close()
    return {"p50_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000,
            "record_s": recorded, "snapshots": snapshots}


def timings(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm: imports, statements, the keyring's cache
    measured = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        measured.append(time.perf_counter() - started)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", default="", help="two empty databases: URL1,URL2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        urls = args.postgres.split(",") if args.postgres else \
            [f"sqlite:///{Path(folder) / f'replay-{n}.db'}" for n in (0, 1)]
        without = replay(urls[0], WithoutSnapshots, args.events, args.repeat,
                         {"IS_SNAPSHOTTING_ENABLED": "n"})
        with_ = replay(urls[1], SchoolIntegration, args.events, args.repeat, {})
    print(f"replay of a {args.events}-event child (encrypted, {args.repeat} loads, "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}):")
    for label, row in (("without snapshots", without), ("with snapshots", with_)):
        print(f"  {label:18} p50 {row['p50_ms']:8.2f} ms  min {row['min_ms']:8.2f} ms  "
              f"({row['snapshots']} snapshots stored; recording took {row['record_s']:.1f} s)")
    print(f"  ratio (without / with): {without['p50_ms'] / with_['p50_ms']:.1f}x faster "
          "with snapshots")


if __name__ == "__main__":
    main()
