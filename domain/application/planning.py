"""What staff decide to do for a child, and whether it worked: the support plan (goals,
measures, reviews, a supervisor's approval of the plan and of its closure), the family
work (contacts, consent per purpose), and transfers that the receiving school answers.

Each command checks who is acting, validates the form, and asks the child's record
(`Child.plan_step`, guarded by `domain.plan`) to take the step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import access, checks
from domain.access import Actor
from domain.application.base import command
from domain.application.supervision import Supervision
from domain.checks import TEXT, plain
from domain.child import scored_sessions
from domain.errors import ConsentMissing, InvalidEntry, Problems
from domain.model import Child
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
from domain.vocabulary import ADOLESCENT_FROM, ConsentPurpose, MeasureType


def _note(note: str, *, required: bool = False) -> None:
    problems = Problems()
    checks.text(problems, "note", note, required=required, limit=TEXT)
    problems.raise_if_any()


class Planning(Supervision):
    def _planned(self, actor: Actor, code: str) -> Child:
        child = self._child_for(actor, "plan", code)
        child.check_open()
        return child

    def _step(self, actor: Actor, child: Child, event_class: type, **fields: Any) -> None:
        child.plan_step(event_class, self._stamp(actor, child.school_id), **fields)
        self._save(child)

    # --- the plan ---------------------------------------------------------------------
    @command
    def draft_plan(self, actor: Actor, code: str, form: PlanDraft) -> list[str]:
        """A plan with its goals (one or more of the four wellbeing areas, each with a
        target) and the date of its first review; returns the goal ids."""
        child = self._planned(actor, code)
        form.validate(self._now())
        stamp = self._stamp(actor, child.school_id)
        child.plan_step(Child.PlanDrafted, stamp, review_on=form.review_on.isoformat(),
                        note=form.note)
        goals = []
        for goal in form.goals:
            goals.append(str(self.new_id()))
            child.plan_step(Child.GoalAdded, stamp, goal_id=goals[-1], area=goal.area,
                            target=goal.target.strip())
        self._save(child)
        return goals

    @command
    def add_goal(self, actor: Actor, code: str, goal: Goal) -> str:
        child = self._planned(actor, code)
        PlanDraft((goal,), self._now().date()).validate(self._now())
        goal_id = str(self.new_id())
        self._step(actor, child, Child.GoalAdded, goal_id=goal_id, area=goal.area,
                   target=goal.target.strip())
        return goal_id

    @command
    def add_measure(self, actor: Actor, code: str, form: Measure,
                    measure_id: str | None = None) -> str:
        """A measure with the person responsible (an active member of the school's staff,
        chosen by name); returns its id. Given an id already in the plan (an import run
        again), nothing more is recorded."""
        child = self._planned(actor, code)
        if measure_id is not None and measure_id in child.plan["measures"]:
            return measure_id
        form.validate(self._now())
        self.check_assignee(child.school_id, form.responsible)
        kind = MeasureType(form.measure_type)
        if kind == MeasureType.REFERRAL_RELIGIOUS_STUDIES and \
                form.starts_on.year - child.birth_year < ADOLESCENT_FROM:
            raise InvalidEntry.one("measure_type", "measure.adolescents_only",
                                   age=ADOLESCENT_FROM)
        measure_id = measure_id or str(self.new_id())
        self._step(actor, child, Child.MeasureAdded, measure_id=measure_id,
                   measure_type=kind.value, area=form.area, responsible=form.responsible,
                   starts_on=form.starts_on.isoformat(), review_on=form.review_on.isoformat(),
                   description=form.description)
        return measure_id

    @command
    def update_measure(self, actor: Actor, code: str, form: MeasureChange) -> None:
        """Start (only with the family's consent where the measure needs it), finish, stop
        with a reason, or set the next review of a measure."""
        child = self._planned(actor, code)
        form.validate(self._now())
        self._step(actor, child, Child.MeasureUpdated, measure_id=form.measure_id,
                   status=plain(form.status), result=form.result,
                   review_on=form.review_on.isoformat() if form.review_on else "",
                   note=form.note)

    @command
    def review_plan(self, actor: Actor, code: str, form: Review,
                    review_id: str | None = None) -> dict[str, Any]:
        """The outcome per goal, recorded beside what the record shows since the last review
        (wellbeing then and now, positive ties); returns that evidence. A review id already
        recorded (an import run again) records nothing more."""
        child = self._planned(actor, code)
        if review_id is not None and review_id in child.plan["reviews"]:
            return {}
        form.validate(self._now())
        unknown = [g for g in form.outcomes if g not in child.plan["goals"]]
        if unknown:
            raise InvalidEntry.one("outcomes", "plan.unknown_goal")
        evidence = self.review_evidence(child)
        self._step(actor, child, Child.PlanReviewed, review_id=review_id or str(self.new_id()),
                   outcomes={g: plain(o) for g, o in form.outcomes.items()},
                   evidence=evidence, next_review_on=form.next_review_on.isoformat(),
                   note=form.note)
        return evidence

    def review_evidence(self, child: Child) -> dict[str, Any]:
        """What the record shows since the plan's last review (or its drafting): the
        wellbeing scores then (the last before it) and now (the latest), the sessions
        attended since, and the positive ties recorded since."""
        events = list(self.events.get(child.id))
        since: datetime | None = None
        for event in events:
            if isinstance(event, (Child.PlanDrafted, Child.PlanReviewed)):
                since = event.timestamp
        # Per area, as a session may assess some areas only: the last score before, the
        # first and the last since.
        before: dict[str, int] = {}
        first: dict[str, int] = {}
        latest: dict[str, int] = {}
        sessions = 0
        for session in scored_sessions(events):
            scores = dict(session.wellbeing or {})
            if since is None or session.occurred_at >= since:
                sessions += 1
                first = {**scores, **first}
                latest.update(scores)
            else:
                before.update(scores)
        retracted = {e.retracts for e in events if isinstance(e, Child.EntryRetracted)}
        ties = sum(1 for e in events if isinstance(e, Child.PeerIncidentRecorded) and e.positive
                   and e.entry_id not in retracted and (since is None or e.occurred_at >= since))
        return {"since": since.isoformat() if since else "", "sessions": sessions,
                "first": {**first, **before}, "latest": {**before, **latest},
                "positive_ties": ties}

    @command
    def approve_plan(self, actor: Actor, code: str, note: str = "") -> None:
        child, acting_for = self._approving(actor, code)
        _note(note)
        self._step(actor, child, Child.PlanApproved, note=note, acting_for=acting_for)

    @command
    def propose_closure(self, actor: Actor, code: str, form: Closure) -> None:
        """A plan closes only once a supervisor approves the closure proposed here."""
        child = self._planned(actor, code)
        form.validate(self._now())
        self._step(actor, child, Child.PlanClosureProposed,
                   closure_reason=plain(form.closure_reason), note=form.note)

    @command
    def approve_closure(self, actor: Actor, code: str, note: str = "") -> None:
        child, acting_for = self._approving(actor, code)
        _note(note)
        self._step(actor, child, Child.PlanClosed, closure_reason=child.plan["closing"],
                   note=note, acting_for=acting_for)

    @command
    def decline_closure(self, actor: Actor, code: str, note: str) -> None:
        child, acting_for = self._approving(actor, code)
        _note(note, required=True)
        self._step(actor, child, Child.PlanClosureDeclined, note=note, acting_for=acting_for)

    @command
    def reopen_plan(self, actor: Actor, code: str, note: str) -> None:
        child = self._planned(actor, code)
        _note(note, required=True)
        self._step(actor, child, Child.PlanReopened, note=note)

    def _approving(self, actor: Actor, code: str) -> tuple[Child, str]:
        """The child, once the actor may approve for them: a supervisor of the child's
        school, or the deputy of one while the delegation lasts; and whom a deputy acts
        for ("" for the supervisor themselves)."""
        actor = self.in_office(actor)
        child = self.child(code)
        access.check_in_scope(actor, child.school_id, code, "approve a plan", deputy=True)
        access.check_may_approve_plans(actor, child.school_id)
        child.check_open()
        return child, actor.acting_for(child.school_id)

    # --- family work ----------------------------------------------------------------------
    @command
    def record_consent(self, actor: Actor, code: str, form: Consent) -> None:
        child = self._child_for(actor, "consent", code)
        form.validate(self._now())
        self._step(actor, child, Child.ConsentRecorded, purpose=plain(form.purpose),
                   given=form.given, given_by=plain(form.given_by), note=form.note)

    @command
    def record_family_contact(self, actor: Actor, code: str, form: FamilyContact,
                              expected_version: int | None = None,
                              entry_id: str | None = None) -> str:
        return self._record_one(actor, "family", code, form, Child.FamilyContactRecorded,
                                expected_version, entry_id)

    # --- transfers ------------------------------------------------------------------------
    @command
    def transfer_child(self, actor: Actor, code: str, to_school_id: str, reason: str,
                       expected_version: int | None = None) -> None:
        """Propose a move to another registered school, with the family's consent to share
        the record on file; the child moves when that school accepts."""
        child = self._child_for(actor, "transfer", code)
        self._check_version(child, expected_version)
        problems = Problems()
        if not isinstance(to_school_id, str) or not to_school_id or \
                to_school_id == child.school_id:
            problems.add("to_school_id", "transfer.school")
        elif not self.is_school(to_school_id):
            problems.add("to_school_id", "transfer.unknown_school", school=to_school_id[:40])
        checks.text(problems, "reason", reason, required=True, limit=TEXT)
        problems.raise_if_any()
        if not child.consents.get(ConsentPurpose.SHARE_WITH_SCHOOL.value, False):
            raise ConsentMissing(purpose=ConsentPurpose.SHARE_WITH_SCHOOL.value)
        self._step(actor, child, Child.TransferProposed, to_school_id=to_school_id,
                   reason=reason)

    def _receiving(self, actor: Actor, code: str) -> Child:
        child = self.child(code)
        access.check_may_receive(actor, child.transfer_to, code)
        return child

    @command
    def accept_transfer(self, actor: Actor, code: str) -> None:
        """The receiving school takes the child on: record and plan move with them."""
        child = self._receiving(actor, code)
        child.accept_transfer(self._stamp(actor, child.transfer_to))
        self._save(child)

    @command
    def reject_transfer(self, actor: Actor, code: str, reason: str) -> None:
        child = self._receiving(actor, code)
        problems = Problems()
        checks.text(problems, "reason", reason, required=True, limit=TEXT)
        problems.raise_if_any()
        child.plan_step(Child.TransferRejected, self._stamp(actor, child.transfer_to),
                        to_school_id=child.transfer_to, reason=reason)
        self._save(child)

