"""A person's week ("My work"), derived from the read models (nothing of it is stored):
what the absence rules expect of a school psychologist before any supervisor hears of it
(a first session after enrolment, a session after a degrading label, sessions after
missed ones), the follow-ups they set in sessions and family contacts, the measures they
are responsible for and the plans they drafted when a review is due, the plans and
closures that wait for a supervisor's approval, and the concerns assigned to the person.
Each has its due moment and, for the rules' tasks, when it reaches the supervisor."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, func, select

from domain import access
from domain.access import POLICY, Actor, Role
from domain.rules.loader import load_rules
from projections.concerns import UNRESOLVED
from projections.queries.common import Reader, within
from projections.tables import children, chronology, concerns, follow_ups, measures, plans


class TaskQueries(Reader):
    def tasks(self, actor: Actor) -> list[dict[str, Any]]:
        """The actor's tasks, most urgent first: {kind, code, school_id, due, escalates,
        overdue}. Psychologists get their schools' rule tasks; everyone their assigned
        concerns."""
        now = self.app.clock.now()
        found: list[dict[str, Any]] = []
        if actor.role == Role.PSYCHOLOGIST:
            found += self._rule_tasks(actor, now)
        found += self._plan_work(actor)
        k = concerns.c
        for row in self._select(select(k.child_code, k.school_id, k.acknowledge_by,
                                       k.concern_id, k.level).where(
                k.assignee == actor.user_id, k.status.in_(UNRESOLVED),
                within(k.school_id, actor))):
            found.append({"kind": "concern", "code": row["child_code"],
                          "school_id": row["school_id"], "due": row["acknowledge_by"] or now,
                          "escalates": None, "level": row["level"],
                          "concern_id": row["concern_id"]})
        for task in found:
            task["overdue"] = task["due"] < now
        return sorted(found, key=lambda t: (t["due"], t["code"]))

    def _rule_tasks(self, actor: Actor, now: datetime) -> list[dict[str, Any]]:
        access.check_may_see_caseload(actor)
        rules = load_rules()
        calendar = rules.calendar
        first = _absence(rules, "no-session-after-enrolment")
        label = _absence(rules, "no-session-after-label")
        missed = _absence(rules, "missed-sessions")
        c = children.c
        kids = self._select(select(c.child_id, c.code, c.school_id, c.enrolled_on,
                                   c.sessions_attended, c.sessions_missed_in_a_row,
                                   c.last_session_at, c.next_follow_up_on)
                            .where(c.status == "open", within(c.school_id, actor)))
        tasks = []

        def task(kind: str, kid: dict[str, Any], due: datetime,
                 escalates: datetime | None) -> None:
            tasks.append({"kind": kind, "code": kid["code"], "school_id": kid["school_id"],
                          "due": due, "escalates": escalates, "level": None,
                          "concern_id": None})

        labels = self._latest_labels(actor)
        last_missed = self._latest_sessions([k["child_id"] for k in kids
                                             if k["sessions_missed_in_a_row"] >= 2])
        for kid in kids:
            if first is not None and not kid["sessions_attended"]:
                start = kid["enrolled_on"]
                task("first_session", kid, start + timedelta(days=first.days),
                     start + timedelta(days=first.days + first.task_days))
            if kid["sessions_missed_in_a_row"] >= 2:
                since = last_missed.get(kid["child_id"], now)
                task("missed_sessions", kid, since, since + timedelta(days=missed.task_days)
                     if missed is not None and missed.task_days else None)
            labelled = labels.get(kid["child_id"])
            seen = kid["last_session_at"]
            if label is not None and labelled is not None and (seen is None or seen < labelled):
                task("label_session", kid, calendar.add_school_days(labelled, label.days),
                     calendar.add_school_days(labelled, label.days + label.task_days))
        return tasks

    def _plan_work(self, actor: Actor) -> list[dict[str, Any]]:
        """Follow-ups the actor set, measures they are responsible for and plans they drafted
        (when their review is due), and, for supervisors, what waits for their approval."""
        items: list[dict[str, Any]] = []

        def item(kind: str, row: dict[str, Any], due: Any) -> None:
            items.append({"kind": kind, "code": row["child_code"], "school_id": row["school_id"],
                          "due": due if isinstance(due, datetime) else morning(due),
                          "escalates": None, "level": None, "concern_id": None})

        f, m, p = follow_ups.c, measures.c, plans.c
        for row in self._select(select(f.child_code, f.school_id, f.kind, f.due_on).where(
                f.owner == actor.user_id, f.done.is_(False), within(f.school_id, actor))):
            item("follow_up" if row["kind"] == "CounsellingSessionRecorded"
                 else "family_follow_up", row, row["due_on"])
        open_plans = select(p.child_id).where(p.status != "closed")  # a closed plan: no work
        for row in self._select(select(m.child_code, m.school_id, m.review_on).where(
                m.responsible == actor.user_id, m.status.in_(("planned", "in_progress")),
                m.child_id.in_(open_plans), within(m.school_id, actor))):
            item("measure_review", row, row["review_on"])
        for row in self._select(select(p.child_code, p.school_id, p.review_on).where(
                p.owner == actor.user_id, p.status != "closed", within(p.school_id, actor))):
            item("plan_review", row, row["review_on"])
        approving = within(p.school_id, actor) if POLICY[actor.role].approves_plans else \
            p.school_id.in_(sorted({s for d in actor.standing_in for s in d.school_ids}))
        if POLICY[actor.role].approves_plans or actor.standing_in:  # or as a deputy
            for row in self._select(select(p.child_code, p.school_id, p.status, p.closing,
                                           p.updated_at).where(
                    (p.status == "draft") | (p.closing != ""), approving)):
                item("closure_approval" if row["closing"] else "plan_approval", row,
                     row["updated_at"])
        return items

    def my_work(self, actor: Actor) -> dict[str, list[dict[str, Any]]]:
        """The actor's items in three sections: overdue, due this week (to Sunday's end),
        and later."""
        now = self.app.clock.now()
        week_end = morning((now + timedelta(days=7 - now.weekday())).date(), hour=0)
        sections: dict[str, list[dict[str, Any]]] = {"overdue": [], "this_week": [], "later": []}
        with self.view.transaction(commit=False):  # one snapshot for every kind of task
            found = self.tasks(actor)
        for task in found:
            key = "overdue" if task["overdue"] else (
                "this_week" if task["due"] < week_end else "later")
            sections[key].append(task)
        return sections

    def _latest_sessions(self, child_ids: list[str]) -> dict[str, datetime]:
        """Per child, when the latest counselling session (here: the last one missed) was."""
        if not child_ids:
            return {}
        h = chronology.c
        return {r["child_id"]: r["at"] for r in self._select(
            select(h.child_id, func.max(h.occurred_at).label("at")).where(
                h.kind == "CounsellingSessionRecorded", h.status != "retracted",
                h.child_id.in_(child_ids)).group_by(h.child_id))}

    def _latest_labels(self, actor: Actor) -> dict[str, datetime]:
        """Per child, the latest degrading-label incident not retracted."""
        h = chronology.c
        latest: dict[str, datetime] = {}
        for row in self._select(select(h.child_id, h.occurred_at, h.fields).where(and_(
                h.kind == "PeerIncidentRecorded", h.status != "retracted",
                h.fields.like('%"stigmatising_label"%'), within(h.school_id, actor)))):
            if json.loads(row["fields"]).get("kind") == "stigmatising_label":
                latest[row["child_id"]] = max(latest.get(row["child_id"], row["occurred_at"]),
                                              row["occurred_at"])
        return latest


def morning(day: date | str, hour: int = 9) -> datetime:
    """A day's due moment (9 o'clock; the screens show it in the reader's time)."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return datetime.combine(day, time(hour), timezone.utc)


def _absence(rules: Any, rule_id: str) -> Any:
    try:
        return rules.by_id(rule_id).when
    except KeyError:
        return None
