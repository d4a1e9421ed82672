"""A child's support plan and the family work around it, as events of the child's own
stream: the plan moves with the child, replays "as it stood then" with the rest of the
record, and is erased with it (its free text is sealed under the child's key).

The classes here are adopted by `Child` (each is redefined there, so every stored event
is named `Child.<Event>`); their `apply` methods only change the small state the guards
below need. A plan is drafted with goals in the wellbeing areas, gets measures, is
approved by a supervisor, reviewed on its dates, and closed only when a supervisor
approves a closure someone proposed; a closed plan can be reopened.
"""

from __future__ import annotations

from typing import Any

from domain.aggregate import KopirAggregate
from domain.errors import ConsentMissing, PlanStateError, TransferStateError
from domain.vocabulary import CONSENT_FOR, MeasureStatus

DRAFT, APPROVED, CLOSED = "draft", "approved", "closed"


def new_plan() -> dict[str, Any]:
    return {"status": "", "goals": {}, "measures": {}, "closing": "", "review_on": "",
            "reviews": []}


class PlanDrafted(KopirAggregate.Event):
    """A plan is drafted; its goals follow, one `GoalAdded` each."""

    review_on: str
    note: str

    def apply(self, aggregate: Any) -> None:
        aggregate.plan = {**new_plan(), "status": DRAFT, "review_on": self.review_on}


class GoalAdded(KopirAggregate.Event):
    """A goal in one wellbeing area, with its target (free text: sealed, erasable)."""

    goal_id: str
    area: str
    target: str

    def apply(self, aggregate: Any) -> None:
        aggregate.plan["goals"][self.goal_id] = self.area


class MeasureAdded(KopirAggregate.Event):
    measure_id: str
    measure_type: str
    area: str
    responsible: str
    starts_on: str
    review_on: str
    description: str

    def apply(self, aggregate: Any) -> None:
        aggregate.plan["measures"][self.measure_id] = {
            "type": self.measure_type, "status": MeasureStatus.PLANNED.value}


class MeasureUpdated(KopirAggregate.Event):
    """A measure starts, is done or stopped (with its outcome), or gets its next review."""

    measure_id: str
    status: str
    result: str
    review_on: str
    note: str

    def apply(self, aggregate: Any) -> None:
        aggregate.plan["measures"][self.measure_id]["status"] = self.status


class PlanApproved(KopirAggregate.Event):
    note: str
    acting_for: str = ""  # the supervisor a deputy approved for

    def apply(self, aggregate: Any) -> None:
        aggregate.plan["status"] = APPROVED


class PlanReviewed(KopirAggregate.Event):
    """The outcome per goal, beside what the record showed the reviewer: the wellbeing
    scores then and now, and the positive ties since the last review."""

    review_id: str
    outcomes: dict[str, str]
    evidence: dict[str, Any]
    next_review_on: str
    note: str

    def apply(self, aggregate: Any) -> None:
        aggregate.plan["review_on"] = self.next_review_on
        aggregate.plan["reviews"].append(self.review_id)


class PlanClosureProposed(KopirAggregate.Event):
    closure_reason: str
    note: str

    def apply(self, aggregate: Any) -> None:
        aggregate.plan["closing"] = self.closure_reason


class PlanClosureDeclined(KopirAggregate.Event):
    note: str
    acting_for: str = ""

    def apply(self, aggregate: Any) -> None:
        aggregate.plan["closing"] = ""


class PlanClosed(KopirAggregate.Event):
    """A supervisor approved the closure proposed, for the reason proposed."""

    closure_reason: str
    note: str
    acting_for: str = ""

    def apply(self, aggregate: Any) -> None:
        aggregate.plan["status"], aggregate.plan["closing"] = CLOSED, ""


class PlanReopened(KopirAggregate.Event):
    note: str

    def apply(self, aggregate: Any) -> None:
        aggregate.plan["status"] = APPROVED


