"""The rules engine as a follower of the event log.

It reads the log from its own tracked position, feeds the rule engine, and records
each decision as a signal (`EscalationRaised`) attached to the child's concern, in the
same transaction as its new position: exactly once (signal ids come from the decision).
On start it replays the log up to its position without recording anything, to rebuild
the state the rules need. Time-based rules and deadlines are evaluated each time it has
caught up, with the application's clock.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any, Sequence
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, Notification, Tracking
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder

from domain import clock
from domain.application import SchoolIntegration
from domain.concern import EVENTS as CONCERN_EVENTS
from domain.concern import Concern, concern_id
from domain.model import KOPIR_NAMESPACE, Escalation, Stamp
from domain.rules.engine import Decision, Engine
from domain.rules.facts import Rise
from domain.rules.loader import RuleSet, load_rules
from domain.rules.withdrawal import Withdrawal
from infrastructure.locks import FollowerLock
from infrastructure.quarantine import Quarantine, isolatable, reason_of, stream_of
from infrastructure.store import datastore_of, schema_lock
from processes.follower import LogFollower
from processes.recent import RecentIds, RecentLog
from processes.scan import LogScan

log = logging.getLogger(__name__)
ENGINE_TRACKING_TABLE = "engine_tracking"
SAVE_EVERY = 1000  # events decided without raising anything before the position is written
SAVE_INTERVAL = 5.0  # seconds
ENGINE = "escalation-engine"
CONFLICT_RETRIES = 5
CONCERNS_KEPT = 5000


def escalation_id(decision_key: str) -> UUID:
    return uuid5(KOPIR_NAMESPACE, f"escalation:{decision_key}")


def versioned(decision: Decision) -> str:
    """A decision's key including its rule's version (for re-raising under a new version)."""
    return f"{decision.key}@v{decision.rule.version}"


class EngineRunner(LogFollower):
    def __init__(self, app: SchoolIntegration, rules: RuleSet | None = None, *,
                 batch_size: int = 1000, poll_interval: float = 0.2,
                 name: str = ENGINE, reraise_new_versions: bool = False,
                 lock: FollowerLock | None = None) -> None:
        super().__init__(app, batch_size=batch_size, poll_interval=poll_interval, lock=lock)
        self.name = name
        # By default a decision is the same escalation whatever the rule's version, so a new
        # version does not raise old cases again; asked to, new versions raise their own.
        self.identity = (lambda d: escalation_id(versioned(d))) if reraise_new_versions \
            else (lambda d: escalation_id(d.key))
        self.rules = rules or load_rules()
        self.engine = Engine(self.rules)
        self.tracking = SQLAlchemyTrackingRecorder(
            datastore_of(app.recorder, "The escalation engine"),
            tracking_table_name=ENGINE_TRACKING_TABLE)
        with schema_lock(self.tracking.datastore.engine):
            self.tracking.create_table()
        self.quarantine = Quarantine(self.tracking.datastore.engine, self.name)
        self._position: int | None = None
        self._unsaved = 0  # decided up to here, position not yet written (nothing raised)
        self._last_saved = time.monotonic()
        self._recorded = RecentIds()  # signals raised lately (the store knows the rest)
        self._withdrawals: list[Withdrawal] = []  # taken back, not yet recorded
        self._rises: list[Rise] = []  # raised a level in place, not yet recorded
        self._concerns: OrderedDict[UUID, Concern] = OrderedDict()  # as last saved here
        self.raised_log: RecentLog[Escalation] = RecentLog()  # raised here, the latest
        self._replayed_to = 0

    @property
    def position(self) -> int:
        """Where the engine has decided up to (its own, the only writer of this name)."""
        if self._position is None:
            self._position = self.tracking.max_tracking_id(self.name) or 0
        return max(self._position, self._unsaved)

    def _observe(self, event: Any) -> list[Decision]:
        """The rules at the moment the event was recorded: time-based rules first (what
        was due by then), then the event itself. Replays decide as the live run did."""
        if isinstance(event, Escalation.EscalationRaised):
            self._recorded.add(event.originator_id)
        elif isinstance(event, CONCERN_EVENTS) and event.recorded_by != ENGINE:
            self._concerns.pop(event.originator_id, None)  # a person changed it: read afresh
        moment = event.timestamp
        decisions = self.engine.tick(moment) + self.engine.observe(event, moment)
        self._withdrawals += self.engine.withdrawals.take()
        self._rises += self.engine.take_rises()
        return [d for d in decisions if self.identity(d) not in self._recorded]

    def activated(self) -> None:
        """Start afresh: another instance may have decided meanwhile (a takeover, a retry)."""
        self.engine = Engine(self.rules)
        self._position, self._unsaved, self._replayed_to = None, 0, 0
        self._recorded = RecentIds()
        self._withdrawals, self._rises = [], []
        self._concerns.clear()
        self.quarantine.reload()

    def before_batches(self) -> None:
        self.replay()

    def replay(self) -> int:
        """Rebuild the engine's state from the log up to its tracked position (what is
        parked was not decided, and is not replayed)."""
        position = self.position
        if self._replayed_to >= position:
            return 0
        done = 0
        parked = {e["notification_id"] for e in self.quarantine.entries()}

        def observe(batch: Sequence[Notification]) -> None:
            nonlocal done
            for notification in batch:
                if notification.id not in parked:
                    self._observe(self.app.mapper.to_domain_event(notification))
            done += len(batch)

        LogScan(self.app, observe, batch_size=self.batch_size,
                after=self._replayed_to).process_available(stop=position)
        self._withdrawals, self._rises = [], []  # decided before: they are in the log
        self._replayed_to = position
        return done

    def handle(self, notifications: Sequence[Notification]) -> None:
        """Feed a batch to the rules; record decisions with the new position. An event
        that cannot be decided is parked with what waits behind it, in the same
        transaction."""
        decisions: list[Decision] = []
        parked: list[dict[str, Any]] = []
        blocked: dict[str, int] = {}
        for notification in notifications:
            behind = self.quarantine.behind(notification) or blocked.get(stream_of(notification))
            if behind is not None:
                parked.append(self.quarantine.waiting(notification, behind))
                continue
            try:
                decisions += self._observe(self.app.mapper.to_domain_event(notification))
            except Exception as error:
                if not isolatable(error):
                    raise
                parked.append(self.quarantine.row(notification, reason_of(error)))
                blocked[stream_of(notification)] = notification.id
                log.warning("%s: event %s parked: %s", self.name, notification.id,
                            parked[-1]["reason"])
        last = notifications[-1].id
        if decisions or parked or self._withdrawals or self._rises or last - (self._position or 0) >= SAVE_EVERY or \
                time.monotonic() - self._last_saved > SAVE_INTERVAL:
            self._record(decisions, Tracking(self.name, last), parked)
        else:
            # Nothing raised: the position may lag; after a restart these events are
            # decided again, to the same (empty) result.
            self._unsaved = last
        self._replayed_to = last

    def caught_up(self) -> None:
        self._decide_time()

    def tick(self) -> list[Decision]:
        """Catch up, then decide what is due because time passed (absences, deadlines)."""
        with self.holding() as active:
            if not active:  # another instance decides
                return []
            self.process_available()
            return self._decide_time()

    def _decide_time(self) -> list[Decision]:
        decisions = [d for d in self.engine.tick(self.app.clock.now())
                     if self.identity(d) not in self._recorded]
        self._rises += self.engine.take_rises()
        self._record(decisions, None)
        return decisions

    def reapply(self, notification: Notification) -> None:
        """Decide a parked event now, and unpark it, in one transaction."""
        decisions = self._observe(self.app.mapper.to_domain_event(notification))
        self._record(decisions, None, unpark=notification.id)

    def _record(self, decisions: list[Decision], tracking: Tracking | None,
                parked: Sequence[dict[str, Any]] = (), unpark: int | None = None) -> None:
        # An escalation already in the log (a replay after lost state) is not raised again.
        decisions = [d for d in decisions if not self._in_store(self.identity(d))]
        withdrawals, rises = self._withdrawals, self._rises
        self._withdrawals, self._rises = [], []
        if not (decisions or withdrawals or rises) and tracking is None and unpark is None:
            return
        for attempt in range(CONFLICT_RETRIES):
            # Each attempt from the store as it stands: a supervisor may have acted on the
            # same concern meanwhile (then the store refuses the stale version, and we retry).
            with clock.using(self.app.clock):
                signals = [self._escalation(d) for d in decisions]
                changed = self._changed(decisions, signals, withdrawals, rises)
            events = [e for aggregate in [*signals, *changed] for e in aggregate.collect_events()]
            try:
                with self.app.recorder.transaction(commit=True) as session:  # type: ignore[attr-defined]
                    if events:
                        self.app.save(*events)
                    if tracking is not None:
                        self.tracking._insert_tracking(session, tracking)
                    self.quarantine.write(session, parked)
                    if unpark is not None:
                        self.quarantine.remove(session, unpark)
            except IntegrityError:
                self._concerns.clear()  # someone else changed one: read them afresh
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                continue
            for aggregate in changed:  # as saved: the next decisions start from here
                if isinstance(aggregate, Concern):
                    self._remember(aggregate)
            break
        self.quarantine.committed(parked)
        if tracking is not None:
            self._position, self._last_saved = tracking.notification_id, time.monotonic()
        self._recorded |= {e.id for e in signals}
        self.raised_log += signals

    def _changed(self, decisions: list[Decision], signals: list[Escalation],
                 withdrawals: list[Withdrawal], rises: list[Rise]) -> list[Any]:
        """The concerns the new signals attach to; signals taken back because their entry
        was corrected, with their concern; concerns nobody acknowledged in time, raised in
        place. Each as it stands in the store (one resolved meanwhile stays as it is)."""
        now = self.app.clock.now()
        loaded: dict[UUID, Any] = {}
        changed: dict[UUID, Any] = {}

        def load(aggregate_id: UUID) -> Any:
            if aggregate_id not in loaded:
                try:
                    loaded[aggregate_id] = self._concerns.get(aggregate_id) or \
                        self.app.repository.get(aggregate_id)
                except AggregateNotFoundError:
                    loaded[aggregate_id] = None
            return loaded[aggregate_id]

        for decision, signal in zip(decisions, signals):
            stamp = Stamp(ENGINE, "system", decision.school_id, now)
            key = concern_id(decision.child_id)
            concern = load(key) or Concern.start(decision.child_id, decision.child_code, stamp)
            loaded[key] = changed[key] = concern
            concern.signal(str(signal.id), decision.level, decision.rule.id,
                           list(decision.triggering), signal.acknowledge_by, stamp)
        for withdrawal in withdrawals:
            escalation = load(UUID(withdrawal.escalation_id))
            if escalation is None:
                continue
            stamp = Stamp(ENGINE, "system", escalation.school_id, now)
            if escalation.withdraw(withdrawal.why, withdrawal.entry_id, stamp):
                changed[escalation.id] = escalation
            concern = load(concern_id(escalation.child_id))
            if concern is not None and concern.withdraw_signal(withdrawal.escalation_id,
                                                               withdrawal.why, stamp):
                changed[concern.id] = concern
        for rise in rises:
            concern = load(UUID(rise.concern_id))
            if concern is not None and concern.overdue(
                    now, rise.acknowledge_by, Stamp(ENGINE, "system", concern.school_id, now)):
                changed[concern.id] = concern
        return list(changed.values())

    def _remember(self, concern: Concern) -> None:
        """Keep the latest concerns decided on (a few thousand), so that a child's next
        signal does not replay its whole concern; a conflict empties the memory."""
        self._concerns[concern.id] = concern
        self._concerns.move_to_end(concern.id)
        while len(self._concerns) > CONCERNS_KEPT:
            self._concerns.popitem(last=False)

    def _in_store(self, aggregate_id: UUID) -> bool:
        if aggregate_id in self._recorded:
            return True
        return bool(self.app.recorder.select_events(aggregate_id, limit=1))

    def _escalation(self, decision: Decision) -> Escalation:
        now = self.app.clock.now()
        return Escalation.raise_(
            self.identity(decision), child_id=decision.child_id,
            child_code=decision.child_code, level=decision.level, rule_id=decision.rule.id,
            rule_version=decision.rule.version, reason=decision.reason("en"),
            triggering_entries=list(decision.triggering),
            acknowledge_by=now + decision.rule.acknowledge_within, due_at=decision.due_at,
            detection_delay_seconds=int(decision.detection_delay.total_seconds()),
            stamp=Stamp(ENGINE, "system", decision.school_id, now),
            fired=sorted(decision.values.get("matched") or {}),
            matched_words=list((decision.values.get("matched") or {}).get("words", [])))
