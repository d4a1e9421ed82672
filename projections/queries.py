"""Reads for people: every query takes the actor first, checks access, returns plain data.

Current state comes from the read models; "as it stood at a moment" is replayed
from the event log itself, with the same row builders the projection uses.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true

from domain import access
from domain.access import Actor
from domain.application import SchoolIntegration
from domain.errors import UnknownChild, UnknownEscalation
from domain.rules.loader import URGENT_FIRST
from projections import chronology as chronology_rows
from projections.tables import access_log, accounts, children, chronology, escalations, schools, wellbeing
from projections.views import ReadModelView

AGE_BANDS = ((6, 9, "6–9"), (10, 11, "10–11"), (12, 14, "12–14"), (15, 18, "15–17"))


def age_band(birth_year: int, on: datetime) -> str:
    age = on.year - birth_year
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "under 6" if age < 6 else "18+"


def _within(column: Any, actor: Actor) -> ColumnElement[bool]:
    """Rows of the actor's schools only (every school for a national role)."""
    if access.ALL_SCHOOLS in actor.school_ids:
        return true()
    return column.in_(sorted(actor.school_ids))


UNRESOLVED = ("open", "acknowledged", "assigned")  # index-friendly, unlike != "resolved"


def _decode_lists(row: dict[str, Any]) -> None:
    """An escalation row's JSON columns as lists."""
    row["triggering_entries"] = json.loads(row["triggering_entries"])
    row["history"] = json.loads(row["history"])


