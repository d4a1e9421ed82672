"""How long things take when some of them have not happened yet.

A concern nobody has acknowledged has no time to acknowledgement, but it has waited at
least its age so far: leaving it out makes the median look fast exactly when the most
items are left waiting. The median here counts those items as right-censored (the
Kaplan-Meier estimate); when the waiting items keep it from being known, it is a floor:
"over X h"."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Median:
    hours: float | None  # None: nothing to measure
    at_least: bool = False  # True: the median is over `hours` (too many still waiting)


def censored_median(done: Sequence[float], waiting: Sequence[float]) -> Median:
    """The median time of `done` (seconds each took) and `waiting` (seconds each has
    waited so far, still not done), in hours rounded to 2 places."""
    if not done and not waiting:
        return Median(None)
    if not waiting:
        return Median(_hours(statistics.median(done)))
    times = sorted([(t, True) for t in done] + [(t, False) for t in waiting])
    at_risk, survival, index = len(times), 1.0, 0
    while index < len(times):
        moment = times[index][0]
        tied = [happened for t, happened in times[index:] if t == moment]
        ended = sum(tied)
        if ended:
            survival *= 1 - ended / at_risk
            if abs(survival - 0.5) < 1e-12:  # exactly half: between this and the next
                later = [t for t, happened in times[index + len(tied):] if happened]
                return Median(_hours((moment + later[0]) / 2 if later else moment),
                              at_least=not later)
            if survival < 0.5:
                return Median(_hours(moment))
        at_risk -= len(tied)
        index += len(tied)
    # Half or more may still be waiting: what is sure is that half of all the items took,
    # or have waited, at least the median of what is known of each.
    floor = statistics.median_low([t for t, _ in times])
    return Median(_hours(floor), at_least=True)


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)
