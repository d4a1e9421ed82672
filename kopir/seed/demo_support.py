"""The demo's support work: for most children a support plan a few weeks after enrolment
(goals in two or three wellbeing areas, measures of every kind with the person
responsible, a supervisor's approval, reviews whose outcomes follow how the child is
doing, some measures finished or stopped, closures approved), the family work around it
(contacts with the mother, refusals, the family's consent per purpose), and transfers that
the receiving school accepts, or once rejects.

Each child's support is drawn from a generator of its own (seeded by the child's code), so
the rest of the demo comes out as it did before plans existed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Callable

from domain.access import Actor
from domain.errors import PlanStateError
from domain.plan_forms import (
    Closure,
    Consent,
    FamilyContact,
    Goal,
    Measure,
    MeasureChange,
    PlanDraft,
    Review,
)
from domain.rules.quality import Episode
from domain.vocabulary import (
    ADOLESCENT_FROM,
    CONSENT_FOR,
    INDICATORS,
    ClosureReason,
    ConsentPurpose,
    ContactOutcome,
    ContactType,
    FamilyMember,
    GoalOutcome,
    MeasureStatus,
    MeasureType,
)
from kopir.seed.demo_cast import SCHOOLS, Plan
from kopir.seed.demo_plans import ChildPlans

PLAN_SHARE = 0.85  # children who get a support plan
REFERRALS = (MeasureType.REFERRAL_MEDICAL, MeasureType.REFERRAL_PSYCHOLOGICAL,
             MeasureType.REFERRAL_SOCIAL_SERVICES, MeasureType.REFERRAL_LEGAL)
TARGETS = {"social_ties": "Two friends in class and a place in a group activity.",
           "school_engagement": "Attends every lesson and catches up in reading.",
           "emotional_state": "Sleeps better and talks about worries with an adult.",
           "family_support": "The mother joins a support programme and meets the school."}
OUTCOMES = {"improving": [6, 3, 1], "stable": [2, 6, 2], "worsening": [1, 3, 6]}


class SupportPlans(ChildPlans):
    episodes: list[Episode]  # the labelled truth (`demo_episodes`)

    def plan(self, count: int) -> None:
        super().plan(count)
        for plan in self.plans:
            rng = random.Random(f"support:{plan.code}")
            self.plan_family(plan, rng)
            if rng.random() < PLAN_SHARE:
                self.plan_support(plan, rng)
        self.plan_rejected_transfer()
        self.plan_delegations()

    # --- delegation ---------------------------------------------------------------------
    def delegations(self) -> list[tuple[str, str, datetime, datetime]]:
        """(supervisor, deputy, from, until): one absence in the past, and one now."""
        past = self.term_day(random.Random("delegation"), self.until - timedelta(days=120))
        return [("supervisor.almaty", "supervisor.astana", past, past + timedelta(days=14)),
                ("supervisor.aktobe", "psych.akt-03", self.until - timedelta(days=3),
                 self.until + timedelta(days=7))]

    def plan_delegations(self) -> None:
        for supervisor, deputy, starts, ends in self.delegations():
            boss = self.actors[supervisor]
            self.at(starts - timedelta(days=2), lambda boss=boss, deputy=deputy, starts=starts,
                    ends=ends: self.app.name_deputy(boss, boss.user_id, deputy, starts, ends)
                    and None)

    def deputy_for(self, supervisor: str, moment: datetime) -> Actor | None:
        """Who stands in for the supervisor at that moment, if anyone."""
        return next((self.actors[d] for s, d, starts, ends in self.delegations()
                     if s == supervisor and starts <= moment < ends), None)

    # --- transfers --------------------------------------------------------------------
    def plan_end(self, plan: Plan) -> None:
        """A move proposed with the family's consent, accepted by the receiving school."""
        if plan.transfer is not None:
            moment, to_school = plan.transfer
            sender = self.staff("psych", plan, moment - timedelta(days=3))
            receiver = self.staff("psych", plan, moment)
            consent = Consent(ConsentPurpose.SHARE_WITH_SCHOOL, True, FamilyMember.MOTHER,
                              "The mother agreed that the new school may read the record.")
            self.at(moment - timedelta(days=3), lambda: self.app.record_consent(
                sender, plan.code, consent))
            self.at(moment - timedelta(days=1), lambda: self.app.transfer_child(
                sender, plan.code, to_school, "The family moved to another city."))
            self.at(moment, lambda: self.app.accept_transfer(receiver, plan.code))
        if plan.end_at is not None:
            actor = self.staff("psych", plan, plan.end_at)
            self.at(plan.end_at, lambda: self.app.close_enrolment(
                actor, plan.code, "The family moved abroad; records kept as required."))

    def plan_rejected_transfer(self) -> None:
        """One move the receiving school turns down (no place in the grade); the child stays."""
        staying = [p for p in self.plans if p.transfer is None and p.end_at is None]
        if not staying:
            return
        plan = staying[len(staying) // 2]
        moment = self.term_day(random.Random("rejected"), self.until - timedelta(days=40))
        if not self.active(plan, moment - timedelta(days=3)):
            return
        other = next(s for s, *_ in SCHOOLS if s != plan.school)
        sender = self.staff("psych", plan, moment)
        receiver = self.actors[f"psych.{other.lower()}"]
        self.at(moment - timedelta(days=2), lambda: self.app.record_consent(sender, plan.code, Consent(
            ConsentPurpose.SHARE_WITH_SCHOOL, True, FamilyMember.MOTHER)))
        self.at(moment, lambda: self.app.transfer_child(
            sender, plan.code, other, "The family may move closer to the grandparents."))
        self.at(moment + timedelta(days=2), lambda: self.app.reject_transfer(
            receiver, plan.code, "No place in this grade until the next school year."))

    # --- family work -------------------------------------------------------------------
    def plan_family(self, plan: Plan, rng: random.Random) -> None:
        """A contact with the family every six to ten weeks; some not reached, some
        refused (by the mother, or by someone else in the family)."""
        moment = self.term_day(rng, plan.enrol_at + timedelta(days=rng.randint(7, 30)))
        refuser = None
        if plan.trajectory == "worsening" and rng.random() < 0.35:
            refuser = rng.choice([FamilyMember.FATHER, FamilyMember.OTHER_RELATIVE])
        while self.active(plan, moment + timedelta(days=1)) and not self.moving(plan, moment):
            roll = rng.random()
            outcome = ContactOutcome.REACHED if roll < 0.75 else (
                ContactOutcome.NOT_REACHED if roll < 0.9 else ContactOutcome.REFUSED)
            by = FamilyMember.MOTHER if outcome == ContactOutcome.REFUSED else None
            if refuser is not None and rng.random() < 0.3:
                outcome, by = ContactOutcome.REFUSED, refuser
                # The truth beside the data: someone keeps the mother from the school.
                self.episodes.append(Episode(plan.code, "family", moment,
                                             moment + timedelta(days=14)))
            follow_up = (moment + timedelta(days=rng.randint(10, 21))).date() \
                if outcome != ContactOutcome.REACHED else None
            summary = {ContactOutcome.REACHED: "Talked with the mother about school and home.",
                       ContactOutcome.NOT_REACHED: "Nobody answered; we will try again.",
                       ContactOutcome.REFUSED: "The contact was refused at the door."}[outcome]
            form = FamilyContact(moment, FamilyMember.MOTHER, rng.choice(list(ContactType)),
                                 outcome, by, summary, follow_up)
            self.plan_entry(plan, "psych", moment, "record_family_contact", form)
            # After a contact that did not happen, the next try is on its follow-up day.
            moment = self.term_day(rng, datetime.combine(follow_up, moment.timetz()) if follow_up
                                   else moment + timedelta(days=rng.randint(42, 70)))

    def term_day(self, rng: random.Random, moment: datetime) -> datetime:
        """A weekday in term time, in school hours, from the child's own generator (so
        the everyday record and the episodes draw what they drew before plans existed)."""
        while moment.month in (6, 7, 8) or moment.weekday() >= 5:
            moment += timedelta(days=1)
        return moment.replace(hour=rng.randint(8, 15), minute=rng.randint(0, 59), second=0,
                              microsecond=0)

    def moving(self, plan: Plan, moment: datetime) -> bool:
        """From a few days before a move on, the sending school plans nothing more (the
        receiving school takes the plan on as it is)."""
        return plan.transfer is not None and moment >= plan.transfer[0] - timedelta(days=5)

    def supervisor(self, plan: Plan) -> Actor:
        region = next(r for s, _, r, _ in SCHOOLS if s == plan.school)
        return self.actors[f"supervisor.{region.lower()}"]

    def later(self, plan: Plan, moment: datetime, run: Callable[[], None]) -> None:
        """An action on the plan, while the child is still at school and not moving; unless
        the plan was closed meanwhile (a measure that would have ended after it)."""
        if self.active(plan, moment + timedelta(days=1)) and not self.moving(plan, moment):
            self.at(moment, lambda: unless_closed(run))

    # --- the support plan -----------------------------------------------------------------
    def plan_support(self, plan: Plan, rng: random.Random) -> None:
        drafted = self.term_day(rng, plan.enrol_at + timedelta(days=rng.randint(21, 45)))
        if not self.active(plan, drafted) or self.moving(plan, drafted):
            return
        psych = self.staff("psych", plan, drafted)
        teacher = self.staff("teacher", plan, drafted)
        supervisor = self.supervisor(plan)
        areas = rng.sample(list(INDICATORS), rng.randint(2, 3))
        review_every = timedelta(days=rng.randint(42, 63))
        goals: list[str] = []
        self.later(plan, drafted, lambda: goals.extend(self.app.draft_plan(psych, plan.code, PlanDraft(
            tuple(Goal(a, TARGETS[a]) for a in areas), (drafted + review_every).date(),
            "Agreed with the class tutor and the mother."))))
        approved = drafted + timedelta(days=rng.randint(1, 6), hours=2)
        self.later(plan, approved, lambda: self.app.approve_plan(supervisor, plan.code, "Agreed."))
        age = drafted.year - plan.birth_year
        kinds = [(MeasureType.COUNSELLING, psych)]
        kinds.append((rng.choice([MeasureType.PEER_MENTOR, MeasureType.AFTER_SCHOOL_ACTIVITY,
                                  MeasureType.CATCH_UP_LESSONS]), teacher))
        if rng.random() < 0.5:
            kinds.append((MeasureType.FAMILY_SUPPORT, psych))
        if rng.random() < 0.4:
            kinds.append((rng.choice(REFERRALS), psych))
        if age >= ADOLESCENT_FROM and rng.random() < 0.4:
            kinds.append((MeasureType.REFERRAL_RELIGIOUS_STUDIES, psych))
        for kind, who in kinds:
            self.plan_measure(plan, rng, kind, who.user_id, drafted + timedelta(minutes=20),
                              approved)
        self.plan_reviews(plan, rng, goals, approved, review_every)

    def plan_measure(self, plan: Plan, rng: random.Random, kind: MeasureType, who: str,
                     added: datetime, approved: datetime) -> None:
        starts = approved + timedelta(days=rng.randint(3, 10))
        review_on = (starts + timedelta(days=rng.randint(28, 56))).date()
        psych = self.staff("psych", plan, added)
        ids: list[str] = []
        self.later(plan, added, lambda: ids.append(self.app.add_measure(psych, plan.code, Measure(
            kind, rng.choice(list(INDICATORS)), who, starts.date(), review_on,
            "Weekly, agreed with the child."))))
        purpose = CONSENT_FOR.get(kind.value)
        if purpose is not None:
            given = rng.random() < 0.8
            self.later(plan, starts - timedelta(days=1), lambda: self.app.record_consent(
                psych, plan.code, Consent(ConsentPurpose(purpose), given, FamilyMember.MOTHER,
                                          "Asked at a meeting at school.")))
            if not given:  # stopped: the family did not agree
                self.later(plan, starts, lambda: self.app.update_measure(psych, plan.code, MeasureChange(
                    ids[0], MeasureStatus.STOPPED, "Not started.", None,
                    "The family did not give its consent.")))
                return
        self.later(plan, starts, lambda: self.app.update_measure(psych, plan.code, MeasureChange(
            ids[0], MeasureStatus.IN_PROGRESS)))
        ends = starts + timedelta(days=rng.randint(90, 400))
        done = rng.random() < 0.75
        self.later(plan, ends, lambda: self.app.update_measure(psych, plan.code, MeasureChange(
            ids[0], MeasureStatus.DONE if done else MeasureStatus.STOPPED,
            "Went as agreed; the child took part." if done else "Attendance stopped.",
            None, "" if done else "The child stopped coming; another measure is planned.")))

    def plan_reviews(self, plan: Plan, rng: random.Random, goals: list[str],
                     approved: datetime, every: timedelta) -> None:
        at, reviews = self.term_day(rng, approved - timedelta(days=6) + every), 0
        weights = OUTCOMES[plan.trajectory]
        while self.active(plan, at) and not self.moving(plan, at):
            psych = self.staff("psych", plan, at)
            nxt = self.term_day(rng, at + every)  # the next review, and the measures' too

            def review(nxt: datetime = nxt, psych: Actor = psych) -> None:
                outcomes = {g: rng.choices(list(GoalOutcome), weights)[0] for g in goals}
                self.app.review_plan(psych, plan.code, Review(outcomes, nxt.date(), "Reviewed "
                                                              "with the class tutor."))
                measures = self.app.child(plan.code).plan["measures"]
                for measure_id in [m for m, v in measures.items() if v["status"] == "in_progress"]:
                    self.app.update_measure(psych, plan.code, MeasureChange(  # reviewed too
                        measure_id, MeasureStatus.IN_PROGRESS, review_on=nxt.date()))
            self.later(plan, at, review)
            reviews += 1
            done_at, at = at, nxt
            if plan.trajectory == "improving" and reviews >= 4 and rng.random() < 0.5:
                self.plan_closure(plan, done_at + timedelta(days=2))
                return

    def plan_closure(self, plan: Plan, moment: datetime) -> None:
        if not self.active(plan, moment + timedelta(days=4)):
            return
        psych = self.staff("psych", plan, moment)
        supervisor = self.supervisor(plan)
        self.later(plan, moment, lambda: self.app.propose_closure(psych, plan.code, Closure(
            ClosureReason.GOALS_MET, "Friends in class, lessons caught up, the mother working.")))
        self.later(plan, moment + timedelta(days=3), lambda: self.app.approve_closure(
            supervisor, plan.code, "Agreed; the tutor keeps an eye on the child."))


def unless_closed(run: Callable[[], object]) -> None:
    """A step on a plan, unless the plan was closed before it came (the demo plans each
    measure's end apart from the plan's closure)."""
    try:
        run()
    except PlanStateError:
        pass
