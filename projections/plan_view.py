"""A child's support plan as people read it, folded from the child's events: the same code
serves the plan page (the record as it stands) and the replay "as it stood then"."""

from __future__ import annotations

from typing import Any, Iterable

from domain.model import Child

STEPS = {"PlanApproved": "approved", "PlanClosureProposed": "closure_proposed",
         "PlanClosureDeclined": "closure_declined", "PlanClosed": "closed",
         "PlanReopened": "reopened"}


def empty() -> dict[str, Any]:
    return {"status": "", "owner": "", "drafted_at": None, "review_on": "", "note": "",
            "goals": [], "measures": [], "reviews": [], "steps": [], "closing": "",
            "closure_reason": "", "consents": {}, "transfer_to": ""}


def plan_of(events: Iterable[Any]) -> dict[str, Any]:
    """The plan, its goals, measures, reviews, approvals and the family's consents."""
    plan = empty()
    measures: dict[str, dict[str, Any]] = {}
    for event in events:
        name = type(event).__name__
        who = {"by": event.recorded_by, "role": event.role, "at": event.timestamp}
        if isinstance(event, Child.PlanDrafted):
            consents, transfer = plan["consents"], plan["transfer_to"]
            plan, measures = empty(), {}
            plan.update(status="draft", owner=event.recorded_by, drafted_at=event.timestamp,
                        review_on=event.review_on, note=event.note or "", consents=consents,
                        transfer_to=transfer)
        elif isinstance(event, Child.GoalAdded):
            plan["goals"].append({"goal_id": event.goal_id, "area": event.area,
                                  "target": event.target or ""})
        elif isinstance(event, Child.MeasureAdded):
            measures[event.measure_id] = {
                "measure_id": event.measure_id, "measure_type": event.measure_type,
                "area": event.area, "responsible": event.responsible,
                "starts_on": event.starts_on, "review_on": event.review_on,
                "status": "planned", "result": "", "description": event.description or "",
                "history": [{**who, "status": "planned", "note": ""}]}
            plan["measures"].append(measures[event.measure_id])
        elif isinstance(event, Child.MeasureUpdated) and event.measure_id in measures:
            measure = measures[event.measure_id]
            measure["status"] = event.status
            measure["review_on"] = event.review_on or measure["review_on"]
            measure["result"] = event.result or measure["result"]
            measure["history"].append({**who, "status": event.status, "note": event.note or ""})
        elif isinstance(event, Child.PlanReviewed):
            plan["reviews"].append({**who, "outcomes": dict(event.outcomes),
                                    "evidence": dict(event.evidence), "note": event.note or "",
                                    "next_review_on": event.next_review_on})
            plan["review_on"] = event.next_review_on
        elif name in STEPS:
            step = {**who, "step": STEPS[name], "note": getattr(event, "note", "") or "",
                    "closure_reason": getattr(event, "closure_reason", ""),
                    "acting_for": getattr(event, "acting_for", "")}
            plan["steps"].append(step)
            plan["status"] = {"approved": "approved", "closed": "closed",
                              "reopened": "approved"}.get(step["step"], plan["status"])
            plan["closing"] = step["closure_reason"] if name == "PlanClosureProposed" else ""
            if name == "PlanClosed":
                plan["closure_reason"] = event.closure_reason
        elif isinstance(event, Child.ConsentRecorded):
            plan["consents"][event.purpose] = {**who, "given": event.given,
                                               "given_by": event.given_by}
        elif isinstance(event, Child.TransferProposed):
            plan["transfer_to"] = event.to_school_id
        elif isinstance(event, (Child.TransferRejected, Child.ChildTransferred)):
            plan["transfer_to"] = ""
    return plan
