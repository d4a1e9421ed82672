"""Realistic synthetic demo data: schools, staff, and two school years of children's records.

Deterministic for a seed and an end date: the same arguments give the same
children, entries, ids and store timestamps. History is recorded "as it
happened": a manual clock moves through the two years and every entry is
recorded at its own moment (some late, some corrected).
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable
from uuid import UUID

from domain import clock
from domain.access import Actor, Role
from domain.application import SYSTEM, SchoolIntegration
from domain.events import (
    Attendance,
    Concern,
    ConflictKind,
    ConflictReport,
    Correction,
    CounsellingSession,
    Enrolment,
    FamilySituation,
    LabelAbout,
    Level,
    Outcome,
    Participant,
    ParticipantRole,
    PeerIncidentKind,
    PeerIncidentReport,
    Resolution,
    SessionType,
    Wellbeing,
)
from domain.model import Escalation
from kopir import demo_text as text
from projections.engine_runner import EngineRunner

UTC = clock.UTC
DEMO_PASSWORD = "kopir-demo"
SCHOOLS = [
    ("AST-12", "Astana school No. 12", "Astana"),
    ("AST-45", "Astana gymnasium No. 45", "Astana"),
    ("ALA-05", "Almaty gymnasium No. 5", "Almaty"),
    ("ALA-131", "Almaty school No. 131", "Almaty"),
    ("SHY-41", "Shymkent school No. 41", "Shymkent"),
    ("AKT-03", "Aktobe school No. 3", "Aktobe"),
]
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    display_name: str
    role: Role
    schools: tuple[str, ...]


def demo_users() -> list[DemoUser]:
    users = [DemoUser("admin", "Administrator", Role.ADMIN, ("*",)),
             DemoUser("auditor", "Data-protection auditor", Role.AUDITOR, ("*",)),
             DemoUser("coordinator", "Ministry coordinator", Role.SUPERVISOR, ("*",))]
    for region in sorted({r for _, _, r in SCHOOLS}):
        ids = tuple(s for s, _, r in SCHOOLS if r == region)
        users.append(DemoUser(f"supervisor.{region.lower()}", f"{region} district supervisor",
                              Role.SUPERVISOR, ids))
    for school_id, name, _ in SCHOOLS:
        key = school_id.lower()
        users.append(DemoUser(f"teacher.{key}", f"Class tutor, {name}", Role.TEACHER, (school_id,)))
        users.append(DemoUser(f"psych.{key}", f"Psychologist, {name}", Role.PSYCHOLOGIST,
                              (school_id,)))
    return users


@dataclass(order=True)
class Action:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class Plan:
    code: str
    school: str
    enrol_at: datetime
    birth_year: int
    trajectory: str  # improving | stable | worsening
    end_at: datetime | None = None  # enrolment closed
    transfer: tuple[datetime, str] | None = None


class DemoHistory:
    def __init__(self, app: SchoolIntegration, clock_: clock.ManualClock, rng: random.Random,
                 start: datetime, until: datetime) -> None:
        self.app, self.clock, self.rng = app, clock_, rng
        self.start, self.until = start, until
        self.actions: list[Action] = []
        self.actors = {u.user_id: Actor(u.user_id, u.role, frozenset(u.schools), u.display_name)
                       for u in demo_users()}
        self.entries: dict[str, str] = {}
        self.escalations: dict[str, UUID] = {}

    # --- planning ---------------------------------------------------------------------
    def at(self, moment: datetime, run: Callable[[], None]) -> None:
        if moment <= self.until:
            self.actions.append(Action(moment, len(self.actions), run))

    def staff(self, kind: str, plan: Plan, moment: datetime) -> Actor:
        school = plan.school
        if plan.transfer and moment >= plan.transfer[0]:
            school = plan.transfer[1]
        return self.actors[f"{kind}.{school.lower()}"]

    def school_day(self, moment: datetime) -> datetime:
        """Move a moment to a weekday in term time, during school hours."""
        while moment.month in (6, 7, 8) or moment.weekday() >= 5:
            moment += timedelta(days=1)
        hour = self.rng.randint(8, 15)
        return datetime.combine(moment.date(), time(hour, self.rng.randint(0, 59)), UTC)

    def recorded_later(self, occurred: datetime) -> datetime:
        """Most entries are recorded the same day; some days later (late entries)."""
        if self.rng.random() < 0.07:
            return occurred + timedelta(days=self.rng.randint(2, 10), hours=self.rng.randint(0, 5))
        return occurred + timedelta(minutes=self.rng.randint(5, 360))

    def plan_children(self, count: int) -> list[Plan]:
        plans = []
        codes: set[str] = set()
        span = (self.until - self.start).days
        for _ in range(count):
            code = "KZ-" + "".join(self.rng.choice(CODE_ALPHABET) for _ in range(5))
            if code in codes:
                continue
            codes.add(code)
            school = self.rng.choice(SCHOOLS)[0]
            offset = self.rng.randint(0, 20) if self.rng.random() < 0.7 else \
                self.rng.randint(20, int(span * 0.75))
            enrol_at = self.school_day(self.start + timedelta(days=offset))
            age = self.rng.randint(6, 15)
            plan = Plan(code, school, enrol_at, enrol_at.year - age,
                        self.rng.choices(["improving", "stable", "worsening"], [5, 3, 2])[0])
            roll = self.rng.random()
            later = enrol_at + timedelta(days=self.rng.randint(120, max(121, span)))
            if roll < 0.05 and later < self.until:
                plan.end_at = self.school_day(later)
            elif roll < 0.10 and later < self.until:
                others = [s for s, _, _ in SCHOOLS if s != school]
                plan.transfer = (self.school_day(later), self.rng.choice(others))
            plans.append(plan)
        return plans

    def plan(self, count: int) -> None:
        plans = self.plan_children(count)
        for plan in plans:
            self.plan_enrolment(plan)
            self.plan_sessions(plan)
            self.plan_incidents(plan, plans)
            self.plan_end(plan)

    def plan_enrolment(self, plan: Plan) -> None:
        rng = self.rng
        form = Enrolment(
            child_code=plan.code, school_id=plan.school, grade=min(11, max(0, plan.enrol_at.year
                                                                          - plan.birth_year - 6)),
            birth_year=plan.birth_year, occurred_at=plan.enrol_at,
            family_situation=rng.choices(list(FamilySituation), [6, 1, 2, 1])[0],
            languages=tuple(rng.sample(["kk", "ru", "ar"], rng.randint(1, 2))),
            months_schooling_missed=rng.choice([0, 6, 12, 18, 24, 36, 48]),
            support_needs=rng.choice(text.SUPPORT_NEEDS),
            returned_from=rng.choice(["Syria", "Iraq"]),
            personal_name=rng.choice(text.FIRST_NAMES) if rng.random() < 0.5 else "",
        )
        actor = self.staff("psych", plan, plan.enrol_at)
        self.at(plan.enrol_at + timedelta(minutes=30),
                lambda: self.app.enrol_child(actor, form) and None)

    def active(self, plan: Plan, moment: datetime) -> bool:
        return plan.enrol_at < moment and (plan.end_at is None or moment < plan.end_at) \
            and moment < self.until

    def plan_sessions(self, plan: Plan) -> None:
        rng = self.rng
        level = {k: rng.choice([2, 2, 3]) for k in ("social_ties", "school_engagement",
                                                    "emotional_state", "family_support")}
        drift = {"improving": 0.12, "stable": 0.0, "worsening": -0.1}[plan.trajectory]
        moment = self.school_day(plan.enrol_at + timedelta(days=rng.randint(3, 25)))
        while self.active(plan, moment):
            for key in level:
                level[key] += drift + rng.uniform(-0.35, 0.35)
                level[key] = min(5.0, max(1.0, level[key]))
            missed_rate = 0.25 if plan.trajectory == "worsening" else 0.08
            attendance = rng.choices(list(Attendance), [1 - missed_rate - 0.04, missed_rate, 0.04])[0]
            attended = attendance == Attendance.ATTENDED
            next_at = self.school_day(moment + timedelta(days=rng.randint(12, 30)))
            form = CounsellingSession(
                occurred_at=moment,
                session_type=rng.choices(list(SessionType), [12, 2, 3, 1])[0],
                attendance=attendance,
                wellbeing=Wellbeing(**{k: round(v) for k, v in level.items()}) if attended else None,
                follow_up_on=next_at.date(),
                summary=rng.choice(text.SESSION_SUMMARY) if attended else "",
                confidential_notes=rng.choice(text.CONFIDENTIAL) if attended and rng.random() < 0.4
                else "",
            )
            self.plan_entry(plan, "psych", moment, "record_counselling_session", form)
            if plan.trajectory == "worsening" and attended and rng.random() < 0.06:
                self.plan_concern(plan, moment + timedelta(hours=1))
            moment = next_at

    def plan_incidents(self, plan: Plan, everyone: list[Plan]) -> None:
        rng = self.rng
        moment = plan.enrol_at + timedelta(days=rng.randint(1, 7))
        total = (self.until - self.start).total_seconds()
        while self.active(plan, moment):
            progress = (moment - self.start).total_seconds() / total
            conflict_rate = {"improving": 0.22 - 0.17 * progress, "stable": 0.1,
                             "worsening": 0.1 + 0.2 * progress}[plan.trajectory]
            positive_rate = {"improving": 0.05 + 0.3 * progress, "stable": 0.12,
                             "worsening": 0.06}[plan.trajectory]
            day = self.school_day(moment)
            if rng.random() < conflict_rate:
                self.plan_conflict(plan, day, everyone)
            if rng.random() < conflict_rate * 0.8:
                self.plan_peer_incident(plan, day, everyone, negative=True, progress=progress)
            if rng.random() < positive_rate:
                self.plan_peer_incident(plan, day, everyone, negative=False, progress=progress)
            moment += timedelta(days=7)

    def partner(self, plan: Plan, moment: datetime, everyone: list[Plan]) -> Plan | None:
        if self.rng.random() > 0.4:
            return None
        candidates = [p for p in everyone if p is not plan and p.school == plan.school
                      and p.transfer is None and p.end_at is None and plan.transfer is None
                      and self.active(p, moment - timedelta(days=1))]
        return self.rng.choice(candidates) if candidates else None

    def plan_conflict(self, plan: Plan, moment: datetime, everyone: list[Plan]) -> None:
        rng = self.rng
        other = self.partner(plan, moment, everyone)
        roles = [ParticipantRole.INITIATOR, ParticipantRole.TARGET]
        rng.shuffle(roles)
        form = ConflictReport(
            occurred_at=moment, kind=rng.choices(list(ConflictKind), [6, 3, 2, 1])[0],
            severity=rng.choices([1, 2, 3, 4, 5], [5, 6, 4, 1.2, 0.3])[0],
            description=rng.choice(text.CONFLICT), child_role=roles[0],
            participants=(Participant(other.code, roles[1]),) if other else (),
            others_not_in_system=other is None and rng.random() < 0.6,
            staff_involved=rng.random() < 0.1, action_taken=rng.choice(text.ACTION))
        self.plan_entry(plan, "teacher", moment, "record_conflict", form, correctable=True)

    def plan_peer_incident(self, plan: Plan, moment: datetime, everyone: list[Plan],
                           negative: bool, progress: float) -> None:
        rng = self.rng
        other = self.partner(plan, moment, everyone)
        if negative:
            nickname_weight = 5 if progress < 0.4 else 1.5
            kind = rng.choices([PeerIncidentKind.STIGMATISING_LABEL, PeerIncidentKind.EXCLUSION,
                                PeerIncidentKind.BULLYING, PeerIncidentKind.ONLINE,
                                PeerIncidentKind.PHYSICAL], [nickname_weight, 3, 2, 1, 1])[0]
            wording = {PeerIncidentKind.STIGMATISING_LABEL: text.NICKNAME,
                       PeerIncidentKind.EXCLUSION: text.EXCLUSION,
                       PeerIncidentKind.BULLYING: text.BULLYING,
                       PeerIncidentKind.ONLINE: text.ONLINE,
                       PeerIncidentKind.PHYSICAL: text.PHYSICAL_PEER}[kind]
            form = PeerIncidentReport(
                occurred_at=moment, kind=kind, description=rng.choice(wording),
                severity=rng.choices([1, 2, 3, 4], [3, 5, 3, 1])[0],
                child_role=ParticipantRole.TARGET,
                label_about=rng.choice([LabelAbout.ORIGIN, LabelAbout.RELIGION, LabelAbout.FAMILY])
                if kind == PeerIncidentKind.STIGMATISING_LABEL else None,
                participants=(Participant(other.code, ParticipantRole.INITIATOR),) if other else (),
                others_not_in_system=other is None, action_taken=rng.choice(text.ACTION))
        else:
            kind = rng.choice([PeerIncidentKind.FRIENDSHIP, PeerIncidentKind.GROUP_ACTIVITY])
            form = PeerIncidentReport(
                occurred_at=moment, kind=kind,
                description=rng.choice(text.FRIENDSHIP if kind == PeerIncidentKind.FRIENDSHIP
                                       else text.GROUP),
                participants=(Participant(other.code, ParticipantRole.INVOLVED),) if other else ())
        self.plan_entry(plan, "teacher", moment, "record_peer_incident", form, correctable=True)

    def plan_entry(self, plan: Plan, kind: str, moment: datetime, command: str, form: object,
                   correctable: bool = False) -> None:
        recorded = self.recorded_later(moment)
        if plan.end_at is not None and recorded >= plan.end_at - timedelta(days=4):
            return
        actor = self.staff(kind, plan, recorded)
        key = f"{plan.code}:{len(self.actions)}"

        def run() -> None:
            self.entries[key] = getattr(self.app, command)(actor, plan.code, form)

        self.at(recorded, run)
        roll = self.rng.random()
        if correctable and roll < 0.045:
            fix_at = recorded + timedelta(days=self.rng.randint(1, 3), hours=1)
            fixer = self.staff(kind, plan, fix_at)
            if roll < 0.015:
                fix = Correction(entry_id="", reason="Recorded for the wrong child by mistake.")
                self.at(fix_at, lambda: self.correct(fixer, plan, key, fix, retract=True))
            else:
                severity = max(1, min(5, getattr(form, "severity", 1) + self.rng.choice([-1, 1])))
                changes = {"severity": severity} if getattr(form, "severity", 0) else \
                    {"description": form.description + " (details added later)"}
                fix = Correction(entry_id="", reason="Corrected after talking with the pupils.",
                                 changes=changes)
                self.at(fix_at, lambda: self.correct(fixer, plan, key, fix, retract=False))

    def correct(self, actor: Actor, plan: Plan, key: str, fix: Correction, retract: bool) -> None:
        fix = Correction(entry_id=self.entries[key], reason=fix.reason, changes=fix.changes)
        if retract:
            self.app.retract_entry(actor, plan.code, fix)
        else:
            self.app.amend_entry(actor, plan.code, fix)

    def plan_concern(self, plan: Plan, moment: datetime) -> None:
        rng = self.rng
        form = Concern(occurred_at=moment, level=rng.choice([Level.MEDIUM, Level.HIGH]),
                       reason=rng.choice(text.CONCERN))
        psych = self.staff("psych", plan, moment)
        key = f"{plan.code}:concern:{len(self.actions)}"
        self.at(moment, lambda: self.escalations.__setitem__(
            key, self.app.raise_concern(psych, plan.code, form)))
        region = next(r for s, _, r in SCHOOLS if s == (plan.transfer[1] if plan.transfer
                                                          and moment >= plan.transfer[0]
                                                          else plan.school))
        supervisor = self.actors[f"supervisor.{region.lower()}"]
        ack_at = moment + timedelta(hours=rng.uniform(0.3, 20))
        self.at(ack_at, lambda: self.app.acknowledge_escalation(
            supervisor, self.escalations[key], note="Seen; talking with the psychologist."))
        self.at(ack_at + timedelta(hours=1), lambda: self.app.assign_escalation(
            supervisor, self.escalations[key], assignee=psych.user_id, note="Please follow up."))
        resolution = Resolution(outcome=rng.choice(list(Outcome)),
                                rationale="Met the child and the mother; agreed weekly check-ins.")
        self.at(ack_at + timedelta(days=rng.randint(2, 12)), lambda: self.app.resolve_escalation(
            supervisor, self.escalations[key], resolution))

    def plan_end(self, plan: Plan) -> None:
        if plan.transfer is not None:
            moment, to_school = plan.transfer
            actor = self.staff("psych", plan, moment - timedelta(seconds=1))
            self.at(moment, lambda: self.app.transfer_child(
                actor, plan.code, to_school, "The family moved to another city."))
        if plan.end_at is not None:
            actor = self.staff("psych", plan, plan.end_at)
            self.at(plan.end_at, lambda: self.app.close_enrolment(
                actor, plan.code, "The family moved abroad; records kept as required."))

    # --- recording --------------------------------------------------------------------
    def set_up(self) -> None:
        self.clock.set(self.start - timedelta(days=7))
        for school_id, name, region in SCHOOLS:
            self.app.register_school(SYSTEM, school_id, name, region)
        for user in demo_users():
            self.app.register_account(SYSTEM, user.user_id, user.display_name, user.role,
                                      user.schools, DEMO_PASSWORD)

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
        while self.actions:
            action = heapq.heappop(self.actions)
            self.clock.set(action.at)
            action.run()
            engine.tick()
            for escalation in engine.raised_log[answered:]:
                self.plan_answer(escalation)
            answered = len(engine.raised_log)
            done += 1
            if progress is not None and done % 200 == 0:
                progress(done, done + len(self.actions))
        if progress is not None:
            progress(done, done)
        return done

    def plan_answer(self, escalation: Escalation) -> None:
        """A supervisor acknowledges most escalations in time, and resolves them later."""
        rng = self.rng
        if rng.random() > 0.85:
            return  # left unanswered: the engine raises it a level up after its deadline
        region = next(r for s, _, r in SCHOOLS if s == escalation.school_id)
        supervisor = self.actors[f"supervisor.{region.lower()}"]
        raised_at = self.clock.now()
        deadline = escalation.acknowledge_by - raised_at
        ack_at = raised_at + deadline * rng.uniform(0.1, 0.8)
        key = escalation.id
        self.push(ack_at, lambda: self.app.acknowledge_escalation(
            supervisor, key, note="Seen; the psychologist will meet the child."))
        if rng.random() < 0.8:
            resolution = Resolution(outcome=rng.choice(list(Outcome)),
                                    rationale="Talked with the child, the class tutor and the "
                                              "mother; a plan is agreed.")
            self.push(ack_at + timedelta(days=rng.randint(1, 10)), lambda: self.app
                      .resolve_escalation(supervisor, key, resolution))

    def push(self, moment: datetime, run: Callable[[], None]) -> None:
        if moment <= self.until:
            heapq.heappush(self.actions, Action(moment, self._seq(), run))

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
         with_engine: bool = True) -> tuple[SchoolIntegration, int]:
    """Record a demo history; returns the application (its clock at `until`) and actions done.

    With the engine, escalations are raised by the shipped rules as the history unfolds.
    """
    until = until or datetime.now(tz=UTC).date()
    start, end = history_window(until)
    rng = random.Random(seed_value)
    manual = clock.ManualClock(start - timedelta(days=8))
    app = app_factory(manual, seeded_ids(random.Random(seed_value + 1)))
    history = DemoHistory(app, manual, rng, start, end)
    history.set_up()
    history.plan(children)
    engine = EngineRunner(app) if with_engine else None
    done = history.record(progress=progress, engine=engine)
    manual.set(max(manual.now(), end))
    if engine is not None:
        engine.tick()
    return app, done
