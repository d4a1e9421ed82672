"""What the rules work on: the facts of a child's entries, the state kept per child, and
the decisions that come out."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from domain.model import Child
from domain.rules.loader import Rule
from domain.rules.words import Negation, unnegated
from domain.vocabulary import LATE_AFTER


@dataclass(frozen=True, order=True, slots=True)  # kept per child: as small as it can be
class Fact:
    """What the rules need of one chronology entry."""

    occurred_at: datetime
    entry_id: str
    type: str = ""
    kind: str = ""
    severity: int = 0
    positive: bool = False
    attendance: str = ""
    wellbeing: tuple[tuple[str, int], ...] = ()
    text: str = ""  # kept only while a rule on words may need it (Keeping._settle)
    label_about: str = ""


@dataclass(frozen=True)
class Decision:
    key: str
    rule: Rule
    child_id: str
    child_code: str
    school_id: str
    level: str
    triggering: tuple[str, ...]
    values: dict[str, Any]
    due_at: datetime  # when the rule would have fired, had everything been recorded on time
    detected_at: datetime

    @property
    def late(self) -> bool:
        return self.detected_at - self.due_at > LATE_AFTER

    @property
    def detection_delay(self) -> timedelta:
        return max(timedelta(0), self.detected_at - self.due_at)

    def reason(self, language: str = "en") -> str:
        return self.rule.reason(self.values, language)


@dataclass
class Timer:
    rule: Rule
    anchor: Fact
    due_at: datetime


@dataclass(slots=True)
class ChildState:
    child_id: str
    code: str = ""
    school_id: str = ""
    birth_year: int | None = None
    facts: list[Fact] = field(default_factory=list)  # sorted by occurred_at
    # rule id -> entries raised on (a tuple: a set of a few strings is twice as large)
    covered: dict[str, tuple[str, ...]] = field(default_factory=dict)
    timers: list[Timer] = field(default_factory=list)
    version: int = 0  # the child's last event taken into account (a redelivery is older)
    raised: dict[str, tuple[str, ...]] = field(default_factory=dict)  # decision key -> entries
    # Facts that occurred before this moment were let go (domain.rules.horizon): None while
    # the child's whole history is kept.
    horizon: datetime | None = None
    next_prune: datetime | None = None
    closed: bool = False  # enrolment closed or personal data erased: nothing more comes

    def age_at(self, moment: datetime) -> int | None:
        return None if self.birth_year is None else moment.year - self.birth_year


@dataclass(frozen=True)
class Rise:
    """A concern nobody acknowledged by its deadline: it rises in place, with a new one."""

    concern_id: str
    acknowledge_by: datetime
    rule_id: str


def matched(rule: Rule, fact: Fact, negation: Negation) -> dict[str, Any] | None:
    """What made an event condition hold, for "why?": {"severity": n} when the severity
    reached the rule's minimum, {"words": [...]} for the words found and not negated, both,
    or {} when the kind of entry is enough. None when the condition does not hold."""
    when = rule.when
    if fact.type not in when.events or (when.kinds and fact.kind not in when.kinds):
        return None
    if when.min_severity is None and not when.words:
        return {}
    found: dict[str, Any] = {}
    if when.min_severity is not None and fact.severity >= when.min_severity:
        found["severity"] = fact.severity
    if when.words:
        words = unnegated(fact.text, when.words, negation)
        if words:
            found["words"] = words
    return found or None


def counts_in_window(rule: Rule, fact: Fact) -> bool:
    return fact.type in rule.when.events and not (rule.when.negative_only and fact.positive)


_SHARED: dict[Any, Any] = {}  # equal wellbeing scores, kept once for every fact


def shared(value: Any) -> Any:
    if len(_SHARED) > 100_000:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)


def fact_of(event: Any) -> Fact | None:
    """The rule-relevant content of a child's event (None for events rules ignore)."""
    fact = _fact_of(event)
    if fact is None:
        return None
    # Kept per child: the words of a small vocabulary once for every fact.
    return replace(fact, type=sys.intern(fact.type), kind=sys.intern(fact.kind),
                   attendance=sys.intern(fact.attendance), wellbeing=shared(fact.wellbeing),
                   label_about=sys.intern(fact.label_about))


def _fact_of(event: Any) -> Fact | None:
    common = {"occurred_at": event.occurred_at, "type": type(event).__name__}
    if isinstance(event, Child.ChildEnrolled):
        return Fact(entry_id=f"{event.originator_id}:{event.originator_version}", **common)
    if isinstance(event, (Child.ConflictRecorded, Child.PeerIncidentRecorded)):
        return Fact(entry_id=event.entry_id, kind=event.kind, severity=event.severity or 0,
                    positive=bool(getattr(event, "positive", False)),
                    text=f"{event.description}\x1f{event.action_taken}",  # description, action
                    label_about=getattr(event, "label_about", None) or "", **common)
    if isinstance(event, Child.FamilyContactRecorded):  # kind: the outcome, and who refused
        refused = f"refused_by_{event.refused_by}" if event.outcome == "refused" else ""
        return Fact(entry_id=event.entry_id, kind=refused or event.outcome,
                    text=event.summary or "", **common)
    if isinstance(event, Child.CounsellingSessionRecorded):
        return Fact(entry_id=event.entry_id, attendance=event.attendance,
                    wellbeing=tuple(sorted((k, v) for k, v in (event.wellbeing or {}).items()
                                           if v is not None)), **common)
    return None
