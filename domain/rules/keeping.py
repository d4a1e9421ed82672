"""The engine's state per child and per stream: created as events come, let go when no
rule can need it any more (domain.rules.horizon)."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

from domain.model import Child, Concern
from domain.rules.facts import ChildState
from domain.rules.horizon import Horizon
from domain.rules.withdrawal import Withdrawals

CHILD_EVENTS = (Child.ChildEnrolled, Child.ChildTransferred, Child.EnrolmentClosed, Child.Entry)
FINAL = (Child.EnrolmentClosed, Child.PersonalDataErased)  # nothing more comes for the child
DEDUPED = (*CHILD_EVENTS, Child.EntryRetracted, Child.EntryAmended, Child.PersonalDataErased)
CONCERN_DEADLINES = (Concern.ConcernOpened, Concern.ConcernReopened, Concern.ConcernLevelRaised)
CONCERN_ANSWERS = (Concern.ConcernAcknowledged, Concern.ConcernAssigned, Concern.ConcernSnoozed,
                   Concern.ConcernResolved)


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
    _arrival: dict[str, int]
    _due: list[Any]

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
            key = str(event.originator_id)
            if event.originator_version <= self.versions.get(key, 0):
                return True
            self.versions[key] = event.originator_version
        return False

    def _child(self, event: Any) -> ChildState:
        key = str(event.originator_id)
        child = self.children.get(key)
        if child is None:
            child = self.children[key] = ChildState(key, version=event.originator_version)
            if f"child:{key}" not in self._arrival:
                self._arrival[f"child:{key}"] = next(self._order)
        child.school_id = event.school_id
        return child

    def _prune(self, child: ChildState) -> None:
        """Let go of the child's facts no rule can need any more, or of the whole child
        once nothing more can come for it (domain.rules.horizon)."""
        if self.horizon is None or self.latest is None:
            return
        if child.closed and not child.timers:
            del self.children[child.child_id]
            self._arrival.pop(f"child:{child.child_id}", None)
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
