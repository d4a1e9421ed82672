"""The caseload overview: per school, or per region for the whole country, read from the
counters the projection keeps (projections/counters.py), so a region's or the country's
caseload reads a few rows per school or region, not every entry."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from domain.access import ALL_SCHOOLS, Actor
from projections.counters import day_of
from projections.queries.common import Reader, within
from projections.queries.concerns import UNRESOLVED, overdue, overdue_counts
from projections.queries.concerns import c as k
from projections.tables import (
    children,
    concern_counts,
    concerns,
    follow_ups,
    plans,
    region_days,
    school_counts,
    school_days,
    schools,
)

LEVEL_RANK = {"high": 0, "medium": 1, "low": 2}


def caseload(reader: Reader, actor: Actor, now: datetime, weeks: int,
             region: str | None = None) -> dict[str, Any]:
    """Children, unresolved concerns by level, overdue acknowledgements, and incidents,
    positive ties and sessions in the last 30 days (today and the 29 days before, UTC);
    incidents per week and region over the last `weeks` weeks for the trend chart.

    Per region for a national role (`regions`: each region's registered schools and
    figures), per school otherwise or within one `region` ("" for schools not registered).
    Read from the counters (projections/counters.py), never from the entries."""
    today = date.fromisoformat(day_of(now))
    recent = (today - timedelta(days=30)).isoformat()  # days after it: the last 30
    first = (today - timedelta(weeks=weeks)).isoformat()
    if ALL_SCHOOLS in actor.oversight_schools and region is None:
        return _by_region(reader, actor, now, recent, first)
    return _by_school(reader, actor, now, recent, first, region)


def _figures(**keys: Any) -> dict[str, Any]:
    return {**keys, "children": 0, "open_high": 0, "open_medium": 0, "open_low": 0,
            "overdue": 0, "incidents_30d": 0, "positive_30d": 0, "sessions_30d": 0}


def _trend(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Incidents per (day, region) rows as incidents per week (from Monday) and region."""
    trend: dict[tuple[str, str], int] = {}
    for row in rows:
        on = date.fromisoformat(row["day"])
        key = ((on - timedelta(days=on.weekday())).isoformat(), row["region"])
        trend[key] = trend.get(key, 0) + int(row["n"])
    return [{"week": w, "region": r, "incidents": n} for (w, r), n in sorted(trend.items())]


def _by_school(reader: Reader, actor: Actor, now: datetime, recent: str, first: str,
               region: str | None) -> dict[str, Any]:
    s, sc, cc, d = schools.c, school_counts.c, concern_counts.c, school_days.c

    def scope(column: Any) -> Any:
        """The actor's schools; within one region when asked for (its registered schools,
        or for "" the schools not registered)."""
        if region is None:
            return within(column, actor)
        if region == "":
            return and_(within(column, actor), column.not_in(select(s.school_id)))
        return and_(within(column, actor),
                    column.in_(select(s.school_id).where(s.region == region)))

    known = dict(reader._select(select(s.school_id, s.region).where(scope(s.school_id)),
                                tuples=True))
    per_school: dict[str, dict[str, Any]] = {}

    def school(sid: str) -> dict[str, Any]:
        found = per_school.get(sid)
        return found if found is not None else per_school.setdefault(
            sid, _figures(school_id=sid, region=known.get(sid, "")))

    for sid, n in reader._select(select(sc.school_id, sc.children)
                                 .where(sc.children > 0, scope(sc.school_id)), tuples=True):
        school(sid)["children"] += n
    for sid, level, n in reader._select(select(cc.school_id, cc.level, cc.n)
                                        .where(scope(cc.school_id)), tuples=True):
        school(sid)[f"open_{level}"] += n
    for sid, n in overdue_counts(reader, actor, now, "school_id",
                                 scope(concerns.c.school_id)).items():
        school(sid)["overdue"] += n
    sums = [func.sum(d[what]).label(what) for what in ("incidents", "positive", "sessions")]
    for sid, *values in reader._select(select(d.school_id, *sums)
                                       .where(d.day > recent, scope(d.school_id))
                                       .group_by(d.school_id), tuples=True):
        entry = school(sid)
        for what, n in zip(("incidents", "positive", "sessions"), values):
            entry[f"{what}_30d"] += int(n)
    # Schools with entries in the trend's weeks but none in the last 30 days (few).
    quiet = sorted(sid for (sid,) in reader._select(
        select(sc.school_id).where(sc.entries > 0, scope(sc.school_id)), tuples=True)
        if sid not in per_school)
    for at in range(0, len(quiet), 500):
        later = select(d.school_id).where(d.school_id == sc.school_id, d.day > first)
        for (sid,) in reader._select(select(sc.school_id).where(
                sc.school_id.in_(quiet[at:at + 500]), later.exists()), tuples=True):
            school(sid)
    # The trend by region and day. (Kept by region too, projections/region_days.py; but a
    # set of schools may be part of a region.)
    area = func.coalesce(s.region, "")
    trend = reader._select(select(area.label("region"), d.day, func.sum(d.incidents).label("n"))
                           .select_from(school_days.outerjoin(schools,
                                                              s.school_id == d.school_id))
                           .where(d.day > first, d.incidents > 0, scope(d.school_id))
                           .group_by(area, d.day))
    return {"schools": sorted(per_school.values(), key=lambda r: (r["region"], r["school_id"])),
            "weekly_incidents": _trend(trend)}


def _by_region(reader: Reader, actor: Actor, now: datetime, recent: str,
               first: str) -> dict[str, Any]:
    """The whole country, a row per region: from the per-region day counters and the
    per-school counters summed by region in the database."""
    s, sc, cc, r = schools.c, school_counts.c, concern_counts.c, region_days.c
    per_region: dict[str, dict[str, Any]] = {}

    def of(name: str) -> dict[str, Any]:
        found = per_region.get(name)
        return found if found is not None else per_region.setdefault(
            name, _figures(region=name, schools=0))

    for name, n in reader._select(select(s.region, func.count()).group_by(s.region),
                                  tuples=True):
        of(name)["schools"] += n
    area = func.coalesce(s.region, "")
    for name, n in reader._select(select(area, func.sum(sc.children))
                                  .select_from(school_counts.outerjoin(
                                      schools, s.school_id == sc.school_id))
                                  .where(sc.children > 0).group_by(area), tuples=True):
        of(name)["children"] += int(n)
    for name, level, n in reader._select(select(area, cc.level, func.sum(cc.n))
                                         .select_from(concern_counts.outerjoin(
                                             schools, s.school_id == cc.school_id))
                                         .group_by(area, cc.level), tuples=True):
        of(name)[f"open_{level}"] += int(n)
    for name, n in overdue_counts(reader, actor, now, "region").items():
        of(name)["overdue"] += n
    sums = [func.sum(r[what]) for what in ("incidents", "positive", "sessions")]
    for name, *values in reader._select(select(r.region, *sums).where(r.day > recent)
                                        .group_by(r.region), tuples=True):
        for what, n in zip(("incidents", "positive", "sessions"), values):
            of(name)[f"{what}_30d"] += int(n)
    window = reader._select(select(r.region, r.day, r.incidents.label("n"))
                            .where(r.day > first))
    for name in {row["region"] for row in window}:  # entries in the weeks shown
        of(name)
    return {"regions": sorted(per_region.values(), key=lambda row: row["region"]),
            "schools": [], "weekly_incidents": _trend([w for w in window if w["n"]])}


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
