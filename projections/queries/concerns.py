"""Reads of concerns: the live monitor (one row per child, by urgency, a page at a time),
the command line's list, and "why?" for a concern (each signal, what fired, the entries,
withdrawn signals, incidents shared with other children)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.exc import OperationalError, ProgrammingError

from domain import access
from domain.access import Actor
from domain.errors import UnknownConcern
from domain.vocabulary import URGENT_FIRST
from infrastructure.deliveries import deliveries
from projections import chronology as chronology_rows
from projections.concerns import UNRESOLVED
from projections.queries.common import Reader, present, visible, within
from projections.tables import chronology, concerns, escalations

c = concerns.c


def needs_look(now: datetime) -> Any:
    """Open, or back from a snooze that has ended: somebody must acknowledge it."""
    return or_(c.status == "open", and_(c.status == "snoozed", c.snoozed_until <= now))


def overdue(now: datetime) -> Any:
    """Waiting for a look past its deadline (the count the header, list and caseload share)."""
    return and_(needs_look(now), c.acknowledge_by < now)


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
        signal after `after` (for the "new" notices). Counted and cut by the database."""
        access.check_may_see_escalations(actor)
        now = self.app.clock.now()
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
