"""The oversight queries as they were before the counters: every figure counted from the
rows themselves. The tests hold the counter-based queries to the same answers."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, select, true

from domain.access import ALL_SCHOOLS, Actor
from domain.vocabulary import URGENT_FIRST
from projections.concerns import UNRESOLVED
from projections.queries.common import Reader, within
from projections.queries.concerns import c, decoded, needs_look, overdue
from projections.tables import children, chronology, concerns, schools

COUNTED_KINDS = ("ConflictRecorded", "PeerIncidentRecorded", "CounsellingSessionRecorded")
k = c


def caseload(reader: Reader, actor: Actor, now: datetime, weeks: int,
             region: str | None = None) -> dict[str, Any]:
    """Per school (or per region for a national role): children, unresolved concerns by
    level, overdue acknowledgements, incidents, positive ties and sessions in the last 30
    days (today and the 29 before, UTC); incidents per week and region for the trend."""
    known = {r["school_id"]: r for r in reader._select(select(schools))}
    today = (now.astimezone(timezone.utc) if now.tzinfo else now).date()
    recent, first = today - timedelta(days=30), today - timedelta(weeks=weeks)
    per_school: dict[str, dict[str, Any]] = {}

    def school(sid: str) -> dict[str, Any]:
        return per_school.setdefault(sid, {
            "school_id": sid, "region": known.get(sid, {}).get("region", ""),
            "children": 0, "open_high": 0, "open_medium": 0, "open_low": 0,
            "overdue": 0, "incidents_30d": 0, "positive_30d": 0, "sessions_30d": 0})

    c = children.c
    for row in reader._select(select(c.school_id, func.count().label("n"))
                              .where(c.status == "open", within(c.school_id, actor))
                              .group_by(c.school_id)):
        school(row["school_id"])["children"] += row["n"]
    late = func.sum(case((overdue(now), 1), else_=0))
    for row in reader._select(select(k.school_id, k.level, func.count().label("n"),
                                     late.label("overdue"))
                              .where(k.status.in_(UNRESOLVED), within(k.school_id, actor))
                              .group_by(k.school_id, k.level)):
        entry = school(row["school_id"])
        entry[f"open_{row['level']}"] += row["n"]
        entry["overdue"] += int(row["overdue"] or 0)
    h = chronology.c
    positive = h.fields.like('%"positive":true%')
    day = func.date(h.occurred_at)
    trend: dict[tuple[str, str], int] = {}
    for row in reader._select(select(h.school_id, h.kind, positive.label("positive"),
                                     day.label("day"), func.count().label("n"))
                              .where(h.status != "retracted", h.kind.in_(COUNTED_KINDS),
                                     within(h.school_id, actor))
                              .group_by(h.school_id, h.kind, positive, day)):
        on = date.fromisoformat(str(row["day"])[:10])
        if on <= first and on <= recent:
            continue
        entry = school(row["school_id"])
        n, recent_n = row["n"], row["n"] if on > recent else 0
        if row["kind"] == "CounsellingSessionRecorded":
            entry["sessions_30d"] += recent_n
            continue
        if row["positive"]:
            entry["positive_30d"] += recent_n
            continue
        entry["incidents_30d"] += recent_n
        if on > first:
            week = (on - timedelta(days=on.weekday())).isoformat()
            trend[(week, entry["region"])] = trend.get((week, entry["region"]), 0) + n
    weekly = [{"week": w, "region": r, "incidents": n} for (w, r), n in sorted(trend.items())]
    rows = sorted(per_school.values(), key=lambda r: (r["region"], r["school_id"]))
    if region is not None:
        rows = [r for r in rows if r["region"] == region]
        weekly = [w for w in weekly if w["region"] == region]
    if ALL_SCHOOLS not in actor.oversight_schools or region is not None:
        return {"schools": rows, "weekly_incidents": weekly}
    per_region: dict[str, dict[str, Any]] = {}
    for sid, r in known.items():
        per_region.setdefault(r["region"], {"region": r["region"], "schools": 0})["schools"] += 1
    for row in rows:
        summed = per_region.setdefault(row["region"], {"region": row["region"], "schools": 0})
        for key, n in row.items():
            if key not in ("school_id", "region"):
                summed[key] = summed.get(key, 0) + n
    for w in weekly:
        per_region.setdefault(w["region"], {"region": w["region"], "schools": 0})
    figures = ("children", "open_high", "open_medium", "open_low", "overdue", "incidents_30d",
               "positive_30d", "sessions_30d")
    return {"regions": [{**dict.fromkeys(figures, 0), **per_region[name]}
                        for name in sorted(per_region)],
            "schools": [], "weekly_incidents": weekly}


def concern_monitor(self: Reader, now: datetime, actor: Actor,
                    levels: tuple[str, ...] = URGENT_FIRST, school: str | None = None, order: str = "urgency", limit: int = 25,
                    offset: int = 0, after: datetime | None = None) -> dict[str, Any]:
    """The monitor: unresolved concerns counted per level (and overdue), the schools
    that have any, how many match the filters and one page of them; and those with a
    signal after `after` (for the "new" notices). Counted and cut by the database."""
    unresolved = and_(c.status.in_(UNRESOLVED), within(c.school_id, actor))
    late = overdue(now)
    counts = {row["level"]: (row["n"], int(row["late"] or 0)) for row in self._select(
        select(c.level, func.count().label("n"),
               func.sum(case((late, 1), else_=0)).label("late"))
        .where(unresolved).group_by(c.level))}
    schools = [r["school_id"] for r in self._select(
        select(c.school_id).where(unresolved).distinct().order_by(c.school_id))]
    matching = and_(unresolved, c.level.in_(levels),
                    c.school_id == school if school else true())
    total = self._select(select(func.count().label("n")).where(matching))[0]["n"]
    if order == "urgency":
        # Overdue HIGH (the most recently overdue first), then the least time left, then
        # the long overdue below HIGH (newest first), then what is taken on.
        bucket = case((and_(late, c.level == "high"), 0), (and_(needs_look(now), ~late), 1),
                      (needs_look(now), 2), else_=3)
        ordering = [bucket, case((bucket == 1, c.acknowledge_by), else_=None),
                    case((bucket != 1, c.acknowledge_by), else_=None).desc(),
                    c.last_signal_at.desc(), c.concern_key]
    else:
        ordering = [c.last_signal_at.desc(), c.concern_key]
    rows = self._select(select(concerns).where(matching).order_by(*ordering)
                        .limit(limit).offset(offset))
    arrived = [] if after is None else self._select(
        select(concerns).where(unresolved, c.last_signal_at > after)
        .order_by(c.last_signal_at).limit(10))
    latest = self._select(select(func.max(c.last_signal_at).label("at"))
                          .where(unresolved))[0]["at"]
    return {"open": {level: counts.get(level, (0, 0))[0] for level in URGENT_FIRST},
            "overdue": sum(n for _, n in counts.values()), "schools": schools,
            "total": total, "rows": [decoded(r) for r in rows],
            "arrived": [decoded(r) for r in arrived], "latest": latest, "now": now}

