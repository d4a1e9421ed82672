"""Entries per region and day: the per-school day counters (rm_school_days) summed by the
school's region, empty for a school not registered. The country's caseload reads a few
rows per region and day instead of a row per school and day.

A school's region comes with the school's own registration, another stream than its
children's; a consumer of a child's partition may apply the child's entries before or
after the school's registration. Both writers therefore hold the school's lock until
their transaction ends (an advisory lock on PostgreSQL; a SQLite file has one writer at
a time): entries look their school's region up under it, and a registration moves what
was counted under no region to the school's region under it. In whichever order the
two commit, rm_region_days equals rm_school_days summed by the schools' regions, which is
what a rebuild from the log gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from projections.tables import region_days, school_days, schools

if TYPE_CHECKING:
    from projections.unit_of_work import UnitOfWork

Deltas = dict[Any, dict[tuple[Any, ...], list[int]]]
KEY_SPACE = 0x4B5247  # the first key of these advisory locks; the second: the school's hash
LOCK = text("SELECT count(pg_advisory_xact_lock(:space, k)) FROM (SELECT DISTINCT "
            "hashtext(s) AS k FROM unnest(CAST(:schools AS text[])) AS s ORDER BY k "
            "OFFSET 0) AS keys")


def registered(uow: "UnitOfWork", school_id: str, region: str) -> None:
    """A school was registered in this batch: what its children's entries were counted
    under (no region) moves to its region when the batch is written."""
    uow.cache.setdefault("registered", {})[school_id] = region


def derive(uow: "UnitOfWork", deltas: Deltas) -> None:
    """Add to `deltas` what the batch changes per region and day: the changes per school
    and day by the school's region, and the registrations' moves."""
    days = deltas.get(school_days, {})
    moving = {s: r for s, r in uow.cache.pop("registered", {}).items() if r}
    touched = sorted({key[0] for key in days} | set(moving))
    if not touched:
        return
    session = uow.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(LOCK, {"space": KEY_SPACE, "schools": touched})
    target = deltas.setdefault(region_days, {})

    def add(region: str, day: str, counts: Any, sign: int) -> None:
        slot = target.setdefault((region, day), [0, 0, 0])
        for i, n in enumerate(counts):
            slot[i] += sign * int(n)

    d = school_days.c
    moved = sorted(moving)
    for first in range(0, len(moved), 500):
        for row in session.execute(select(d.school_id, d.day, d.incidents, d.positive,
                                          d.sessions)
                                   .where(d.school_id.in_(moved[first:first + 500]))):
            add("", row.day, row[2:], -1)
            add(moving[row.school_id], row.day, row[2:], +1)
    region_of: dict[str, str] = {}
    counted = sorted({key[0] for key in days})
    for first in range(0, len(counted), 500):
        region_of.update(session.execute(
            select(schools.c.school_id, schools.c.region)
            .where(schools.c.school_id.in_(counted[first:first + 500]))).tuples().all())
    for (school_id, day), counts in days.items():
        add(region_of.get(school_id, ""), day, counts, +1)
