"""A concern: what a supervisor handles about one child, grouping the rules' signals.

A rule firing is a signal (an `Escalation` in the store, whose pre-concern lifecycle
events still load). Signals attach to the child's one concern stream, which opens,
is acknowledged, assigned, snoozed and resolved, and reopens when a signal follows
its resolution within `REOPEN_WITHIN`; later, a new episode opens on the same stream.
One stream per child makes "at most one open concern per child" hold by construction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid5

from domain.aggregate import KOPIR_NAMESPACE, KopirAggregate, Stamp
from domain.errors import ConcernStateError
from domain.vocabulary import LEVELS

REOPEN_WITHIN = timedelta(days=7)  # a signal this soon after resolution reopens it
SNOOZE_AT_MOST = timedelta(days=7)
RISE_CAP = 3  # missed deadlines that raise a concern (and tell someone) per episode
NEXT_UP = 1  # the tier told once nobody acknowledged in time: the region's coordinator


def concern_id(child_id: str) -> UUID:
    """The concern stream of a child (one per child, whatever the episode)."""
    return uuid5(KOPIR_NAMESPACE, f"concern:{child_id}")


def higher(a: str, b: str) -> str:
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


class Concern(KopirAggregate):
    """The child's concern: its episode, status, level and open signals."""

    def __init__(self) -> None:
        self.child_id = ""
        self.child_code = ""
        self.school_id = ""
        self.episode = 0
        self.status = "none"  # none | open | acknowledged | assigned | snoozed | resolved
        self.level = LEVELS[0]
        self.signals: dict[str, str] = {}  # open signal id -> its level
        self.acknowledge_by: datetime | None = None
        self.resolved_at: datetime | None = None
        self.assignee = ""
        self.rises = 0
        self.tier = 0
        self.calls = 0  # how many times it has asked for a look (opened, reopened, higher)

    class ConcernStarted(KopirAggregate.Created):
        """The stream of a child's concerns begins (with its first episode's opening)."""

        child_id: str
        child_code: str

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            aggregate.child_id, aggregate.child_code = self.child_id, self.child_code
            aggregate.school_id = self.school_id

    class ConcernOpened(KopirAggregate.Event):
        child_id: str
        child_code: str
        episode: int
        level: str
        acknowledge_by: datetime

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            aggregate.episode, aggregate.status = self.episode, "open"
            aggregate.level, aggregate.acknowledge_by = self.level, self.acknowledge_by
            aggregate.signals, aggregate.assignee = {}, ""
            aggregate.rises, aggregate.tier = 0, 0
            aggregate.calls += 1

    class ConcernReopened(KopirAggregate.Event):
        """A signal came within REOPEN_WITHIN of the resolution: the same episode again."""

        level: str
        acknowledge_by: datetime

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            aggregate.status, aggregate.level = "open", self.level
            aggregate.acknowledge_by, aggregate.signals = self.acknowledge_by, {}
            aggregate.rises, aggregate.tier = 0, 0
            aggregate.calls += 1

    class SignalAttached(KopirAggregate.Event):
        """A rule fired: the signal joins the open concern (silently, unless higher)."""

        signal_id: str
        level: str
        rule_id: str
        triggering_entries: list[str]

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            if not aggregate.signals:  # after every signal was withdrawn: its own level
                aggregate.level = self.level
            aggregate.signals[self.signal_id] = self.level
            aggregate.school_id = self.school_id  # where the child is now

    class SignalWithdrawn(KopirAggregate.Event):
        """Its entry was retracted or amended away; `level` is what the others leave."""

        signal_id: str
        why: str
        level: str

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            aggregate.signals.pop(self.signal_id, None)
            aggregate.level = self.level

    class ConcernLevelRaised(KopirAggregate.Event):
        """A higher signal came (cause "signal"), or nobody acknowledged by the deadline
        (cause "deadline": the next person up is told). Never a new concern."""

        level: str
        acknowledge_by: datetime
        cause: str
        tier: int

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            aggregate.level, aggregate.acknowledge_by = self.level, self.acknowledge_by
            aggregate.tier = self.tier
            if self.cause == "deadline":
                aggregate.rises += 1
            else:  # a higher signal needs a look again, whatever was decided before
                aggregate.status = "open"
                aggregate.calls += 1

    class ConcernAcknowledged(KopirAggregate.Event):
        note: str
        acting_for: str = ""  # the supervisor a deputy stands in for (older events: none)

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            aggregate.status = "acknowledged"

    class ConcernAssigned(KopirAggregate.Event):
        assignee: str
        note: str
        acting_for: str = ""

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            aggregate.status, aggregate.assignee = "assigned", self.assignee

    class ConcernSnoozed(KopirAggregate.Event):
        reason: str
        until: datetime
        acting_for: str = ""

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            aggregate.status = "snoozed"
            aggregate.acknowledge_by = self.until

    class ConcernResolved(KopirAggregate.Event):
        outcome: str
        rationale: str
        acting_for: str = ""

        def apply(self, aggregate: Concern) -> None:  # type: ignore[override]
            aggregate.status, aggregate.signals = "resolved", {}
            aggregate.resolved_at = self.timestamp

    # --- decisions ---------------------------------------------------------------------
    @classmethod
    def start(cls, child_id: str, child_code: str, stamp: Stamp) -> Concern:
        return cls._create(cls.ConcernStarted, id=concern_id(child_id), child_id=child_id,
                           child_code=child_code, **stamp.fields())

    @property
    def is_open(self) -> bool:
        return self.status not in ("none", "resolved")

    def signal(self, signal_id: str, level: str, rule_id: str, triggering: list[str],
               acknowledge_by: datetime, stamp: Stamp) -> None:
        """Attach a signal: open, reopen or add to the concern; raise its level when higher.
        A signal attached already (a decision taken again) changes nothing."""
        if signal_id in self.signals:
            return
        if not self.is_open:
            recent = self.resolved_at is not None and \
                stamp.occurred_at - self.resolved_at <= REOPEN_WITHIN
            if recent:
                self.trigger_event(self.ConcernReopened, level=level,
                                   acknowledge_by=acknowledge_by, **stamp.fields())
            else:
                self.trigger_event(self.ConcernOpened, child_id=self.child_id,
                                   child_code=self.child_code, episode=self.episode + 1, level=level,
                                   acknowledge_by=acknowledge_by, **stamp.fields())
        elif LEVELS.index(level) > LEVELS.index(self.level):
            self.trigger_event(self.ConcernLevelRaised, level=level,
                               acknowledge_by=min(acknowledge_by, self._deadline(acknowledge_by)),
                               cause="signal", tier=self.tier, **stamp.fields())
        self.trigger_event(self.SignalAttached, signal_id=signal_id, level=level,
                           rule_id=rule_id, triggering_entries=list(triggering),
                           **stamp.fields())

    def _deadline(self, fallback: datetime) -> datetime:
        return self.acknowledge_by if self.acknowledge_by is not None else fallback

    def withdraw_signal(self, signal_id: str, why: str, stamp: Stamp) -> bool:
        if signal_id not in self.signals or not self.is_open:
            return False
        rest = [lvl for sid, lvl in self.signals.items() if sid != signal_id]
        level = LEVELS[max((LEVELS.index(lvl) for lvl in rest), default=LEVELS.index(self.level))]
        self.trigger_event(self.SignalWithdrawn, signal_id=signal_id, why=why, level=level,
                           **stamp.fields())
        return True

    def overdue(self, now: datetime, acknowledge_by: datetime, stamp: Stamp) -> bool:
        """Nobody acknowledged by the deadline: rise a level in place (up to the top) and
        tell the next person up, at most RISE_CAP times an episode. False otherwise."""
        if self.status != "open" or self.acknowledge_by is None or self.acknowledge_by > now \
                or self.rises >= RISE_CAP:
            return False
        level = LEVELS[min(LEVELS.index(self.level) + 1, len(LEVELS) - 1)]
        self.trigger_event(self.ConcernLevelRaised, level=level,
                           acknowledge_by=acknowledge_by, cause="deadline", tier=NEXT_UP,
                           **stamp.fields())
        return True

    def _check_open(self) -> None:
        if not self.is_open:
            raise ConcernStateError(code="concern_not_open")

    # A deputy's decision names the supervisor they stand in for (`acting_for`).
    def acknowledge(self, note: str, stamp: Stamp, acting_for: str = "") -> None:
        self._check_open()
        if self.status not in ("open", "snoozed"):  # a snoozed one is looked at again
            raise ConcernStateError(code="concern_acknowledged")
        self.trigger_event(self.ConcernAcknowledged, note=note, acting_for=acting_for,
                           **stamp.fields())

    def assign(self, assignee: str, note: str, stamp: Stamp, acting_for: str = "") -> None:
        self._check_open()
        self.trigger_event(self.ConcernAssigned, assignee=assignee, note=note,
                           acting_for=acting_for, **stamp.fields())

    def snooze(self, reason: str, until: datetime, stamp: Stamp, acting_for: str = "") -> None:
        self._check_open()
        if until <= stamp.occurred_at or until - stamp.occurred_at > SNOOZE_AT_MOST:
            raise ConcernStateError(code="concern_snooze_range")
        self.trigger_event(self.ConcernSnoozed, reason=reason, until=until,
                           acting_for=acting_for, **stamp.fields())

    def resolve(self, outcome: str, rationale: str, stamp: Stamp, acting_for: str = "") -> None:
        self._check_open()
        self.trigger_event(self.ConcernResolved, outcome=outcome, rationale=rationale,
                           acting_for=acting_for, **stamp.fields())


EVENTS = (Concern.ConcernStarted, Concern.ConcernOpened, Concern.ConcernReopened,
          Concern.SignalAttached, Concern.SignalWithdrawn, Concern.ConcernLevelRaised,
          Concern.ConcernAcknowledged, Concern.ConcernAssigned, Concern.ConcernSnoozed,
          Concern.ConcernResolved)
