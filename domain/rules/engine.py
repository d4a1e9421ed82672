"""The rule engine: facts in, decisions out. Pure: no I/O, the time is passed in.

`observe(event, now)` takes each event of the log in order and returns the
decisions it causes; `tick(now)` returns decisions that are due because time has
passed (something expected did not happen, a deadline went by). Every decision
has a deterministic key, so the process that records them can raise each one
exactly once, and replaying history raises nothing twice. An entry recorded late
that would have triggered a rule earlier gives a decision marked late, with the
delay between when it would have fired and when it was detected.

Its memory grows with the children, not the log (domain.rules.horizon); with
`late_within=None` it keeps every child's whole history (the reference for tests).
"""

from __future__ import annotations

import heapq
import sys
from bisect import insort
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from domain.model import Child, Escalation
from domain.rules.facts import (
    ChildState,
    Decision,
    Fact,
    Rise,
    Timer,
    counts_in_window,
    fact_of,
    matched,
)
from domain.rules.horizon import LATE_WITHIN, Horizon
from domain.rules.keeping import (
    CHILD_EVENTS,
    CONCERN_ANSWERS,
    CONCERN_DEADLINES,
    FINAL,
    Keeping,
    name,
)
from domain.rules.loader import Rule, RuleSet
from domain.rules.withdrawal import Withdrawals


