"""Rebuild the read models from the log and compare them with what was there.

The comparison is row for row, on canonical JSON of every table in primary-key
order, at the same log position, so "identical" means identical bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from processes.follower import Progress
from processes.projection_runner import ProjectionRunner
from projections.chronology import dumps
from projections.tables import READ_MODEL_TABLES
from projections.views import ReadModelView


def snapshot(view: ReadModelView) -> dict[str, list[str]]:
    """Every read-model row as canonical JSON text, table by table."""
    return {table.name: [dumps(row) for row in view.rows(table.name)]
            for table in READ_MODEL_TABLES}


@dataclass
class RebuildReport:
    position: int
    events: int
    seconds: float
    differences: dict[str, list[str]] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return not self.differences

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "events": self.events,
                "seconds": round(self.seconds, 3), "events_per_second": round(self.rate),
                "identical": self.identical, "differences": self.differences}


def compare(before: dict[str, list[str]], after: dict[str, list[str]],
            limit: int = 5) -> dict[str, list[str]]:
    """Per table, a few lines saying what differs (empty when identical)."""
    differences: dict[str, list[str]] = {}
    for name in before:
        old, new = set(before[name]), set(after.get(name, []))
        lines = [f"only before: {row}" for row in sorted(old - new)[:limit]]
        lines += [f"only after: {row}" for row in sorted(new - old)[:limit]]
        if len(before[name]) != len(after.get(name, [])):
            lines.insert(0, f"{len(before[name])} rows before, {len(after.get(name, []))} after")
        if lines:
            differences[name] = lines
    return differences


# Replaying from zero, larger transactions pay: the caseload counters of a child touched
# many times in a batch become one UPDATE (1,000 → 10,000 events per batch measured
# 7.1k → 11.2k events/s on 150k generated events).
REBUILD_BATCH = 10_000


def rebuild(runner: ProjectionRunner, progress: Progress | None = None) -> RebuildReport:
    """Catch up, remember the tables, drop them, replay the log to the same position, compare."""
    runner.process_available()
    position = runner.position
    before = snapshot(runner.view)
    runner.view.drop_tables()
    runner.view.create_table()
    started = perf_counter()
    events = runner.process_available(stop=position, progress=progress,
                                      batch_size=max(runner.batch_size, REBUILD_BATCH))
    seconds = perf_counter() - started
    after = snapshot(runner.view)
    return RebuildReport(position=position, events=events, seconds=seconds,
                         differences=compare(before, after))


def report_json(report: RebuildReport) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
