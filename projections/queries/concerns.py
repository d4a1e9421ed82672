"""Reads of concerns: the live monitor (one row per child, by urgency, a page at a time),
the command line's list, and "why?" for a concern (each signal, what fired, the entries,
withdrawn signals, incidents shared with other children)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.exc import OperationalError, ProgrammingError

from domain import access
from domain.access import Actor
from domain.errors import UnknownConcern
from domain.vocabulary import URGENT_FIRST
from infrastructure.deliveries import deliveries
from projections import chronology as chronology_rows
from projections.concerns import UNRESOLVED
from projections.queries.common import Reader, present, visible, within
from projections.tables import chronology, concern_counts, concerns, escalations

c = concerns.c


def needs_look(now: datetime) -> Any:
    """Open, or back from a snooze that has ended: somebody must acknowledge it."""
    return or_(c.status == "open", and_(c.status == "snoozed", c.snoozed_until <= now))


def overdue(now: datetime) -> Any:
    """Waiting for a look past its deadline (the count the header, list and caseload share)."""
    return and_(needs_look(now), c.acknowledge_by < now)


WAITING = ("open", "snoozed")  # what needs a look (a snooze once it has ended)


def overdue_counts(reader: Reader, actor: Actor, now: datetime, by: str) -> dict[str, int]:
    """Concerns waiting for a look past their deadline, per school or per level (`by`):
    those waiting (from the counters) less those whose deadline is still ahead, or which
    have none, or whose snooze has not ended (few, each read by index)."""
    cc = concern_counts.c
    counts: dict[str, int] = {}
    for row in reader._select(select(cc[by], func.sum(cc.n).label("n"))
                              .where(cc.status.in_(WAITING), within(cc.school_id, actor))
                              .group_by(cc[by])):
        counts[row[by]] = int(row["n"])
    not_yet = (
        and_(c.status == "open", c.acknowledge_by.is_(None)),
        and_(c.status == "open", c.acknowledge_by >= now),
        and_(c.status == "snoozed", or_(c.acknowledge_by.is_(None), c.acknowledge_by >= now,
                                        c.snoozed_until.is_(None), c.snoozed_until > now)))
    for condition in not_yet:
        for row in reader._select(select(c[by], func.count().label("n"))
                                  .where(condition, within(c.school_id, actor)).group_by(c[by])):
            counts[row[by]] = counts.get(row[by], 0) - row["n"]
    return {key: n for key, n in counts.items() if n}


def decoded(row: dict[str, Any]) -> dict[str, Any]:
    row["signals"] = json.loads(row["signals"])
    row["history"] = json.loads(row["history"])
    seen = row["acknowledged_at"]  # what came after the last look
    row["new_signals"] = 0 if seen is None else sum(
        1 for s in row["signals"] if datetime.fromisoformat(s["at"]) > seen)
    return row


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
        counted = self._select(select(cc.school_id, cc.level, cc.n)
                               .where(within(cc.school_id, actor)))
        open_by_level = {level: sum(r["n"] for r in counted if r["level"] == level)
                         for level in URGENT_FIRST}
        schools = sorted({r["school_id"] for r in counted})
        total = sum(r["n"] for r in counted if r["level"] in levels
                    and (not school or r["school_id"] == school))
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
            snooze_over = and_(c.status == "snoozed", c.snoozed_until.is_not(None),
                               c.snoozed_until <= now)
            looking = or_(c.status == "open", snooze_over)
            past = and_(c.acknowledge_by.is_not(None), c.acknowledge_by < now)
            ahead = and_(c.acknowledge_by.is_not(None), c.acknowledge_by >= now)
            groups = [(and_(looking, past, c.level == "high"), [c.acknowledge_by.desc()]),
                      (and_(looking, ahead), [c.acknowledge_by]),
                      (and_(looking, or_(c.acknowledge_by.is_(None),
                                         and_(past, c.level != "high"))),
                       [c.acknowledge_by.desc()]),
                      (and_(c.status != "open", ~snooze_over), [c.acknowledge_by.desc()])]
        else:
            groups = [(true(), [])]
        wanted, keys = offset + limit, []
        for condition, ordering in groups:
            if len(keys) >= wanted:
                break
            keys += [r["concern_key"] for r in self._select(
                select(c.concern_key).where(matching, condition)
                .order_by(*ordering, c.last_signal_at.desc(), c.concern_key)
                .limit(wanted - len(keys)))]
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
