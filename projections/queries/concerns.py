"""Reads of concerns: the live monitor (one row per child, by urgency, a page at a time),
the command line's list, and "why?" for a concern (each signal, what fired, the entries,
withdrawn signals, incidents shared with other children)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, true, union_all
from sqlalchemy.exc import OperationalError, ProgrammingError

from domain import access
from domain.access import Actor
from domain.errors import UnknownConcern
from domain.vocabulary import URGENT_FIRST
from infrastructure.deliveries import deliveries
from projections import chronology as chronology_rows
from projections.concerns import UNRESOLVED
from projections.queries.common import Reader, present, visible, within
from projections.tables import chronology, concern_counts, concerns, escalations, schools

c = concerns.c


def snooze_ended(now: datetime) -> Any:
    return and_(c.status == "snoozed", c.snoozed_until.is_not(None), c.snoozed_until <= now)


def needs_look(now: datetime) -> Any:
    """Open, or back from a snooze that has ended: somebody must acknowledge it."""
    return or_(c.status == "open", snooze_ended(now))


def overdue(now: datetime) -> Any:
    """Waiting for a look past its deadline (the count the header, list and caseload share)."""
    return and_(needs_look(now), c.acknowledge_by < now)


def overdue_counts(reader: Reader, actor: Actor, now: datetime, by: str,
                   where: Any = None) -> dict[str, int]:
    """Concerns waiting for a look past their deadline, per school, level or region (`by`):
    the open ones past it and the ended snoozes past it, each read by the deadline's index
    (as many rows as are overdue, which is what people are there to bring down)."""
    counts: dict[str, int] = {}
    rows: Any = concerns
    key = c.get(by)
    if by == "region":  # the school's region, empty for a school not registered
        rows = concerns.outerjoin(schools, schools.c.school_id == c.school_id)
        key = func.coalesce(schools.c.region, "")
    for branch in (c.status == "open", snooze_ended(now)):
        for row in reader._select(select(key.label("key"), func.count().label("n"))
                                  .select_from(rows)
                                  .where(branch, c.acknowledge_by.is_not(None),
                                         c.acknowledge_by < now, within(c.school_id, actor),
                                         true() if where is None else where)
                                  .group_by(key)):
            counts[row["key"]] = counts.get(row["key"], 0) + int(row["n"])
    return {key: n for key, n in counts.items() if n}


def decoded(row: dict[str, Any]) -> dict[str, Any]:
    row["signals"] = json.loads(row["signals"])
    row["history"] = json.loads(row["history"])
    seen = row["acknowledged_at"]  # what came after the last look
    row["new_signals"] = 0 if seen is None else sum(
        1 for s in row["signals"] if datetime.fromisoformat(s["at"]) > seen)
    return row


def _merged(branches: list[Any], ascending: bool | None, limit: int) -> Any:
    """The first `limit` keys of the concerns matching any branch, by deadline (ascending
    or not; None: not by deadline), then the latest signal first, then the key: each
    branch read in that order as far as needed (by index), the few read sorted together."""
    def ordered(columns: Any) -> list[Any]:
        deadline = columns.acknowledge_by
        first = [] if ascending is None else [deadline if ascending else deadline.desc()]
        return [*first, columns.last_signal_at.desc(), columns.concern_key]

    parts = [select(c.concern_key, c.acknowledge_by, c.last_signal_at).where(branch)
             .order_by(*ordered(c)).limit(limit) for branch in branches]
    if len(parts) == 1:
        return parts[0]
    both = union_all(*(select(part.subquery()) for part in parts)).subquery()
    return select(both.c.concern_key).order_by(*ordered(both.c)).limit(limit)


class ConcernQueries(Reader):
    def concern_monitor(self, actor: Actor, levels: tuple[str, ...] = URGENT_FIRST,
                        school: str | None = None, order: str = "urgency", limit: int = 25,
                        offset: int = 0, after: datetime | None = None) -> dict[str, Any]:
        """The monitor: unresolved concerns counted per level (and overdue), the schools
        that have any, how many match the filters and one page of them; and those with a
        signal after `after` (for the "new" notices). The counts come from the per-school
        counters, the page from an index, one urgency group at a time."""
        access.check_may_see_escalations(actor)
        with self.view.transaction(commit=False):  # counts and page from one snapshot
            return self._monitor(actor, levels, school, order, limit, offset, after)

    def _monitor(self, actor: Actor, levels: tuple[str, ...], school: str | None, order: str,
                 limit: int, offset: int, after: datetime | None) -> dict[str, Any]:
        now = self.app.clock.now()
        unresolved = and_(c.status.in_(UNRESOLVED), within(c.school_id, actor))
        cc = concern_counts.c
        mine = within(cc.school_id, actor)
        by_level = {r["level"]: int(r["n"]) for r in self._select(
            select(cc.level, func.sum(cc.n).label("n")).where(mine).group_by(cc.level))}
        open_by_level = {level: by_level.get(level, 0) for level in URGENT_FIRST}
        schools = [r["school_id"] for r in self._select(
            select(cc.school_id).where(mine, cc.n > 0).distinct().order_by(cc.school_id))]
        total = sum(n for level, n in by_level.items() if level in levels) if not school \
            else int(self._select(select(func.coalesce(func.sum(cc.n), 0).label("n")).where(
                mine, cc.school_id == school, cc.level.in_(levels)))[0]["n"])
        matching = and_(unresolved, c.level.in_(levels),
                        c.school_id == school if school else true())
        rows = self._page(matching, now, order, limit, offset)
        arrived = [] if after is None else self._select(
            select(concerns).where(unresolved, c.last_signal_at > after)
            .order_by(c.last_signal_at).limit(10))
        latest = self._select(select(c.last_signal_at).where(unresolved)
                              .order_by(c.last_signal_at.desc()).limit(1))
        return {"open": open_by_level,
                "overdue": sum(overdue_counts(self, actor, now, "level").values()),
                "schools": schools, "total": total, "rows": [decoded(r) for r in rows],
                "arrived": [decoded(r) for r in arrived],
                "latest": latest[0]["last_signal_at"] if latest else None, "now": now}

    def _page(self, matching: Any, now: datetime, order: str, limit: int,
              offset: int) -> list[dict[str, Any]]:
        """One page of the matching concerns. By urgency: overdue HIGH (the most recently
        overdue first), then the least time left, then the long overdue below HIGH (newest
        first), then what is taken on; each group read in its order by index, only as far
        as the page needs, then the page's rows themselves."""
        if order == "urgency":
            # The groups as SQL's CASE sorts them, a NULL deadline or snooze included.
            snooze_over = snooze_ended(now)
            past = and_(c.acknowledge_by.is_not(None), c.acknowledge_by < now)
            ahead = and_(c.acknowledge_by.is_not(None), c.acknowledge_by >= now)
            # A group that needs a look is read as two branches, the open ones and the
            # snoozes that have ended, each in its order by index, and the two merged: as
            # one condition with OR the database sorted every concern that needs a look.
            branches = [c.status == "open", snooze_over]
            groups = [(branches, and_(past, c.level == "high"), False),
                      (branches, ahead, True),
                      (branches, or_(c.acknowledge_by.is_(None),
                                     and_(past, c.level != "high")), False),
                      ([and_(c.status != "open", ~snooze_over)], true(), False)]
        else:
            groups = [([true()], true(), None)]
        wanted, keys = offset + limit, []
        for parts, condition, ascending in groups:
            if len(keys) >= wanted:
                break
            keys += [r["concern_key"] for r in self._select(_merged(
                [and_(matching, part, condition) for part in parts], ascending,
                wanted - len(keys)))]
        keys = keys[offset:offset + limit]
        found = {r["concern_key"]: r for r in self._select(
            select(concerns).where(c.concern_key.in_(keys)))} if keys else {}
        return [found[k] for k in keys]

    def open_concerns(self, actor: Actor, school: str | None = None) -> list[dict[str, Any]]:
        """Every unresolved concern in scope (of one school if given), by urgency."""
        view = self.concern_monitor(actor, school=school, limit=1_000_000)
        return view["rows"]

    def concern(self, actor: Actor, concern_key: str) -> dict[str, Any]:
        access.check_may_see_escalations(actor)
        [row] = self._select(select(concerns).where(
            c.concern_key == concern_key, within(c.school_id, actor))) or [None]
        if row is None:
            raise UnknownConcern(child="?")
        return decoded(row)

    def explain_concern(self, actor: Actor, concern_key: str,
                        language: str = "en") -> dict[str, Any]:
        """Why the concern is open: each signal with its rule, what fired and the words
        that matched, and its entries; withdrawn ones marked; incidents shared with other
        children named by their codes. The read is logged, as any read of the record."""
        row = self.concern(actor, concern_key)
        ids = [s["id"] for s in row["signals"]]
        found = {r["escalation_id"]: r for r in self._select(
            select(escalations).where(escalations.c.escalation_id.in_(ids)))}
        signals, wanted = [], set()
        for signal in row["signals"]:
            raised = found.get(signal["id"])
            why = self._why(raised, language) if raised else {"rule": None, "fired": [],
                                                               "words": [], "window": None}
            signals.append({**signal, **why, "escalation": raised})
            wanted |= set(signal["entries"])
        entries = self._select(select(chronology).where(chronology.c.entry_id.in_(wanted)))
        shown = [present(r, actor) for r in chronology_rows.sort_rows(entries)
                 if visible(r, actor)]
        shared = sorted({p.get("child_code", "") for e in shown
                         for p in e["fields"].get("participants") or []
                         if p.get("child_code") and p["child_code"] != row["child_code"]})
        self.app.record_access(actor, row["child_code"], "explain",
                               sorted({"kind", *(k for e in shown for k in e["fields"])}))
        return {"concern": row, "signals": signals, "entries": shown, "shared_with": shared}

    def my_notifications(self, actor: Actor, limit: int = 100) -> list[dict[str, Any]]:
        """What the notifier told this person, newest first (whether by e-mail or only
        here): code, level, school, why, when, and whether the e-mail went out."""
        d = deliveries.c
        try:
            return self._select(select(d.delivery_key, d.channel, d.kind, d.reason,
                                       d.concern_id, d.child_code, d.school_id, d.level,
                                       d.queued_at, d.due_at, d.sent_at)
                                .where(d.user_id == actor.user_id)
                                .order_by(d.queued_at.desc()).limit(limit))
        except (OperationalError, ProgrammingError):  # no notifier has run here yet
            return []

    def concern_key_of(self, actor: Actor, concern_id: str) -> str | None:
        """The current episode of a concern (what a link in a message opens)."""
        access.check_may_see_escalations(actor)
        found = self._select(select(c.concern_key).where(
            c.concern_id == concern_id, within(c.school_id, actor))
            .order_by(c.episode.desc()).limit(1))
        return found[0]["concern_key"] if found else None
