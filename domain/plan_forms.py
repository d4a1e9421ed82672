"""The forms of the support plan and the family work: what each carries and the rules its
content follows (as in `domain.commands`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain import checks, commands
from domain.checks import SHORT_TEXT, TEXT
from domain.commands import Payload
from domain.errors import Problems
from domain.vocabulary import (
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


def _area(p: Problems, name: str, value: Any) -> None:
    if value not in INDICATORS:
        p.add(name, "choice.unknown", allowed=", ".join(INDICATORS))


def _review_day(p: Problems, name: str, value: Any, today: date) -> None:
    if checks.day(p, name, value) and value < today:
        p.add(name, "plan.review_in_past")


@dataclass(frozen=True)
class Goal:
    area: str
    target: str


@dataclass(frozen=True)
class PlanDraft(Payload):
    goals: tuple[Goal, ...]
    review_on: date
    note: str = ""

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        if not isinstance(self.goals, (list, tuple)) or not self.goals or \
                not all(isinstance(g, Goal) for g in self.goals):
            p.add("goals", "plan.goals_missing")
        else:
            for i, goal in enumerate(self.goals):
                _area(p, f"goals[{i}].area", goal.area)
                checks.text(p, f"goals[{i}].target", goal.target, required=True,
                            limit=SHORT_TEXT)
        _review_day(p, "review_on", self.review_on, now.date())
        checks.text(p, "note", self.note, required=False, limit=TEXT)
        return p


@dataclass(frozen=True)
class Measure(Payload):
    measure_type: MeasureType
    area: str
    responsible: str
    starts_on: date
    review_on: date
    description: str = ""

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.choice(p, "measure_type", self.measure_type, MeasureType)
        _area(p, "area", self.area)
        if not isinstance(self.responsible, str) or not checks.USER_ID.match(self.responsible):
            p.add("responsible", "assignee.missing")
        starts = checks.day(p, "starts_on", self.starts_on)
        if checks.day(p, "review_on", self.review_on) and starts and \
                self.review_on < self.starts_on:
            p.add("review_on", "plan.review_before_start")
        checks.text(p, "description", self.description, required=False, limit=TEXT)
        return p


@dataclass(frozen=True)
class MeasureChange(Payload):
    """A measure starts, ends (done, or stopped with a reason), or gets a new review date."""

    measure_id: str
    status: MeasureStatus
    result: str = ""
    review_on: date | None = None
    note: str = ""

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.choice(p, "status", self.status, MeasureStatus)
        checks.text(p, "result", self.result, required=self.status in (
            MeasureStatus.DONE, MeasureStatus.STOPPED, "done", "stopped"), limit=TEXT)
        if self.status in (MeasureStatus.STOPPED, "stopped"):
            checks.text(p, "note", self.note, required=True, limit=TEXT)
        else:
            checks.text(p, "note", self.note, required=False, limit=TEXT)
        if self.review_on is not None:
            _review_day(p, "review_on", self.review_on, now.date())
        return p


@dataclass(frozen=True)
class Review(Payload):
    outcomes: dict[str, GoalOutcome]  # goal id -> better, same or worse
    next_review_on: date
    note: str = ""

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        if not isinstance(self.outcomes, dict) or not self.outcomes:
            p.add("outcomes", "plan.outcomes_missing")
        else:
            for goal, outcome in self.outcomes.items():
                checks.choice(p, f"outcomes[{goal}]", outcome, GoalOutcome)
        _review_day(p, "next_review_on", self.next_review_on, now.date())
        checks.text(p, "note", self.note, required=False, limit=TEXT)
        return p


@dataclass(frozen=True)
class Closure(Payload):
    closure_reason: ClosureReason
    note: str

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.choice(p, "closure_reason", self.closure_reason, ClosureReason)
        checks.text(p, "note", self.note, required=True, limit=TEXT)
        return p


@dataclass(frozen=True)
class Consent(Payload):
    purpose: ConsentPurpose
    given: bool
    given_by: FamilyMember
    note: str = ""

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.choice(p, "purpose", self.purpose, ConsentPurpose)
        checks.flag(p, "given", self.given)
        checks.choice(p, "given_by", self.given_by, FamilyMember)
        checks.text(p, "note", self.note, required=False, limit=TEXT)
        return p


@dataclass(frozen=True)
class FamilyContact(Payload):
    occurred_at: datetime
    contact_with: FamilyMember
    contact_type: ContactType
    outcome: ContactOutcome
    refused_by: FamilyMember | None = None
    summary: str = ""
    follow_up_on: date | None = None

    def problems(self, now: datetime) -> Problems:
        p = Problems()
        checks.moment(p, "occurred_at", self.occurred_at, now)
        checks.choice(p, "contact_with", self.contact_with, FamilyMember)
        checks.choice(p, "contact_type", self.contact_type, ContactType)
        checks.choice(p, "outcome", self.outcome, ContactOutcome)
        refused = self.outcome in (ContactOutcome.REFUSED, "refused")
        if refused and not self.refused_by:  # None on a form, "" as stored
            p.add("refused_by", "family.refused_by")
        elif self.refused_by:
            checks.choice(p, "refused_by", self.refused_by, FamilyMember)
            if not refused:
                p.add("refused_by", "family.not_refused")
        if self.follow_up_on is not None and checks.day(p, "follow_up_on", self.follow_up_on) \
                and isinstance(self.occurred_at, datetime) \
                and self.follow_up_on < self.occurred_at.date():
            p.add("follow_up_on", "follow_up.before_session")
        checks.text(p, "summary", self.summary, required=False, limit=TEXT)
        return p

    def as_event_fields(self) -> dict[str, Any]:
        values = super().as_event_fields()
        values["refused_by"] = values["refused_by"] or ""
        return values


# Fields an amendment may change, per kind of entry (family contacts included).
AMENDABLE = {**commands.AMENDABLE,
             "FamilyContactRecorded": (FamilyContact, {"occurred_at", "contact_type", "outcome",
                                                       "refused_by", "summary", "follow_up_on"})}
