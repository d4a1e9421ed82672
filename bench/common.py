"""Benchmark helpers: timing, a results table, JSON under bench/results/."""

from __future__ import annotations

import json
import platform
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    name: str
    count: int
    seconds: float
    baseline: str
    baseline_seconds: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def baseline_rate(self) -> float:
        return self.count / self.baseline_seconds

    @property
    def ratio(self) -> float:
        return self.rate / self.baseline_rate


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    yield box
    box.append(time.perf_counter() - started)


def report(title: str, rows: list[Row]) -> Path:
    print(f"\n{title}")
    print(f"{'measure':48} {'count':>7} {'per second':>11} {'baseline per second':>20} "
          f"{'ratio':>6}  baseline")
    for r in rows:
        print(f"{r.name:48} {r.count:>7} {r.rate:>11,.0f} {r.baseline_rate:>20,.0f} "
              f"{r.ratio:>6.1%}  {r.baseline}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{title.split(':')[0].lower().replace(' ', '-')}-{stamp}.json"
    path.write_text(json.dumps({
        "title": title, "machine": platform.platform(), "python": platform.python_version(),
        "rows": [{**asdict(r), "rate": r.rate, "baseline_rate": r.baseline_rate,
                  "ratio": r.ratio} for r in rows],
    }, indent=2))
    print(f"written to {path.relative_to(RESULTS.parent.parent)}")
    return path