class Engine(Keeping):
    def __init__(self, rules: RuleSet, late_within: timedelta | None = LATE_WITHIN) -> None:
        self.rules = rules
        self.horizon = None if late_within is None else Horizon.of(rules, late_within)
        self.children: dict[str, ChildState] = {}
        self.closed: set[str] = set()  # children let go: nothing more comes for them
        self.deadlines: dict[str, datetime] = {}  # open concern -> acknowledge by
        self.versions: dict[str, int] = {}  # concern -> its last event taken into account
        self.latest: datetime | None = None  # the latest moment seen
        # What falls due when: (moment, tie-breaker, "child" | "concern", id). A tick
        # looks only at what is due, not at every child (it ran per event: O(children)).
        self._due: list[tuple[datetime, int, str, str]] = []
        self._sequence = count()
        self._order = count()
        self._arrival: dict[str, int] = {}  # first-seen order: ticks decide in that order
        self.withdrawals = Withdrawals(rules)  # what corrected entries take back
        self.rises: list[Rise] = []  # concerns overdue, to raise in place

    def _wake(self, moment: datetime, kind: str, key: str) -> None:
        heapq.heappush(self._due, (moment, next(self._sequence), kind, key))
        if key not in self._arrival:  # child and concern ids are distinct uuids
            self._arrival[key] = next(self._order)

    # --- input ------------------------------------------------------------------------
    def observe(self, event: Any, now: datetime) -> list[Decision]:
        if self._redelivered(event):
            return []  # a redelivery or a replay: already taken into account
        self.latest = now if self.latest is None else max(self.latest, now)
        if isinstance(event, Escalation.EscalationRaised):
            if str(event.child_id) not in self.closed:
                self.withdrawals.raised(event, self.children.get(str(event.child_id)))
            return []
        if isinstance(event, CONCERN_DEADLINES):
            concern = sys.intern(str(event.originator_id))  # one string for every use
            self.deadlines[concern] = event.acknowledge_by
            self._wake(event.acknowledge_by, "concern", concern)
            return []
        if isinstance(event, CONCERN_ANSWERS):
            self.deadlines.pop(str(event.originator_id), None)
            return []
        if isinstance(event, Child.EntryRetracted):
            self._retract(str(event.originator_id), event.retracts)
            self.withdrawals.retracted(self.children.get(str(event.originator_id)),
                                       event.retracts)
            return []
        if isinstance(event, Child.EntryAmended):
            child = self.children.get(str(event.originator_id))
            if child is not None:
                self.withdrawals.amended(child, event.amends, dict(event.changes or {}))
            return []
        if isinstance(event, FINAL):  # nothing more comes for the child
            if isinstance(event, CHILD_EVENTS):
                self._child(event)
            self._close(str(event.originator_id))
            return []
        if not isinstance(event, CHILD_EVENTS):
            return []
        child = self._child(event)
        if isinstance(event, Child.ChildEnrolled):
            child.code, child.birth_year = event.code, event.birth_year
        if isinstance(event, Child.ChildTransferred):
            child.school_id = name(event.to_school_id)
            return []
        fact = fact_of(event)
        if fact is None:
            return []
        insort(child.facts, fact)
        decisions = []
        for rule in self.rules:
            if self.horizon is None or self.horizon.in_reach(rule, child, fact):
                decisions += self._evaluate(rule, child, fact, now)
        if self.horizon is not None:
            self._settle(self.horizon, child, fact, decisions)
        fresh = self._new(decisions)
        self._prune(child)
        return fresh

    def tick(self, now: datetime) -> list[Decision]:
        """Decisions due because time passed: absences and missed deadlines."""
        decisions: list[Decision] = []
        due: dict[str, set[str]] = {"child": set(), "concern": set()}
        while self._due and self._due[0][0] <= now:
            _, _, kind, key = heapq.heappop(self._due)
            due[kind].add(key)

        def arrival(key: str) -> int:
            return self._arrival.get(key, -1)  # -1: let go

        self.latest = now if self.latest is None else max(self.latest, now)
        for key in sorted(due["child"], key=arrival):
            if key in self.children:
                decisions += self.tick_child(self.children[key], now)
        fresh = self._new(decisions)
        for key in due["child"]:
            if key in self.children:
                self._prune(self.children[key])
        unacknowledged = [r for r in self.rules if r.when.kind == "unacknowledged"]
        for key in sorted(due["concern"], key=arrival):
            deadline = self.deadlines.get(key)
            if deadline is None or deadline > now or not unacknowledged:
                continue
            # Not an escalation about an escalation: the same concern rises in place (the
            # concern decides how far); its recorded rise sets the next deadline here.
            del self.deadlines[key]
            rule = unacknowledged[0]
            self.rises.append(Rise(key, now + rule.acknowledge_within, rule.id))
        return fresh

    # --- rules ------------------------------------------------------------------------
    def _evaluate(self, rule: Rule, child: ChildState, fact: Fact, now: datetime) -> list[Decision]:
        kind = rule.when.kind
        if kind == "event":
            return self._event(rule, child, fact, now)
        if kind == "window":
            return self._window(rule, child, fact, now)
        if kind == "drop":
            return self._drop(rule, child, fact, now)
        if kind == "absence":
            return self._absence(rule, child, fact, now)
        if kind == "consecutive":
            return self._consecutive(rule, child, fact, now)
        return []

    def _event(self, rule: Rule, child: ChildState, fact: Fact, now: datetime) -> list[Decision]:
        found = matched(rule, fact, self.rules.negation)
        if found is None:
            return []
        return [self._decision(rule, child, (fact.entry_id,),
                               {"severity": fact.severity, "label_about": fact.label_about or "-",
                                "matched": found}, fact.occurred_at, now)]

    def _window(self, rule: Rule, child: ChildState, fact: Fact, now: datetime) -> list[Decision]:
        if not counts_in_window(rule, fact):
            return []
        days = timedelta(days=rule.when.days)
        relevant = [f for f in child.facts if counts_in_window(rule, f)]
        covered = set(child.covered.get(rule.id, ()))
        # Every window that contains the new fact: those ending at it or after it.
        for end in sorted({f.occurred_at for f in relevant
                           if fact.occurred_at <= f.occurred_at < fact.occurred_at + days}):
            inside = [f for f in relevant if end - days < f.occurred_at <= end]
            needed = rule.when.threshold_for(child.age_at(end))
            if len(inside) >= needed and not covered & {f.entry_id for f in inside}:
                child.covered[rule.id] = (*child.covered.get(rule.id, ()),
                                          *(f.entry_id for f in inside))
                return [self._decision(rule, child, tuple(f.entry_id for f in inside),
                                       {"count": len(inside), "days": rule.when.days}, end, now)]
        return []

    def _drop(self, rule: Rule, child: ChildState, fact: Fact, now: datetime) -> list[Decision]:
        """A drop between two assessed values of an indicator: this session and the one
        before (or after) that assessed the same area; an area not assessed is skipped."""
        if not fact.wellbeing:
            return []
        found = []
        for order, indicator in enumerate(rule.when.indicators):
            if indicator not in dict(fact.wellbeing):
                continue
            sessions = [f for f in child.facts if indicator in dict(f.wellbeing)]
            position = sessions.index(fact)
            pairs = []
            if position > 0:
                pairs.append((0, sessions[position - 1], fact))
            if position + 1 < len(sessions):
                pairs.append((1, fact, sessions[position + 1]))
            for side, before, after in pairs:
                old, new = dict(before.wellbeing)[indicator], dict(after.wellbeing)[indicator]
                if old - new >= rule.when.by:
                    found.append(((side, order), self._decision(
                        rule, child, (before.entry_id, after.entry_id),
                        {"indicator": indicator.replace("_", " "), "before": old,
                         "after": new}, after.occurred_at, now,
                        key=f"{rule.id}:{child.child_id}:{after.entry_id}:{indicator}")))
        return [decision for _, decision in sorted(found, key=lambda pair: pair[0])]

    def _absence(self, rule: Rule, child: ChildState, fact: Fact, now: datetime) -> list[Decision]:
        when = rule.when
        if fact.type in when.after and (not when.after_kinds or fact.kind in when.after_kinds):
            days = when.days + when.task_days  # past the task's own deadline, a signal
            if when.school_days:
                due = self.rules.calendar.add_school_days(fact.occurred_at, days)
            else:
                due = fact.occurred_at + timedelta(days=days)
            child.timers.append(Timer(rule, fact, due))
            self._wake(due, "child", child.child_id)
            return self.tick_child(child, now)
        return []

    def tick_child(self, child: ChildState, now: datetime) -> list[Decision]:
        """The child's timers that are due by `now`: what was expected, did it happen?"""
        decisions = []
        for timer in list(child.timers):
            if timer.due_at <= now:
                child.timers.remove(timer)
                if not self._satisfied(timer, child):
                    decisions.append(self._decision(
                        timer.rule, child, (timer.anchor.entry_id,),
                        {"days": timer.rule.when.days, "count": timer.rule.when.count},
                        timer.due_at, now,
                        key=f"{timer.rule.id}:{child.child_id}:{timer.anchor.entry_id}"))
        return decisions

    def _satisfied(self, timer: Timer, child: ChildState) -> bool:
        when = timer.rule.when
        return any(f.type in when.expect
                   and (not when.expect_attendance or f.attendance in when.expect_attendance)
                   and timer.anchor.occurred_at <= f.occurred_at <= timer.due_at
                   for f in child.facts)

    def _consecutive(self, rule: Rule, child: ChildState, fact: Fact,
                     now: datetime) -> list[Decision]:
        when = rule.when
        if fact.type not in when.events or fact.attendance != when.attendance:
            return []
        runs = [f for f in child.facts if f.type in when.events and f.attendance != "cancelled"]
        position = runs.index(fact)
        start = position
        while start > 0 and runs[start - 1].attendance == when.attendance:
            start -= 1
        end = position
        while end + 1 < len(runs) and runs[end + 1].attendance == when.attendance:
            end += 1
        run = runs[start:end + 1]
        if len(run) < when.count:
            return []
        first = run[:when.count]
        if when.task_days:  # a task first: the signal only if nothing was attended since
            due = first[-1].occurred_at + timedelta(days=when.task_days)
            child.timers.append(Timer(rule, first[0], due))
            self._wake(due, "child", child.child_id)
            return self.tick_child(child, now)
        return [self._decision(rule, child, tuple(f.entry_id for f in first),
                               {"count": when.count}, first[-1].occurred_at, now,
                               key=f"{rule.id}:{child.child_id}:{first[0].entry_id}")]

    def _decision(self, rule: Rule, child: ChildState, triggering: tuple[str, ...],
                  values: dict[str, Any], due_at: datetime, now: datetime,
                  key: str | None = None) -> Decision:
        return Decision(key or f"{rule.id}:{child.child_id}:{triggering[0]}", rule,
                        child.child_id, child.code, child.school_id, rule.level, triggering,
                        values, due_at, max(now, due_at))
