"""Reads for the staff of a school: their children, a child's record and its history.

Current state comes from the read models; "as it stood at a moment" is replayed
from the event log itself, with the same row builders the projection uses. Every
read of a child's record is logged as one.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import AbstractSet, Any, Sequence

from sqlalchemy import select

from domain import access
from domain.access import POLICY, Actor
from domain.errors import UnknownChild
from domain.vocabulary import INDICATORS
from projections import chronology as chronology_rows
from projections.queries import caseload, timeline
from projections.queries.common import age_band, present, visible, within
from projections.queries.plans import PlanQueries
from projections.queries.tasks import TaskQueries
from projections.tables import children, chronology, schools, wellbeing


class StaffQueries(TaskQueries, PlanQueries):
    def children(self, actor: Actor, school_id: str | None = None) -> list[dict[str, Any]]:
        """Children in the actor's scope (optionally one school): codes, school, state."""
        if not access.POLICY[actor.role].reads_records:  # administrators, DPO, analysts
            access.check_may_read_child(actor, school_id or "")
        c = children.c
        statement = select(c.code, c.child_id, c.school_id, c.grade, c.birth_year, c.status,
                           c.open_escalations, c.last_session_at).order_by(c.code)
        if school_id is not None:
            statement = statement.where(c.school_id == school_id)
        now = self.app.clock.now()
        rows = [access.redact(r, access.hidden_fields(actor, r["school_id"]))
                for r in self._select(statement) if actor.oversees(r["school_id"])]
        for row in rows:
            row["age_band"] = age_band(row.pop("birth_year"), now)
        return rows

    def child_summary(self, actor: Actor, code: str) -> dict[str, Any]:
        """A child's enrolment and counters, the fields the reader may see; logged."""
        summary = self._summary(actor, code)
        self.app.record_access(actor, code, "summary", list(summary))
        return summary

    def _summary(self, actor: Actor, code: str) -> dict[str, Any]:
        found = self._select(select(children).where(children.c.code == code))
        if not found:
            raise UnknownChild(child=code)
        row = found[0]
        access.check_may_read_child(actor, row["school_id"], code)
        row["languages"] = json.loads(row["languages"])
        row["age_band"] = age_band(row["birth_year"], self.app.clock.now())
        return access.redact(row, access.hidden_fields(actor, row["school_id"]))

    def record(self, actor: Actor, code: str, as_of: datetime | None = None,
               logged: bool = True) -> dict[str, Any]:
        """A child's record as the chronology page shows it (the summary, the entries with
        the concern's decisions for those who handle concerns, and the wellbeing trajectory
        when the reader may see it): one read, logged once (`logged=False` when the page
        shows the same read again)."""
        summary = self._summary(actor, code)
        entries = chronology_rows.sort_rows(
            self._chronology(actor, code, as_of)
            + timeline.concern_rows(self, actor, summary["child_id"], as_of))
        points = None
        if as_of is None and "wellbeing" not in access.hidden_fields(actor):
            points = self._wellbeing(summary["child_id"])
        if logged:
            self._log_read(actor, code, "chronology" if as_of is None else "replay", entries,
                           as_of, also=[*summary, *(["wellbeing"] if points is not None else [])])
        return {"summary": summary, "entries": entries, "wellbeing": points}

    def child_names(self, actor: Actor, logged: bool = True,
                    already_shown: AbstractSet[str] = frozenset()) -> dict[str, str]:
        """The personal names of the children the actor may pick whose names their role may
        see (psychologists of the child's own school): {code: name}, an erased or unnamed
        child left out. Showing them is a read of each named child, logged, except for the
        codes `already_shown` to this reader (`logged=False`: none is logged)."""
        if not POLICY[actor.role].records:
            return {}
        c = children.c
        rows = [r for r in self._select(
            select(c.child_id, c.code, c.school_id, c.personal_name)
            .where(c.personal_name != "", within(c.school_id, actor)).order_by(c.code))
            if actor.covers(r["school_id"])
            and "personal_name" not in access.hidden_fields(actor, r["school_id"])]
        new = [(r["child_id"], r["code"], r["school_id"]) for r in rows
               if r["code"] not in already_shown]
        if logged and new:
            self.app.record_name_reads(actor, new)
        return {r["code"]: r["personal_name"] for r in rows}

    def children_by_risk(self, actor: Actor) -> list[dict[str, Any]]:
        """The open children the actor oversees, most at risk first (see `caseload.by_child`);
        the fields the reader may not see left out."""
        access.check_may_see_caseload(actor)
        return [access.redact(row, access.hidden_fields(actor, row["school_id"]))
                for row in caseload.by_child(self, actor, self.app.clock.now())]

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
            summary = self._summary(actor, code)
            rows = chronology_rows.sort_rows(self._select(
                select(chronology).where(chronology.c.child_id == summary["child_id"])))
        else:
            rows = chronology_rows.replay(self.app.child_events(actor, code, as_of=as_of))
        return [present(row, actor) for row in rows if visible(row, actor)]

    def _log_read(self, actor: Actor, code: str, purpose: str, rows: list[dict[str, Any]],
                  as_of: datetime | None = None, also: Sequence[str] = ()) -> None:
        shown = {"occurred_at", "kind", "recorded_by", *also}
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

    def wellbeing(self, actor: Actor, code: str) -> list[dict[str, Any]]:
        """A child's wellbeing scores session by session (not for class tutors); logged."""
        access.check_may_see_wellbeing(actor)
        points = self._wellbeing(self._summary(actor, code)["child_id"])
        self.app.record_access(actor, code, "wellbeing", ["wellbeing", *INDICATORS])
        return points

    def _wellbeing(self, child_id: str) -> list[dict[str, Any]]:
        w = wellbeing.c
        return self._select(select(w.occurred_at, w.social_ties, w.school_engagement,
                                   w.emotional_state, w.family_support)
                            .where(w.child_id == child_id, w.retracted.is_(False))
                            .order_by(w.occurred_at))

    def schools(self, actor: Actor) -> list[dict[str, Any]]:
        rows = self._select(select(schools).order_by(schools.c.school_id))
        return [{**r, "names": json.loads(r["names"] or "{}")} for r in rows
                if actor.covers(r["school_id"])]
