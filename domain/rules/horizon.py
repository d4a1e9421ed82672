"""What the engine keeps of each child, and for how long: its horizon.

The engine's memory grows with the children, not with the log. Of each child it keeps:

- every fact that occurred within `late_within` + the longest window of the rules
  (computed from the rules file) before the latest moment the engine has seen;
- every fact from the oldest anchor of the child's open timers on (absence rules and
  missed sessions waiting for a session);
- for the wellbeing-drop rules, the last session before that which assessed each area
  (the "before" of the next session, however long ago it was);
- for the consecutive rules, the run of such sessions just before that (e.g. the missed
  sessions in a row), and the session that ended the run before it;
- the keys of decisions while any of their entries is kept (so nothing is raised twice),
  and what a withdrawal needs: a signal's entries that are still in the record.

Of an entry, only what a rule may read again is kept, and only for as long: an entry no
rule reads after it came (e.g. a positive incident, which no window counts) and that no
event rule raised on is let go as soon as it is decided; its free text only while a rule
on words raised on it (an amendment may take the signal back). An escalation in the log
that this engine did not decide (raised under another rules file) cannot be taken back by
a correction of such an entry.

A child whose enrolment is closed (or whose personal data was erased) and who has no
open timer is let go entirely; nothing more can be recorded about it.

The rule for late entries and corrections: an entry that occurred within `late_within`
before the latest moment seen (30 days by default), and a correction of an entry still
kept, are decided exactly as if the whole history were kept. An entry that occurred
before what is kept of its child is decided by the rules that look at it alone (event
rules), and by the others only where everything they compare it with is still kept (a
window rule needs its whole window); a correction of an entry no longer kept changes
nothing the engine decided. Until the engine first lets something of a child go, that
child's whole history is there, so a child enrolled with a backdated enrolment is
decided in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.rules.facts import ChildState, Fact
from domain.rules.loader import Condition, Rule, RuleSet

LATE_WITHIN = timedelta(days=30)
PRUNE_EVERY = timedelta(days=7)  # a child's facts are looked over at most this often
ONCE = ("event", "unacknowledged")  # rules that look at an entry only when it comes


def longest_window(rules: RuleSet) -> timedelta:
    return timedelta(days=max((r.when.days for r in rules if r.when.kind == "window"),
                              default=0))


@dataclass(frozen=True)
class Horizon:
    late_within: timedelta
    window: timedelta
    drop_indicators: tuple[str, ...]
    consecutive: tuple[Condition, ...]
    later: tuple[Condition, ...] = ()  # the rules that read a child's facts again

    @classmethod
    def of(cls, rules: RuleSet, late_within: timedelta = LATE_WITHIN) -> Horizon:
        indicators = {i for r in rules if r.when.kind == "drop" for i in r.when.indicators}
        return cls(late_within, longest_window(rules), tuple(sorted(indicators)),
                   tuple(r.when for r in rules if r.when.kind == "consecutive"),
                   tuple(r.when for r in rules if r.when.kind not in ONCE))

    def read_later(self, fact: Fact) -> bool:
        """Whether a rule may read the fact again once it is decided: counted in a window,
        compared by a drop or a run, expected by an absence or its anchor. Asked when the
        fact comes: an amendment changes neither what a window counts nor what a drop or
        a run compares, and makes no anchor (timers are set when an entry comes)."""
        for when in self.later:
            if when.kind == "window":
                found = fact.type in when.events and not (when.negative_only and fact.positive)
            elif when.kind == "drop":
                found = bool(fact.wellbeing)
            elif when.kind == "absence":  # its anchor, when it is one: a retraction
                found = fact.type in when.expect or (  # may take back what it raised
                    fact.type in when.after and (not when.after_kinds
                                                 or fact.kind in when.after_kinds))
            elif when.kind == "consecutive":
                found = fact.type in (*when.events, *when.expect)
            else:
                found = True  # a kind of rule not known here: keep everything
            if found:
                return True
        return False

    def in_reach(self, rule: Rule, child: ChildState, fact: Fact) -> bool:
        """Whether everything the rule compares the fact with is still kept."""
        if child.horizon is None or rule.when.kind in ONCE:
            return True
        need = timedelta(days=rule.when.days) if rule.when.kind == "window" else timedelta(0)
        return fact.occurred_at - need >= child.horizon

    def due(self, child: ChildState, latest: datetime) -> bool:
        return child.next_prune is None or latest >= child.next_prune

    def prune(self, child: ChildState, latest: datetime) -> list[Fact]:
        """Let go of what no rule can need any more; returns the facts let go."""
        child.next_prune = latest + PRUNE_EVERY
        cutoff = min([latest - self.late_within - self.window,
                      *(t.anchor.occurred_at for t in child.timers)])
        split = 0
        while split < len(child.facts) and child.facts[split].occurred_at < cutoff:
            split += 1
        old = child.facts[:split]
        kept = self.still_needed(old)
        if len(kept) == len(old):
            return []
        gone = [f for f in old if id(f) not in kept]
        child.facts = [f for f in old if id(f) in kept] + child.facts[split:]
        child.horizon = cutoff if child.horizon is None else max(child.horizon, cutoff)
        ids = {f.entry_id for f in child.facts}
        child.covered = {rule_id: tuple(e for e in covered if e in ids)
                         for rule_id, covered in child.covered.items()
                         if not ids.isdisjoint(covered)}
        child.raised = {key: entries for key, entries in child.raised.items()
                        if not ids.isdisjoint(entries)}
        return gone

    def still_needed(self, old: list[Fact]) -> set[int]:
        """Of the facts before the cutoff: the last session per assessed area, and the
        run of consecutive sessions before the cutoff with the session before it."""
        kept: set[int] = set()
        for indicator in self.drop_indicators:
            for fact in reversed(old):
                if fact.wellbeing and indicator in dict(fact.wellbeing):
                    kept.add(id(fact))
                    break
        for when in self.consecutive:
            for fact in reversed(old):
                if fact.type not in when.events or fact.attendance == "cancelled":
                    continue
                kept.add(id(fact))
                if fact.attendance != when.attendance:
                    break  # what ended the run
        return kept
