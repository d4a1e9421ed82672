"""Escalations follow the record: when the entry a rule fired on is retracted, or amended so
that the rule no longer holds, what it raised is withdrawn (the engine's runner records
`EscalationWithdrawn`). A window rule keeps its escalation while enough of its entries
remain."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Iterable
from uuid import UUID

from domain.rules.facts import ChildState, Fact, matched
from domain.rules.loader import RuleSet

KEEP = ("manual", "unacknowledged")  # raised by a person, or about an escalation
SEPARATOR = "\x1f"  # between an entry's description and its action in a fact's text


@dataclass(frozen=True)
class Withdrawal:
    escalation_id: str
    why: str  # entry_retracted | entry_amended
    entry_id: str


@dataclass(slots=True)  # one per signal, kept while the engine keeps one of its entries
class Raised:
    escalation: bytes | str  # the escalation's id: its 16 bytes
    rule_id: str
    due_at: datetime | None  # what a window rule's threshold depends on (the age then)
    left: list[str] = field(default_factory=list)  # its entries still in the record

    @property
    def escalation_id(self) -> str:
        return self.escalation if isinstance(self.escalation, str) \
            else str(UUID(bytes=self.escalation))


class Withdrawals:
    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.on: dict[str, tuple[Raised, ...]] = {}  # entry id -> what was raised on it
        self.pending: list[Withdrawal] = []

    def raised(self, event: Any, child: ChildState | None = None) -> None:
        """Remember what a signal was raised on; only the entries still in the child's
        record can be corrected (and they are what a window rule counts)."""
        if event.rule_id in KEEP:
            return
        escalation = event.originator_id
        escalation = escalation.bytes if isinstance(escalation, UUID) else str(escalation)
        if any(r.escalation == escalation for e in event.triggering_entries
               for r in self.on.get(e, ())):
            return  # a redelivery
        # The entry ids as the child's facts hold them: each string kept once.
        present = None if child is None else {f.entry_id: f.entry_id for f in child.facts}
        left = list(tuple(e if present is None else present[e]  # a list of its size
                          for e in dict.fromkeys(event.triggering_entries)
                          if present is None or e in present))
        try:
            window = self.rules.by_id(event.rule_id).when.kind == "window"
        except KeyError:
            window = True
        raised = Raised(escalation, sys.intern(event.rule_id),
                        event.due_at if window else None, left)
        for entry in left:
            self.on[entry] = (*self.on.get(entry, ()), raised)

    def forget(self, entry_ids: Iterable[str]) -> None:
        """Entries the engine no longer keeps: a correction of them changes nothing."""
        for entry_id in entry_ids:
            self.on.pop(entry_id, None)

    def size(self) -> int:
        return len(self.on)

    def take(self) -> list[Withdrawal]:
        found, self.pending = self.pending, []
        return found

    def retracted(self, child: ChildState | None, entry_id: str) -> None:
        for raised in self.on.pop(entry_id, ()):
            if entry_id in raised.left:
                raised.left.remove(entry_id)
            try:
                rule = self.rules.by_id(raised.rule_id)
            except KeyError:
                continue  # a rule no longer in the file: left to people
            if rule.when.kind == "window" and child is not None and raised.due_at:
                if len(raised.left) >= rule.when.threshold_for(child.age_at(raised.due_at)):
                    continue
            self.pending.append(Withdrawal(raised.escalation_id, "entry_retracted", entry_id))

    def amended(self, child: ChildState, entry_id: str, changes: dict[str, Any]) -> None:
        """Apply an amendment to the child's fact; withdraw what one entry raised when the
        rule no longer holds for it."""
        old = next((f for f in child.facts if f.entry_id == entry_id), None)
        if old is None:
            return
        new = amended_fact(old, changes)
        child.facts = sorted([new if f is old else f for f in child.facts])
        for raised in self.on.get(entry_id, ()):
            try:
                rule = self.rules.by_id(raised.rule_id)
            except KeyError:
                continue
            if rule.when.kind == "event" and matched(rule, new, self.rules.negation) is None:
                self.pending.append(Withdrawal(raised.escalation_id, "entry_amended", entry_id))


def amended_fact(fact: Fact, changes: dict[str, Any]) -> Fact:
    description, _, action = fact.text.partition(SEPARATOR)
    values: dict[str, Any] = {}
    if "description" in changes or "action_taken" in changes:
        values["text"] = text_of(changes.get("description", description),
                                 changes.get("action_taken", action))
    if isinstance(changes.get("severity"), int):
        values["severity"] = changes["severity"]
    if isinstance(changes.get("kind"), str):
        values["kind"] = changes["kind"]
    if isinstance(changes.get("occurred_at"), datetime):
        values["occurred_at"] = changes["occurred_at"]
    if fact.type == "FamilyContactRecorded" and ("outcome" in changes or "refused_by" in changes):
        was_refused = fact.kind.startswith("refused_by_")
        outcome = changes.get("outcome", "refused" if was_refused else fact.kind)
        by = changes.get("refused_by", fact.kind[len("refused_by_"):] if was_refused else "")
        values["kind"] = f"refused_by_{by}" if outcome == "refused" and by else outcome
    if fact.type == "FamilyContactRecorded" and "summary" in changes:
        values["text"] = changes["summary"] or ""
    return replace(fact, **values)


def text_of(description: str, action_taken: str) -> str:
    return f"{description or ''}{SEPARATOR}{action_taken or ''}"