@dataclass
class Queries:
    app: SchoolIntegration
    view: ReadModelView

    def _select(self, statement: Any) -> list[dict[str, Any]]:
        with self.view.transaction(commit=False) as session:
            return [dict(r._mapping) for r in session.execute(statement)]

    # --- children -------------------------------------------------------------------
    def children(self, actor: Actor, school_id: str | None = None) -> list[dict[str, Any]]:
        """Children in the actor's scope (optionally one school): codes, school, state."""
        if actor.role == access.Role.ADMIN:
            access.check_may_read_child(actor, school_id or "")
        c = children.c
        statement = select(c.code, c.child_id, c.school_id, c.grade, c.birth_year, c.status,
                           c.open_escalations, c.last_session_at).order_by(c.code)
        if school_id is not None:
            statement = statement.where(c.school_id == school_id)
        now = self.app.clock.now()
        rows = [r for r in self._select(statement) if actor.covers(r["school_id"])]
        for row in rows:
            row["age_band"] = age_band(row.pop("birth_year"), now)
        return rows

    def child_summary(self, actor: Actor, code: str) -> dict[str, Any]:
        found = self._select(select(children).where(children.c.code == code))
        if not found:
            raise UnknownChild(f"No child with code {code} is enrolled in Köpir.")
        row = found[0]
        access.check_may_read_child(actor, row["school_id"])
        hidden = access.hidden_fields(actor)
        row["languages"] = json.loads(row["languages"])
        row["age_band"] = age_band(row["birth_year"], self.app.clock.now())
        return {k: v for k, v in row.items() if k not in hidden}

    # --- chronology -------------------------------------------------------------------
    def chronology(self, actor: Actor, code: str, as_of: datetime | None = None,
                   purpose: str = "chronology") -> list[dict[str, Any]]:
        """A child's entries by when they happened; `as_of` replays what was recorded by
        then. Every call is a read of the child's record and is logged as one."""
        result = self._chronology(actor, code, as_of)
        self._log_read(actor, code, purpose if as_of is None else "replay", result, as_of)
        return result

    def _chronology(self, actor: Actor, code: str,
                    as_of: datetime | None) -> list[dict[str, Any]]:
        if as_of is None:
            summary = self.child_summary(actor, code)
            rows = chronology_rows.sort_rows(self._select(
                select(chronology).where(chronology.c.child_id == summary["child_id"])))
        else:
            rows = chronology_rows.replay(self.app.child_events(actor, code, as_of=as_of))
        return [present(row, actor) for row in rows if visible(row, actor)]

    def _log_read(self, actor: Actor, code: str, purpose: str, rows: list[dict[str, Any]],
                  as_of: datetime | None = None) -> None:
        shown = {"occurred_at", "kind", "recorded_by"}
        for row in rows:
            shown.update(row.get("fields", {}))
            if row.get("confidential_notes"):
                shown.add("confidential_notes")
        self.app.record_access(actor, code, purpose, sorted(shown), as_of=as_of)

    def diff(self, actor: Actor, code: str, earlier: datetime,
             later: datetime) -> dict[str, list[dict[str, Any]]]:
        """What changed in a child's record between two moments of recording: entries
        added, and entries whose content or status changed (amended, retracted)."""
        before = {r["entry_id"]: r for r in self._chronology(actor, code, earlier)}
        after = self._chronology(actor, code, later)
        self._log_read(actor, code, "replay", after, later)
        added = [r for r in after if r["entry_id"] not in before]
        changed = [{"before": before[r["entry_id"]], "after": r} for r in after
                   if r["entry_id"] in before and (
                       r["status"] != before[r["entry_id"]]["status"]
                       or r["fields"] != before[r["entry_id"]]["fields"])]
        return {"added": added, "changed": changed}

    # --- auditors ---------------------------------------------------------------------
    def events(self, actor: Actor, code: str) -> list[dict[str, Any]]:
        """The raw event log of a child: every stored event with who, role and when."""
        result = self._events(actor, code)
        self.app.record_access(actor, code, "events",
                               sorted({k for r in result for k in r["fields"]}))
        return result

    def _events(self, actor: Actor, code: str) -> list[dict[str, Any]]:
        access.check_may_audit(actor)
        hidden = access.hidden_fields(actor)
        result = []
        for event in self.app.child_events(actor, code):
            values = {k: v for k, v in event.__dict__.items()
                      if k not in chronology_rows.BASE_KEYS or k in ("reason", "entry_id")}
            result.append({
                "version": event.originator_version, "type": type(event).__name__,
                "recorded_at": event.timestamp, "recorded_by": event.recorded_by,
                "role": event.role, "school_id": event.school_id,
                "occurred_at": event.occurred_at,
                "fields": {k: v for k, v in values.items() if k not in hidden}})
        return result

    def access_log(self, actor: Actor, code: str | None = None,
                   viewed_by: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Who viewed which child's record, which fields, when and why (auditors only)."""
        access.check_may_audit(actor)
        a = access_log.c
        statement = select(access_log).order_by(a.viewed_at.desc()).limit(limit)
        if code:
            statement = statement.where(a.child_code == code)
        if viewed_by:
            statement = statement.where(a.viewed_by == viewed_by)
        rows = self._select(statement)
        for row in rows:
            row["fields"] = json.loads(row["fields"])
        return rows

    def integrity(self, actor: Actor, code: str) -> dict[str, Any]:
        """Check a child's stored record: every event reads back (with encryption on,
        AES-GCM refuses altered ciphertext), versions run 1..n without a gap, recording
        times never go backwards, and the read model equals a replay of the log."""
        access.check_may_audit(actor)
        problems: list[str] = []
        try:
            events = self.app.child_events(actor, code)
        except Exception as error:  # noqa: BLE001 - any failure to read is the finding
            return {"ok": False, "events": 0, "problems": [f"the log cannot be read: {error}"]}
        versions = [e.originator_version for e in events]
        if versions != list(range(1, len(events) + 1)):
            problems.append("event versions have a gap or are out of order")
        times = [e.timestamp for e in events]
        if times != sorted(times):
            problems.append("recording times go backwards")
        replayed = {r["entry_id"]: (r["status"], r["fields"], r["occurred_at"])
                    for r in chronology_rows.replay(events)}
        summary = self.child_summary(actor, code)
        stored = {r["entry_id"]: (r["status"], r["fields"], r["occurred_at"])
                  for r in self._select(select(chronology).where(
                      chronology.c.child_id == summary["child_id"]))}
        if stored != replayed:
            differing = set(stored.items()) ^ set(replayed.items())
            problems.append(f"the read model differs from the log in "
                            f"{len({k for k, _ in differing})} entries")
        return {"ok": not problems, "events": len(events), "problems": problems,
                "first_recorded": times[0] if times else None,
                "last_recorded": times[-1] if times else None}

    def export(self, actor: Actor, code: str) -> dict[str, Any]:
        """An audit bundle of one child: summary, chronology, raw events, access entries
        and the integrity check. The export is itself logged as a read."""
        access.check_may_audit(actor)
        bundle = {"child": self.child_summary(actor, code),
                  "chronology": self._chronology(actor, code, None),
                  "events": self._events(actor, code),
                  "access_log": self.access_log(actor, code),
                  "integrity": self.integrity(actor, code),
                  "exported_at": self.app.clock.now(), "exported_by": actor.user_id}
        self._log_read(actor, code, "export", bundle["chronology"])
        return bundle

    def verify_log(self, actor: Actor, progress: Any = None) -> Any:
        """The whole log against its signed checkpoints (kopir/ledger.py); auditors only."""
        from kopir import audit

        access.check_may_audit(actor)
        return audit.verify(self.app, progress=progress)

    # --- caseload ---------------------------------------------------------------------
    def caseload(self, actor: Actor, weeks: int = 12) -> dict[str, Any]:
        """Per school (with its region): children, open escalations by level, incidents
        and sessions in the last 30 days; and incidents per week for the trend chart."""
        access.check_may_see_caseload(actor)
        now = self.app.clock.now()
        known = {r["school_id"]: r for r in self._select(select(schools))}
        per_school: dict[str, dict[str, Any]] = {}

        def school(sid: str) -> dict[str, Any]:
            return per_school.setdefault(sid, {
                "school_id": sid, "region": known.get(sid, {}).get("region", ""),
                "children": 0, "open_high": 0, "open_medium": 0, "open_low": 0,
                "overdue": 0, "incidents_30d": 0, "positive_30d": 0, "sessions_30d": 0})

        # Counted by the database, within the actor's schools: a region's or the
        # country's caseload reads a few hundred grouped rows, not every entry.
        c = children.c
        for row in self._select(select(c.school_id, func.count().label("n"))
                                .where(c.status == "open", _within(c.school_id, actor))
                                .group_by(c.school_id)):
            school(row["school_id"])["children"] += row["n"]
        e = escalations.c
        overdue = func.sum(case((and_(e.status == "open", e.acknowledge_by < now), 1), else_=0))
        for row in self._select(select(e.school_id, e.level, func.count().label("n"),
                                       overdue.label("overdue"))
                                .where(e.status.in_(UNRESOLVED), _within(e.school_id, actor))
                                .group_by(e.school_id, e.level)):
            entry = school(row["school_id"])
            entry[f"open_{row['level']}"] += row["n"]
            entry["overdue"] += int(row["overdue"] or 0)
        h = chronology.c
        since = now - timedelta(weeks=weeks)
        positive = h.fields.like('%"positive":true%')
        recent = case((h.occurred_at >= now - timedelta(days=30), 1), else_=0)
        day = func.date(h.occurred_at)
        trend: dict[tuple[str, str], int] = {}
        for row in self._select(select(h.school_id, h.kind, positive.label("positive"),
                                       recent.label("recent"), day.label("day"),
                                       func.count().label("n"))
                                .where(h.occurred_at >= since, h.status != "retracted",
                                       h.kind.in_(("ConflictRecorded", "PeerIncidentRecorded",
                                                   "CounsellingSessionRecorded")),
                                       _within(h.school_id, actor))
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

    def wellbeing(self, actor: Actor, code: str) -> list[dict[str, Any]]:
        summary = self.child_summary(actor, code)
        w = wellbeing.c
        return self._select(select(w.occurred_at, w.social_ties, w.school_engagement,
                                   w.emotional_state, w.family_support)
                            .where(w.child_id == summary["child_id"], w.retracted.is_(False))
                            .order_by(w.occurred_at))

    # --- escalations and caseload -----------------------------------------------------
    def escalation_queue(self, actor: Actor, include_resolved: bool = False) -> list[dict[str, Any]]:
        access.check_may_see_escalations(actor)
        statement = (select(escalations).where(_within(escalations.c.school_id, actor))
                     .order_by(escalations.c.raised_at.desc()))
        if not include_resolved:
            statement = statement.where(escalations.c.status.in_(UNRESOLVED))
        rows = self._select(statement)
        for row in rows:
            _decode_lists(row)
        return rows

    def monitor(self, actor: Actor, levels: tuple[str, ...] = URGENT_FIRST,
                school: str | None = None, order: str = "newest", limit: int = 25,
                after: datetime | None = None) -> dict[str, Any]:
        """What the live monitor shows, counted and cut by the database: open counts per
        level, the overdue count, the schools with escalations, how many match the
        filters and the first `limit` of them, and those raised after `after` (for the
        "new" notices). A refresh reads a page, not the country's whole queue."""
        access.check_may_see_escalations(actor)
        e = escalations.c
        now = self.app.clock.now()
        unresolved = and_(e.status.in_(UNRESOLVED), _within(e.school_id, actor))
        is_open = e.status == "open"
        counts = {row["level"]: (row["n"], int(row["overdue"] or 0)) for row in self._select(
            select(e.level, func.count().label("n"),
                   func.sum(case((e.acknowledge_by < now, 1), else_=0)).label("overdue"))
            .where(unresolved, is_open).group_by(e.level))}
        schools_seen = [r["school_id"] for r in self._select(
            select(e.school_id).where(unresolved).distinct().order_by(e.school_id))]
        matching = and_(unresolved, e.level.in_(levels),
                        e.school_id == school if school else true())
        total = self._select(select(func.count().label("n")).where(matching))[0]["n"]
        if order == "deadline":
            rank = case({level: n for n, level in enumerate(URGENT_FIRST)}, value=e.level)
            ordering = [case((is_open, 0), else_=1), e.acknowledge_by, rank, e.raised_at.desc()]
        else:
            ordering = [e.raised_at.desc()]
        rows = self._select(select(escalations).where(matching).order_by(*ordering).limit(limit))
        arrived = [] if after is None else self._select(
            select(escalations).where(unresolved, e.raised_at > after)
            .order_by(e.raised_at).limit(10))
        latest = self._select(select(func.max(e.raised_at).label("at")).where(unresolved))[0]["at"]
        for row in rows + arrived:
            _decode_lists(row)
        return {"open": {level: counts.get(level, (0, 0))[0] for level in URGENT_FIRST},
                "overdue": sum(overdue for _, overdue in counts.values()),
                "schools": schools_seen, "total": total, "rows": rows, "arrived": arrived,
                "latest": latest}

    def explain(self, actor: Actor, escalation_id: str, language: str = "en") -> dict[str, Any]:
        """Why an escalation was raised: the rule as written, its version, the window as
        evaluated, and the triggering entries (those the actor may see)."""
        from domain.rules.loader import load_rules

        access.check_may_see_escalations(actor)
        e = escalations.c
        [row] = self._select(select(escalations).where(
            e.escalation_id == escalation_id, _within(e.school_id, actor))) or [None]
        if row is None:
            raise UnknownEscalation(f"No escalation {escalation_id} in your schools.")
        _decode_lists(row)
        why: dict[str, Any] = {"escalation": row, "rule": None, "window": None, "entries": []}
        if row["rule_id"] != "manual":
            try:
                rule = load_rules().by_id(row["rule_id"])
            except KeyError:
                rule = None
            if rule is not None:
                why["rule"] = {"id": rule.id, "version": rule.version,
                               "current_version": rule.version,
                               "same_version": rule.version == row["rule_version"],
                               "level": rule.level, "kind": rule.when.kind,
                               "text": rule.reasons.get(language) or rule.reasons["en"],
                               "condition": {k: v for k, v in vars(rule.when).items()
                                             if v not in ((), None, 0, False, "")}}
                if rule.when.kind == "window":
                    why["window"] = {"from": row["due_at"] - timedelta(days=rule.when.days),
                                     "to": row["due_at"], "days": rule.when.days}
        wanted = set(row["triggering_entries"])
        rows = self._select(select(chronology).where(chronology.c.entry_id.in_(wanted)))
        why["entries"] = [present(r, actor) for r in chronology_rows.sort_rows(rows)
                          if visible(r, actor)]
        return why

    def escalation_metrics(self, actor: Actor) -> list[dict[str, Any]]:
        """Per school and level: how long from the triggering entry to the escalation
        (detection), to acknowledgement, and to resolution (medians, in hours)."""
        rows = self.escalation_queue(actor, include_resolved=True)
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault((row["school_id"], row["level"]), []).append(row)

        def median_hours(values: list[float]) -> float | None:
            return round(statistics.median(values) / 3600, 2) if values else None

        result = []
        for (school, level), items in sorted(groups.items()):
            detect = [(r["raised_at"] - r["due_at"]).total_seconds() for r in items]
            ack = [(r["acknowledged_at"] - r["raised_at"]).total_seconds()
                   for r in items if r["acknowledged_at"]]
            resolve = [(r["resolved_at"] - r["raised_at"]).total_seconds()
                       for r in items if r["resolved_at"]]
            result.append({"school_id": school, "level": level, "escalations": len(items),
                           "acknowledged": len(ack), "resolved": len(resolve),
                           "median_hours_to_escalation": median_hours(detect),
                           "median_hours_to_acknowledgement": median_hours(ack),
                           "median_hours_to_resolution": median_hours(resolve)})
        return result

    def staff_of(self, actor: Actor, school_id: str) -> list[str]:
        """Who could take on an escalation of a school: its psychologists and supervisors."""
        access.check_may_handle_escalations(actor, school_id)
        a = accounts.c
        rows = self._select(select(a.user_id, a.school_ids).where(
            a.role.in_(("psychologist", "supervisor"))).order_by(a.user_id))
        return [r["user_id"] for r in rows
                if {"*", school_id} & set(json.loads(r["school_ids"]))]

    def accounts(self, actor: Actor) -> list[dict[str, Any]]:
        access.check_may_administer(actor)
        rows = self._select(select(accounts).order_by(accounts.c.user_id))
        for row in rows:
            row["school_ids"] = json.loads(row["school_ids"])
        return rows

    def schools(self, actor: Actor) -> list[dict[str, Any]]:
        rows = self._select(select(schools).order_by(schools.c.school_id))
        return [r for r in rows if actor.covers(r["school_id"])]


def visible(row: dict[str, Any], actor: Actor) -> bool:
    """Teachers see the entries they recorded themselves; other readers see every entry."""
    return access.sees_whole_chronology(actor) or row["recorded_by"] == actor.user_id


def present(row: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """A chronology row as plain data with the fields the actor may see."""
    hidden = access.hidden_fields(actor)
    out = dict(row)
    out["fields"] = {k: v for k, v in json.loads(row["fields"]).items() if k not in hidden}
    if row.get("original_fields"):
        out["original_fields"] = {k: v for k, v in json.loads(row["original_fields"]).items()
                                  if k not in hidden}
    if "confidential_notes" in hidden:
        out.pop("confidential_notes", None)
    return out
