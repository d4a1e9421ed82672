"""The engine's state per child and per stream: created as events come, let go when no
rule can need it any more (domain.rules.horizon)."""

from __future__ import annotations

import sys
from bisect import bisect_left
from dataclasses import replace
from datetime import datetime
from itertools import count
from typing import Any, Iterable

from domain.model import Child, Concern
from domain.rules.facts import ChildState, Decision, Fact, Rise
from domain.rules.horizon import Horizon
from domain.rules.withdrawal import Withdrawals

CHILD_EVENTS = (Child.ChildEnrolled, Child.ChildTransferred, Child.EnrolmentClosed, Child.Entry)
FINAL = (Child.EnrolmentClosed, Child.PersonalDataErased)  # nothing more comes for the child
DEDUPED = (*CHILD_EVENTS, Child.EntryRetracted, Child.EntryAmended, Child.PersonalDataErased)
CONCERN_DEADLINES = (Concern.ConcernOpened, Concern.ConcernReopened, Concern.ConcernLevelRaised)
CONCERN_ANSWERS = (Concern.ConcernAcknowledged, Concern.ConcernAssigned, Concern.ConcernSnoozed,
                   Concern.ConcernResolved)


def name(value: Any) -> Any:
    """A string from a small vocabulary (school ids, rule ids), kept once however often
    it comes."""
    return sys.intern(value) if type(value) is str else value


class Keeping:
    """The part of the engine that keeps (and lets go of) its state."""

    horizon: Horizon | None
    children: dict[str, ChildState]
    closed: set[str]
    versions: dict[str, int]
    deadlines: dict[str, datetime]
    latest: datetime | None
    withdrawals: Withdrawals
    _order: count
    _arrival: dict[str, int]  # child or concern id -> first-seen order
    _due: list[Any]
    rises: list[Rise]

    def _redelivered(self, event: Any) -> bool:
        """An event at or before the last one of its stream taken into account (the log
        gives each stream's events in order): only the last version is kept per stream."""
        if isinstance(event, DEDUPED):
            key = str(event.originator_id)
            if key in self.closed:
                return True
            child = self.children.get(key)
            if child is None:
                return False
            if event.originator_version <= child.version:
                return True
            child.version = event.originator_version
        elif isinstance(event, (*CONCERN_DEADLINES, *CONCERN_ANSWERS)):
            key = sys.intern(str(event.originator_id))  # shared with deadlines, due
            if event.originator_version <= self.versions.get(key, 0):
                return True
            self.versions[key] = event.originator_version
        return False

    def _child(self, event: Any) -> ChildState:
        key = str(event.originator_id)
        child = self.children.get(key)
        if child is None:
            child = self.children[key] = ChildState(key, version=event.originator_version)
            if key not in self._arrival:
                self._arrival[key] = next(self._order)
        child.school_id = name(event.school_id)
        return child

    def _prune(self, child: ChildState) -> None:
        """Let go of the child's facts no rule can need any more, or of the whole child
        once nothing more can come for it (domain.rules.horizon)."""
        if self.horizon is None or self.latest is None:
            return
        if child.closed and not child.timers:
            del self.children[child.child_id]
            self._arrival.pop(child.child_id, None)
            self.closed.add(child.child_id)
            self.withdrawals.forget(f.entry_id for f in child.facts)
        elif self.horizon.due(child, self.latest):
            self.withdrawals.forget(f.entry_id for f in self.horizon.prune(child, self.latest))

    def _close(self, child_id: str) -> None:
        child = self.children.get(child_id)
        if child is not None:
            child.closed = True
            self._prune(child)

    def kept(self) -> dict[str, int]:
        """How much the engine holds: children, facts, timers, decision keys, streams."""
        children = self.children.values()
        return {"children": len(self.children), "closed": len(self.closed),
                "facts": sum(len(c.facts) for c in children),
                "timers": sum(len(c.timers) for c in children),
                "keys": sum(len(c.raised) for c in children),
                "covered": sum(len(s) for c in children for s in c.covered.values()),
                "concerns": len(self.versions), "deadlines": len(self.deadlines),
                "due": len(self._due), "arrival": len(self._arrival),
                "withdrawable": self.withdrawals.size()}

    # --- the record ------------------------------------------------------------------------
    def _retract(self, child_id: str, entry_id: str) -> None:
        child = self.children.get(child_id)
        if child is not None:
            child.facts = [f for f in child.facts if f.entry_id != entry_id]
            child.timers = [t for t in child.timers if t.anchor.entry_id != entry_id]

    def take_rises(self) -> list[Rise]:
        """The concerns overdue since the last call, for the runner to raise in place."""
        found, self.rises = self.rises, []
        return found

    def _new(self, decisions: Iterable[Decision]) -> list[Decision]:
        fresh = []
        for decision in decisions:
            raised = self.children[decision.child_id].raised
            key = decision.key.replace(decision.child_id, "", 1)  # it is the child's own
            if key not in raised:
                raised[key] = decision.triggering
                fresh.append(decision)
        return fresh

    def _settle(self, horizon: Horizon, child: ChildState, fact: Fact,
                decisions: list[Decision]) -> None:
        """Of an entry just decided, keep what a rule may still read: a fact no rule reads
        again and no event rule raised on (an amendment may take that back) is let go at
        once; the free text is kept only when a rule on words raised on it."""
        on_it = [d.rule.when for d in decisions if fact.entry_id in d.triggering]
        keep = horizon.read_later(fact) or any(w.kind == "event" for w in on_it)
        if keep and not (fact.text and not any(w.words for w in on_it)):
            return
        at = bisect_left(child.facts, fact)
        while child.facts[at] is not fact:
            at += 1
        if keep:
            child.facts[at] = replace(fact, text="")
        else:
            del child.facts[at]
