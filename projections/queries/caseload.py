"""The caseload overview: per school and region, counted by the database within the
actor's schools, so a region's or the country's caseload reads a few hundred grouped
rows, not every entry."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from domain.access import Actor
from projections.queries.common import Reader, within
from projections.queries.concerns import UNRESOLVED, overdue
from projections.queries.concerns import c as k
from projections.tables import children, chronology, follow_ups, plans, schools

COUNTED_KINDS = ("ConflictRecorded", "PeerIncidentRecorded", "CounsellingSessionRecorded")
LEVEL_RANK = {"high": 0, "medium": 1, "low": 2}


def caseload(reader: Reader, actor: Actor, now: datetime, weeks: int) -> dict[str, Any]:
    """Per school: children, unresolved concerns by level, overdue acknowledgements,
    incidents, positive ties and sessions in the last 30 days; incidents per week and
    region for the trend chart."""
    known = {r["school_id"]: r for r in reader._select(select(schools))}
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
    recent = case((h.occurred_at >= now - timedelta(days=30), 1), else_=0)
    day = func.date(h.occurred_at)
    trend: dict[tuple[str, str], int] = {}
    for row in reader._select(select(h.school_id, h.kind, positive.label("positive"),
                                     recent.label("recent"), day.label("day"),
                                     func.count().label("n"))
                              .where(h.occurred_at >= now - timedelta(weeks=weeks),
                                     h.status != "retracted", h.kind.in_(COUNTED_KINDS),
                                     within(h.school_id, actor))
                              .group_by(h.school_id, h.kind, positive, recent, day)):
        entry = school(row["school_id"])
        n, recent_n = row["n"], row["n"] if row["recent"] else 0
        if row["kind"] == "CounsellingSessionRecorded":
            entry["sessions_30d"] += recent_n
            continue
        if row["positive"]:
            entry["positive_30d"] += recent_n
            continue
        entry["incidents_30d"] += recent_n
        on = date.fromisoformat(str(row["day"])[:10])
        week = (on - timedelta(days=on.weekday())).isoformat()
        trend[(week, entry["region"])] = trend.get((week, entry["region"]), 0) + n
    return {"schools": sorted(per_school.values(), key=lambda r: (r["region"], r["school_id"])),
            "weekly_incidents": [{"week": w, "region": r, "incidents": n}
                                 for (w, r), n in sorted(trend.items())]}


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
