"""The caseload overview: per school and region, read from the per-school counters the
projection keeps (projections/counters.py), so a region's or the country's caseload
reads a few rows per school, not every entry."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import case, func, select

from domain.access import Actor
from projections.counters import COUNTED_KINDS, day_of
from projections.queries.common import Reader, within
from projections.queries.concerns import UNRESOLVED, overdue, overdue_counts
from projections.queries.concerns import c as k
from projections.tables import (
    children,
    chronology,
    concern_counts,
    follow_ups,
    plans,
    school_counts,
    school_days,
    schools,
)

LEVEL_RANK = {"high": 0, "medium": 1, "low": 2}


def caseload(reader: Reader, actor: Actor, now: datetime, weeks: int) -> dict[str, Any]:
    """Per school: children, unresolved concerns by level, overdue acknowledgements,
    incidents, positive ties and sessions in the last 30 days; incidents per week and
    region for the trend chart. Read from the per-school counters (projections/counters.py):
    whole days from the day counters, the first day of each window from its rows."""
    known = {r["school_id"]: r["region"] for r in reader._select(
        select(schools.c.school_id, schools.c.region))}
    per_school: dict[str, dict[str, Any]] = {}

    def school(sid: str) -> dict[str, Any]:
        found = per_school.get(sid)
        return found if found is not None else per_school.setdefault(sid, {
            "school_id": sid, "region": known.get(sid, ""),
            "children": 0, "open_high": 0, "open_medium": 0, "open_low": 0,
            "overdue": 0, "incidents_30d": 0, "positive_30d": 0, "sessions_30d": 0})

    sc, cc = school_counts.c, concern_counts.c
    for row in reader._select(select(sc.school_id, sc.children)
                              .where(sc.children > 0, within(sc.school_id, actor))):
        school(row["school_id"])["children"] += row["children"]
    for row in reader._select(select(cc.school_id, cc.level, cc.n)
                              .where(within(cc.school_id, actor))):
        school(row["school_id"])[f"open_{row['level']}"] += row["n"]
    for sid, n in overdue_counts(reader, actor, now, "school_id").items():
        school(sid)["overdue"] += n
    trend_from = now - timedelta(weeks=weeks)
    recent_from = max(now - timedelta(days=30), trend_from)
    trend: dict[tuple[str, str], int] = {}

    weeks_of: dict[str, str] = {}

    def incidents(day: str, region: str, n: int) -> None:
        week = weeks_of.get(day)
        if week is None:
            on = date.fromisoformat(day)
            week = weeks_of[day] = (on - timedelta(days=on.weekday())).isoformat()
        trend[(week, region)] = trend.get((week, region), 0) + n

    first, recent_day = day_of(trend_from), day_of(recent_from)
    d, s = school_days.c, schools.c
    # Whole days, summed by the database: the last 30 days per school.
    for row in reader._select(select(d.school_id, func.sum(d.incidents).label("incidents"),
                                     func.sum(d.positive).label("positive"),
                                     func.sum(d.sessions).label("sessions"))
                              .where(d.day > recent_day, within(d.school_id, actor))
                              .group_by(d.school_id)):
        entry = school(row["school_id"])
        for what in ("incidents", "positive", "sessions"):
            entry[f"{what}_30d"] += int(row[what])
    # The trend by region and day. (Not kept by region: a school's region is another
    # stream than its children's, and a consumer of one partition cannot wait for it.)
    region = func.coalesce(s.region, "")
    by_day = (select(region.label("region"), d.day, func.sum(d.incidents).label("n"))
              .select_from(school_days.outerjoin(schools, s.school_id == d.school_id))
              .where(d.day > first, d.incidents > 0, within(d.school_id, actor))
              .group_by(region, d.day))
    for row in reader._select(by_day):
        incidents(row["day"], row["region"], int(row["n"]))
    # Schools with entries in the window but none in the last 30 days (few): by index.
    quiet = sorted(r["school_id"] for r in reader._select(
        select(sc.school_id).where(sc.entries > 0, within(sc.school_id, actor)))
        if r["school_id"] not in per_school)
    for first_of in range(0, len(quiet), 500):
        later = select(d.school_id).where(d.school_id == sc.school_id, d.day > first)
        for row in reader._select(select(sc.school_id).where(
                sc.school_id.in_(quiet[first_of:first_of + 500]), later.exists())):
            school(row["school_id"])
    # The first day of each window in part, from its rows.
    for row in _rows_between(reader, actor, trend_from, recent_from, first):
        entry = school(row["school_id"])
        _count_rows(entry, row, lambda n, region=entry["region"]: incidents(first, region, n))
    if recent_day != first:
        for row in _rows_between(reader, actor, recent_from, recent_from, recent_day):
            _count_rows(school(row["school_id"]), row, None)
    return {"schools": sorted(per_school.values(), key=lambda r: (r["region"], r["school_id"])),
            "weekly_incidents": [{"week": w, "region": r, "incidents": n}
                                 for (w, r), n in sorted(trend.items())]}


def _rows_between(reader: Reader, actor: Actor, start: datetime, recent_from: datetime,
                  day: str) -> list[dict[str, Any]]:
    """Counted entries from `start` to the end of its day, grouped as the caseload counts
    them (`recent`: at or after `recent_from`)."""
    h, d = chronology.c, school_days.c
    end = datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(0), timezone.utc)
    positive = h.fields.like('%"positive":true%')
    recent = case((h.occurred_at >= recent_from, 1), else_=0)
    that_day = select(d.school_id).where(d.day == day)  # the schools with any, by index
    return reader._select(select(h.school_id, h.kind, positive.label("positive"),
                                 recent.label("recent"), func.count().label("n"))
                          .where(h.school_id.in_(that_day), h.occurred_at >= start,
                                 h.occurred_at < end, h.status != "retracted",
                                 h.kind.in_(COUNTED_KINDS), within(h.school_id, actor))
                          .group_by(h.school_id, h.kind, positive, recent))


def _count_rows(entry: dict[str, Any], row: dict[str, Any],
                trend: Callable[[str], None] | None) -> None:
    """A group of rows of the first day: in the last 30 days if recent; in the trend."""
    recent_n = row["n"] if row["recent"] else 0
    if row["kind"] == "CounsellingSessionRecorded":
        entry["sessions_30d"] += recent_n
    elif row["positive"]:
        entry["positive_30d"] += recent_n
    else:
        entry["incidents_30d"] += recent_n
        if trend is not None:
            trend(row["n"])


def by_child(reader: Reader, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """One row per open child the actor oversees, most at risk first: the level of the
    unresolved concern (and whether its acknowledgement is overdue), follow-ups past their
    day, the support plan's status (and a review past its day), the last session (never
    seen first); then the code. Each row names what to open: the concern's id."""
    c, p, f = children.c, plans.c, follow_ups.c
    rows = {r["child_id"]: {**r, "level": "", "concern_id": "", "ack_overdue": False,
                            "plan_status": "", "plan_review_overdue": False,
                            "overdue_follow_ups": 0}
            for r in reader._select(select(c.child_id, c.code, c.school_id, c.grade,
                                           c.last_session_at)
                                    .where(c.status == "open", within(c.school_id, actor)))}
    late = overdue(now)
    for row in reader._select(select(k.child_id, k.concern_id, k.level, late.label("late"))
                              .where(k.status.in_(UNRESOLVED), within(k.school_id, actor))):
        kid = rows.get(row["child_id"])
        if kid is not None and LEVEL_RANK[row["level"]] < LEVEL_RANK.get(kid["level"], 3):
            kid.update(level=row["level"], concern_id=row["concern_id"],
                       ack_overdue=bool(row["late"]))
    today = now.date().isoformat()
    for row in reader._select(select(p.child_id, p.status, p.review_on)
                              .where(within(p.school_id, actor))):
        kid = rows.get(row["child_id"])
        if kid is not None:
            kid["plan_status"] = row["status"]
            kid["plan_review_overdue"] = row["status"] != "closed" and row["review_on"] < today
    for row in reader._select(select(f.child_id, func.count().label("n"))
                              .where(f.done.is_(False), f.due_on < today,
                                     within(f.school_id, actor)).group_by(f.child_id)):
        if row["child_id"] in rows:
            rows[row["child_id"]]["overdue_follow_ups"] = row["n"]
    never = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(rows.values(), key=lambda r: (
        LEVEL_RANK.get(r["level"], 3), not r["ack_overdue"], -r["overdue_follow_ups"],
        not r["plan_review_overdue"], r["last_session_at"] or never, r["code"]))
