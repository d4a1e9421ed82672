"""How good the rules are, measured against labelled "needs attention" episodes (the demo
generator writes them beside its data; a school can label its own history).

- A signal (a rule's decision) is **right** when its child is in an episode then: from a
  day before the episode starts to `GRACE` after it ends. Precision = right / signals.
- An episode is **found in time** when a signal for its child, due inside it, is detected
  within `IN_TIME` school days of its start. Recall = found in time / episodes.
- **Time to detection**: from an episode's start to the first signal found for it.
- **Load**, two ways: as escalations (every signal is an item for a supervisor, as the
  monitor works today) and as concerns (one open concern per child groups its signals; a
  concern is taken as resolved after `QUIET` without a new signal, and a signal within
  `REOPEN` of that reopens it; items are concerns opened or reopened, and rises to HIGH).
  Per child per term (a term is a quarter of the school year's days outside the summer
  break) and per supervisor (one per region) per week of term time.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

from domain.rules.facts import Decision
from domain.rules.loader import Calendar

GRACE = timedelta(days=7)
BEFORE = timedelta(days=1)
IN_TIME = 2  # school days
QUIET = timedelta(days=14)
REOPEN = timedelta(days=7)
TERMS_PER_YEAR = 4
LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class Episode:
    child_code: str
    kind: str
    start: datetime
    end: datetime

    def covers(self, moment: datetime) -> bool:
        return self.start - BEFORE <= moment <= self.end + GRACE


@dataclass(frozen=True)
class Enrolled:
    """Where and when a child was at school, for the load per child and per supervisor."""

    child_code: str
    region: str
    start: datetime
    end: datetime


def evaluate(decisions: Sequence[Decision], episodes: Sequence[Episode],
             enrolled: Sequence[Enrolled], calendar: Calendar) -> dict[str, Any]:
    """The quality report: per rule and overall, and the load as escalations and as
    concerns (a supervisor per region)."""
    by_child: dict[str, list[Episode]] = defaultdict(list)
    for episode in episodes:
        by_child[episode.child_code].append(episode)
    rules = sorted({d.rule.id for d in decisions})
    report = {"rules": [_quality(rule, [d for d in decisions if d.rule.id == rule],
                                 episodes, by_child, calendar) for rule in rules],
              "overall": _quality("all", list(decisions), episodes, by_child, calendar)}
    term_days = _term_days(enrolled, calendar)
    child_terms = sum(term_days.values()) / _days_per_term(calendar)
    weeks = _weeks(enrolled, calendar)
    region_of = {e.child_code: e.region for e in enrolled}
    regions = sorted(set(region_of.values()))
    concerns = concerns_of(decisions)
    report["load"] = {
        "children": len(enrolled), "child_terms": round(child_terms, 1),
        "weeks": round(weeks, 1), "episodes": len(episodes),
        "escalations": _load([(d.child_code, d.detected_at) for d in decisions],
                             child_terms, weeks, region_of, regions),
        "concerns": {**_load([(c, at) for c, at, _ in concerns["items"]], child_terms, weeks,
                             region_of, regions),
                     "opened": concerns["opened"],
                     "new_per_child_per_term": round(concerns["opened"] / child_terms, 2)
                     if child_terms else None,
                     "signals_per_concern": round(len(decisions) / concerns["opened"], 2)
                     if concerns["opened"] else None},
    }
    return report


def _quality(rule: str, decisions: list[Decision], episodes: Sequence[Episode],
             by_child: Mapping[str, list[Episode]], calendar: Calendar) -> dict[str, Any]:
    right = sum(1 for d in decisions if any(e.covers(d.due_at) for e in by_child[d.child_code]))
    delays, in_time = [], 0
    for episode in episodes:
        found = [d.detected_at for d in decisions if d.child_code == episode.child_code
                 and episode.start - BEFORE <= d.due_at <= episode.end + GRACE]
        if not found:
            continue
        first = max(min(found), episode.start)
        delays.append((first - episode.start).total_seconds() / 3600)
        if first <= calendar.add_school_days(episode.start, IN_TIME):
            in_time += 1
    return {"rule_id": rule, "signals": len(decisions), "right": right,
            "precision": round(right / len(decisions), 3) if decisions else None,
            "episodes_found": len(delays), "episodes_in_time": in_time,
            "recall": round(in_time / len(episodes), 3) if episodes else None,
            "median_hours_to_detection": round(statistics.median(delays), 1) if delays else None}


def concerns_of(decisions: Sequence[Decision]) -> dict[str, Any]:
    """One open concern per child: what a supervisor would handle."""
    items: list[tuple[str, datetime, str]] = []
    opened = 0
    state: dict[str, tuple[datetime, str]] = {}  # child -> (last signal, level)
    resolved: dict[str, datetime] = {}
    for d in sorted(decisions, key=lambda d: (d.detected_at, d.child_code)):
        last = state.get(d.child_code)
        if last is not None and d.detected_at - last[0] > QUIET:
            resolved[d.child_code] = last[0] + QUIET
            del state[d.child_code]
            last = None
        if last is None:
            closed = resolved.get(d.child_code)
            if closed is None or d.detected_at - closed > REOPEN:
                opened += 1
            items.append((d.child_code, d.detected_at, "opened"))
            state[d.child_code] = (d.detected_at, d.level)
        else:
            higher = LEVELS.index(d.level) > LEVELS.index(last[1])
            if higher and d.level == "high":
                items.append((d.child_code, d.detected_at, "raised"))
            state[d.child_code] = (d.detected_at, d.level if higher else last[1])
    return {"opened": opened, "items": items}


def _load(items: Iterable[tuple[str, datetime]], child_terms: float, weeks: float,
          region_of: Mapping[str, str], regions: Sequence[str]) -> dict[str, Any]:
    per_region: dict[str, int] = defaultdict(int)
    count = 0
    for child, _ in items:
        per_region[region_of.get(child, "?")] += 1
        count += 1
    weekly = [per_region.get(r, 0) / weeks for r in regions] if weeks else []
    return {"items": count,
            "per_child_per_term": round(count / child_terms, 2) if child_terms else None,
            "items_per_supervisor_per_week": round(statistics.mean(weekly), 2) if weekly else None,
            "busiest_supervisor_per_week": round(max(weekly), 2) if weekly else None}


def _term_time(day: date, calendar: Calendar) -> bool:
    if calendar.summer_break is None:
        return True
    start, end = calendar.summer_break
    return not start <= (day.month, day.day) <= end


def _days(start: datetime, end: datetime, calendar: Calendar) -> int:
    days, day = 0, start.date()
    while day < end.date():
        days += _term_time(day, calendar)
        day += timedelta(days=1)
    return days


def _term_days(enrolled: Sequence[Enrolled], calendar: Calendar) -> dict[str, int]:
    return {e.child_code: _days(e.start, e.end, calendar) for e in enrolled}


def _days_per_term(calendar: Calendar) -> float:
    year = _days(datetime(2025, 9, 1), datetime(2026, 9, 1), calendar)
    return year / TERMS_PER_YEAR


def _weeks(enrolled: Sequence[Enrolled], calendar: Calendar) -> float:
    if not enrolled:
        return 0.0
    start = min(e.start for e in enrolled)
    end = max(e.end for e in enrolled)
    return _days(start, end, calendar) / 7