class ConsentRecorded(KopirAggregate.Event):
    """The family's consent for one purpose, given or withdrawn, and by whom."""

    purpose: str
    given: bool
    given_by: str
    note: str

    def apply(self, aggregate: Any) -> None:
        aggregate.consents[self.purpose] = self.given


class TransferProposed(KopirAggregate.Event):
    to_school_id: str
    reason: str

    def apply(self, aggregate: Any) -> None:
        aggregate.transfer_to = self.to_school_id


class TransferRejected(KopirAggregate.Event):
    to_school_id: str
    reason: str

    def apply(self, aggregate: Any) -> None:
        aggregate.transfer_to = ""


EVENTS = (PlanDrafted, GoalAdded, MeasureAdded, MeasureUpdated, PlanApproved, PlanReviewed,
          PlanClosureProposed, PlanClosureDeclined, PlanClosed, PlanReopened, ConsentRecorded,
          TransferProposed, TransferRejected)


# --- guards (on the child's state) -------------------------------------------------------
def check_no_plan(plan: dict[str, Any]) -> None:
    if plan["status"]:
        raise PlanStateError(code="plan.exists")


def check_open_plan(plan: dict[str, Any]) -> None:
    if not plan["status"]:
        raise PlanStateError(code="plan.none")
    if plan["status"] == CLOSED:
        raise PlanStateError(code="plan.closed")


def check_measure(plan: dict[str, Any], measure_id: str) -> dict[str, Any]:
    check_open_plan(plan)
    measure = plan["measures"].get(measure_id)
    if measure is None:
        raise PlanStateError(code="plan.unknown_measure")
    if measure["status"] in (MeasureStatus.DONE.value, MeasureStatus.STOPPED.value):
        raise PlanStateError(code="plan.measure_ended")
    return measure  # type: ignore[no-any-return]


def check_consent(consents: dict[str, bool], measure_type: str) -> None:
    """Raised when a measure needs the family's consent and it is not on record (or was
    withdrawn)."""
    purpose = CONSENT_FOR.get(measure_type)
    if purpose is not None and not consents.get(purpose, False):
        raise ConsentMissing(purpose=purpose)


def check_approvable(plan: dict[str, Any]) -> None:
    check_open_plan(plan)
    if plan["status"] == APPROVED:
        raise PlanStateError(code="plan.already_approved")


def check_closing(plan: dict[str, Any]) -> str:
    """The closure reason proposed; raised when no closure waits for approval."""
    check_open_plan(plan)
    if not plan["closing"]:
        raise PlanStateError(code="plan.closure_not_proposed")
    return str(plan["closing"])


def check_closed(plan: dict[str, Any]) -> None:
    if plan["status"] != CLOSED:
        raise PlanStateError(code="plan.not_closed")


def check_transfer_to(transfer_to: str, school_id: str) -> None:
    if not transfer_to or transfer_to != school_id:
        raise TransferStateError()


def check_step(child: Any, event_class: type, fields: dict[str, Any]) -> None:
    """The guard of each step of the plan, the family work and the transfer, by event."""
    name = event_class.__name__
    plan = child.plan
    if name == "PlanDrafted":
        check_no_plan(plan)
    elif name in ("GoalAdded", "MeasureAdded", "PlanReviewed", "PlanClosureProposed"):
        check_open_plan(plan)
        if name == "PlanClosureProposed" and plan["closing"]:
            raise PlanStateError(code="plan.closure_proposed")
    elif name == "MeasureUpdated":
        measure = check_measure(plan, fields["measure_id"])
        if fields["status"] == "in_progress":
            check_consent(child.consents, measure["type"])
    elif name == "PlanApproved":
        check_approvable(plan)
    elif name in ("PlanClosureDeclined", "PlanClosed"):
        check_closing(plan)
    elif name == "PlanReopened":
        check_closed(plan)
    elif name == "TransferProposed":
        if child.transfer_to:
            raise TransferStateError(code="transfer.pending")
    elif name == "TransferRejected":
        check_transfer_to(child.transfer_to, fields["to_school_id"])

