"""Realistic synthetic demo data: schools, staff, and two school years of children's records.

Deterministic for a seed and an end date: the same arguments give the same
children, entries, ids and store timestamps. History is recorded "as it
happened": a manual clock moves through the two years and every entry is
recorded at its own moment (some late, some corrected).
"""

from __future__ import annotations

import heapq
import random
from datetime import date, datetime, time, timedelta
from typing import Any, Callable
from uuid import UUID

from domain import clock
from domain.access import Role
from domain.application import SYSTEM, SchoolIntegration
from domain.commands import Resolution
from domain.concern import concern_id
from domain.model import Escalation
from domain.rules.quality import Episode
from domain.vocabulary import Outcome
from processes.engine_runner import EngineRunner

UTC = clock.UTC
from kopir.seed.demo_cast import DEMO_PASSWORD, SCHOOLS, Action, demo_users, unless_gone
from kopir.seed.demo_episodes import EpisodePlans

MAIL_DOMAIN = "demo.kopir.kz"
__all__ = ["DEMO_PASSWORD", "SCHOOLS", "DemoHistory", "demo_users", "seed"]


class DemoHistory(EpisodePlans):
    """A demo history: the school set-up, then the planned actions run in time order."""

    answered: set[tuple[UUID, int]]  # (concern, its call) a supervisor has answered

    def set_up(self) -> None:
        self.answered = set()
        self.clock.set(self.start - timedelta(days=7))
        for school_id, name, region, names in SCHOOLS:
            self.app.register_school(SYSTEM, school_id, name, region, names=names)
        for user in demo_users():
            self.app.register_account(SYSTEM, user.user_id, user.display_name, user.role,
                                      user.schools, DEMO_PASSWORD,
                                      display_names=user.display_names)
            if user.role in (Role.PSYCHOLOGIST, Role.SUPERVISOR):  # told of concerns
                self.app.set_notifications(SYSTEM, user.user_id, f"{user.user_id}@{MAIL_DOMAIN}",
                                           digest=True, language="ru")

    def record(self, progress: Callable[[int, int], None] | None = None,
               batch_size: int = 300, engine: EngineRunner | None = None) -> int:
        """Run the planned actions in time order. With an engine, every action is its own
        transaction and the engine decides right after it, as it would in service;
        supervisors then answer most of its escalations (planned on the fly)."""
        if engine is None:
            self.actions.sort()
            for first in range(0, len(self.actions), batch_size):
                with self.app.batch():
                    for action in self.actions[first:first + batch_size]:
                        self.clock.set(action.at)
                        action.run()
                if progress is not None:
                    progress(min(first + batch_size, len(self.actions)), len(self.actions))
            return len(self.actions)
        heapq.heapify(self.actions)
        done, answered = 0, 0
        total_days, shown = self.days_between(self.start, self.until) or 1, 0
        while self.actions:
            action = heapq.heappop(self.actions)
            self.clock.set(action.at)
            action.run()
            engine.tick()
            for escalation in engine.raised_log[answered:]:
                self.plan_answer(escalation)
            answered = len(engine.raised_log)
            done += 1
            # Answers are planned as the history unfolds, so the count of actions is not
            # known in advance; the days of the history are.
            if progress is not None and (day := self.days_between(self.start, action.at)) > shown:
                shown = day
                progress(min(day, total_days), total_days)
        if progress is not None:
            progress(total_days, total_days)
        return done

    @staticmethod
    def days_between(first: datetime, then: datetime) -> int:
        return max(0, (then - first).days)

    def plan_answer(self, signal: Escalation) -> None:
        """A supervisor acknowledges most concerns in time, and resolves them later: once
        for each time a concern asks for a look (opened, reopened, a higher signal)."""
        concern = self.app.repository.get(concern_id(signal.child_id))
        if concern.status != "open" or (concern.id, concern.calls) in self.answered:
            return
        self.answered.add((concern.id, concern.calls))
        rng = self.rng
        if rng.random() > 0.85:
            return  # left unanswered: it rises in place after its deadline
        raised_at = self.clock.now()
        deadline = max((concern.acknowledge_by or raised_at) - raised_at, timedelta(hours=1))
        ack_at = raised_at + deadline * rng.uniform(0.1, 0.8)
        key = concern.id
        self.push(ack_at, lambda: self.app.acknowledge_concern(
            self.supervisor_of(key, ack_at), key,
            note="Seen; the psychologist will meet the child."))
        if rng.random() < 0.8:
            resolution = Resolution(outcome=rng.choice(list(Outcome)),
                                    rationale="Talked with the child, the class tutor and the "
                                              "mother; a plan is agreed.")
            resolve_at = ack_at + timedelta(days=rng.randint(1, 10))
            self.push(resolve_at, lambda: self.app.resolve_concern(
                self.supervisor_of(key, resolve_at), key, resolution))

    def supervisor_of(self, key: Any, moment: datetime) -> Any:
        """The supervisor of the concern's school when they act (the child may have moved
        to another region's school since the concern opened), or who stands in for them."""
        school_id = self.app.repository.get(key).school_id
        region = next(r for s, _, r, _ in SCHOOLS if s == school_id)
        name = f"supervisor.{region.lower()}"
        return self.deputy_for(name, moment) or self.actors[name]

    def push(self, moment: datetime, run: Callable[[], None]) -> None:
        if moment <= self.until:
            heapq.heappush(self.actions, Action(moment, self._seq(), lambda: unless_gone(run)))

    def _seq(self) -> int:
        self._sequence = getattr(self, "_sequence", 10**9) + 1
        return self._sequence


def history_window(until: date) -> tuple[datetime, datetime]:
    """Two full school years before the current one, up to `until`."""
    first_year = until.year - 2 if until.month >= 9 else until.year - 3
    return (datetime(first_year, 9, 1, tzinfo=UTC),
            datetime.combine(until, time(0, 0), UTC))


def seeded_ids(rng: random.Random) -> Callable[[], UUID]:
    return lambda: UUID(int=rng.getrandbits(128), version=4)


def seed(app_factory: Callable[[clock.Clock, Callable[[], UUID]], SchoolIntegration],
         children: int = 60, seed_value: int = 7, until: date | None = None,
         progress: Callable[[int, int], None] | None = None,
         with_engine: bool = True,
         labels: list[Episode] | None = None) -> tuple[SchoolIntegration, int]:
    """Record a demo history; returns the application (its clock at `until`) and actions done.

    With the engine, escalations are raised by the shipped rules as the history unfolds.
    The "needs attention" episodes planned are added to `labels` (the truth, kept apart).
    """
    until = until or datetime.now(tz=UTC).date()
    start, end = history_window(until)
    rng = random.Random(seed_value)
    manual = clock.ManualClock(start - timedelta(days=8))
    app = app_factory(manual, seeded_ids(random.Random(seed_value + 1)))
    history = DemoHistory(app, manual, rng, start, end)
    history.set_up()
    history.plan(children)
    if labels is not None:
        labels.extend(history.episodes)
    engine = EngineRunner(app) if with_engine else None
    done = history.record(progress=progress, engine=engine)
    manual.set(max(manual.now(), end))
    if engine is not None:
        engine.tick()
    return app, done
