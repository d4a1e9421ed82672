"""Each demo child's everyday record over two school years: enrolment, sessions with a
wellbeing trajectory, minor conflicts and peer interactions (friendships too), corrections,
concerns raised by hand, transfers and closures, planned as timed actions. What needs
attention is planned on top of it (`demo_episodes`)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Callable

from domain import child_codes, clock
from domain.access import Actor
from domain.aggregate import child_id
from domain.application import SchoolIntegration
from domain.commands import (
    Concern,
    ConflictReport,
    Correction,
    CounsellingSession,
    Enrolment,
    Participant,
    PeerIncidentReport,
    Resolution,
    Wellbeing,
)
from domain.concern import concern_id
from domain.vocabulary import (
    INDICATORS,
    Attendance,
    ConflictKind,
    FamilySituation,
    LabelAbout,
    Level,
    Outcome,
    ParticipantRole,
    PeerIncidentKind,
    SessionType,
)
from kopir.seed import demo_text as text
from kopir.seed.demo_cast import SCHOOLS, Action, Plan, demo_users, unless_gone

UTC = clock.UTC


class ChildPlans:
    """Plans the actions of a demo history, each at its moment (`DemoHistory` runs them)."""

    def __init__(self, app: SchoolIntegration, clock_: clock.ManualClock, rng: random.Random,
                 start: datetime, until: datetime) -> None:
        self.app, self.clock, self.rng = app, clock_, rng
        self.start, self.until = start, until
        self.actions: list[Action] = []
        self.actors = {u.user_id: Actor(u.user_id, u.role, frozenset(u.schools), u.display_name)
                       for u in demo_users()}
        self.entries: dict[str, str] = {}
        self.sessions: dict[str, list[tuple[datetime, Wellbeing | None]]] = {}

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
            code = child_codes.random_code(self.rng)
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
                others = [s for s, *_ in SCHOOLS if s != school]
                plan.transfer = (self.school_day(later), self.rng.choice(others))
            plans.append(plan)
        return plans

    def plan(self, count: int) -> None:
        self.plans = plans = self.plan_children(count)
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
        level = {k: rng.choice([2, 2, 3]) for k in INDICATORS}
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
            self.sessions.setdefault(plan.code, []).append((moment, form.wellbeing))
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
            severity=rng.choices([1, 2, 3], [5, 6, 4])[0],  # 4 and 5: episodes
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
                severity=rng.choices([1, 2, 3], [3, 5, 3])[0],
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
        (self.app.retract_entry if retract else self.app.amend_entry)(actor, plan.code, fix)

    def plan_concern(self, plan: Plan, moment: datetime) -> None:
        rng = self.rng
        form = Concern(occurred_at=moment, level=rng.choice([Level.MEDIUM, Level.HIGH]),
                       reason=rng.choice(text.CONCERN))
        psych = self.staff("psych", plan, moment)
        concern = concern_id(str(child_id(plan.code)))
        self.at(moment, lambda: self.app.raise_concern(psych, plan.code, form))
        school = psych.user_id.split(".", 1)[1]  # psych.<school>
        region = next(r for s, _, r, _ in SCHOOLS if s.lower() == school)
        supervisor = self.actors[f"supervisor.{region.lower()}"]
        ack_at = moment + timedelta(hours=rng.uniform(0.3, 20))
        self.at(ack_at, lambda: unless_gone(lambda: self.app.acknowledge_concern(
            supervisor, concern, note="Seen; talking with the psychologist.")))
        self.at(ack_at + timedelta(hours=1), lambda: unless_gone(lambda: self.app.assign_concern(
            supervisor, concern, assignee=psych.user_id, note="Please follow up.")))
        resolution = Resolution(outcome=rng.choice(list(Outcome)),
                                rationale="Met the child and the mother; agreed weekly check-ins.")
        self.at(ack_at + timedelta(days=rng.randint(2, 12)), lambda: unless_gone(
            lambda: self.app.resolve_concern(supervisor, concern, resolution)))

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

