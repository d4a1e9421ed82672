"""Support plans, their measures and the follow-ups people set, as rows "My work" and the
caseload can count: one row per plan, per measure, per follow-up still open.

A follow-up set in a counselling session is done once a later session of the child is
recorded; one set in a family contact, once a later family contact is. A retracted entry
takes its follow-up with it; an amended date moves it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from domain.model import Child, KopirAggregate
from domain.vocabulary import MeasureStatus
from projections.tables import children, follow_ups, measures, plans, transfers

if TYPE_CHECKING:
    from projections.unit_of_work import UnitOfWork

SETS_FOLLOW_UPS = ("CounsellingSessionRecorded", "FamilyContactRecorded")


def _plan(uow: "UnitOfWork", event: KopirAggregate.Event, **values: Any) -> None:
    uow.flushed().execute(update(plans).where(plans.c.child_id == str(event.originator_id))
                          .values(updated_at=event.timestamp, **values))


def plan_changed(uow: "UnitOfWork", event: KopirAggregate.Event, code: str) -> None:
    """One step of a plan: its row and its measures' rows follow."""
    child = str(event.originator_id)
    if isinstance(event, Child.PlanDrafted):
        uow.flushed().execute(plans.delete().where(plans.c.child_id == child))
        uow.insert(plans, {"child_id": child, "child_code": code, "school_id": event.school_id,
                           "status": "draft", "owner": event.recorded_by,
                           "review_on": event.review_on, "closing": "", "closure_reason": "",
                           "goals": 0, "reviews": 0, "updated_at": event.timestamp})
    elif isinstance(event, Child.GoalAdded):
        _plan(uow, event, goals=plans.c.goals + 1)
    elif isinstance(event, Child.MeasureAdded):
        uow.insert(measures, {
            "measure_id": event.measure_id, "child_id": child, "child_code": code,
            "school_id": event.school_id, "measure_type": event.measure_type,
            "area": event.area, "responsible": event.responsible, "starts_on": event.starts_on,
            "review_on": event.review_on, "status": MeasureStatus.PLANNED.value,
            "outcome": "", "updated_at": event.timestamp})
    elif isinstance(event, Child.MeasureUpdated):
        values: dict[str, Any] = {"status": event.status, "updated_at": event.timestamp}
        if event.review_on:
            values["review_on"] = event.review_on
        if event.result:
            values["outcome"] = event.result
        uow.flushed().execute(update(measures).where(measures.c.measure_id == event.measure_id)
                              .values(**values))
    elif isinstance(event, Child.PlanApproved):
        _plan(uow, event, status="approved")
    elif isinstance(event, Child.PlanReviewed):
        _plan(uow, event, review_on=event.next_review_on, reviews=plans.c.reviews + 1)
    elif isinstance(event, Child.PlanClosureProposed):
        _plan(uow, event, closing=event.closure_reason)
    elif isinstance(event, Child.PlanClosureDeclined):
        _plan(uow, event, closing="")
    elif isinstance(event, Child.PlanClosed):
        _plan(uow, event, status="closed", closing="", closure_reason=event.closure_reason)
    elif isinstance(event, Child.PlanReopened):
        _plan(uow, event, status="approved", closure_reason="")
    elif isinstance(event, Child.TransferProposed):
        uow.insert(transfers, {"child_id": child, "child_code": code,
                               "from_school_id": event.school_id,
                               "to_school_id": event.to_school_id,
                               "proposed_at": event.timestamp})
    elif isinstance(event, Child.TransferRejected):
        uow.flushed().execute(transfers.delete().where(transfers.c.child_id == child))


def entry_recorded(uow: "UnitOfWork", event: KopirAggregate.Event) -> None:
    """A session or a family contact: the follow-ups of that kind it answers are done, and
    the one it sets (if any) is open. Those set earlier in this batch are changed where
    they wait to be written; those written before, and the child's code on the new row,
    at the batch's next write (`before_writing`): a rebuild pays no statement per session."""
    kind = type(event).__name__
    if kind not in SETS_FOLLOW_UPS:
        return
    child = str(event.originator_id)
    waiting = uow.cache.setdefault("open_follow_ups", {})
    for row in waiting.pop((child, kind), []):
        row["done"] = True
    uow.cache.setdefault("answered_follow_ups", set()).add((child, kind))
    due = getattr(event, "follow_up_on", None)
    if due:
        row = {"entry_id": event.entry_id, "child_id": child,  # type: ignore[attr-defined]
               "child_code": None, "school_id": event.school_id, "kind": kind,
               "owner": event.recorded_by, "due_on": str(due)[:10], "done": False}
        uow.insert(follow_ups, row)
        waiting.setdefault((child, kind), []).append(row)
        uow.cache.setdefault("follow_ups_coded", []).append(row)


ANSWER = update(follow_ups).where(
    follow_ups.c.child_id == bindparam("child"), follow_ups.c.kind == bindparam("answered"),
    follow_ups.c.done.is_(False)).values(done=True)


def before_writing(uow: "UnitOfWork") -> None:
    """Before the batch's rows are written: the new follow-ups get their child's code (one
    read for them all), and those written before that a session or contact of this batch
    answered are done (one statement for them all)."""
    rows = uow.cache.pop("follow_ups_coded", None)
    if rows:
        codes = {r["child_id"]: r["code"] for r in uow.inserts.get(children, [])}
        missing = sorted({r["child_id"] for r in rows} - set(codes))
        for first in range(0, len(missing), 500):
            codes.update(uow.session.execute(select(children.c.child_id, children.c.code)
                                             .where(children.c.child_id.in_(
                                                 missing[first:first + 500]))).tuples().all())
        for row in rows:
            row["child_code"] = codes.get(row["child_id"], "")
    answered = uow.cache.pop("answered_follow_ups", None)
    if answered:
        uow.session.execute(ANSWER, [{"child": child, "answered": kind}
                                     for child, kind in sorted(answered)])


def entry_corrected(uow: "UnitOfWork", event: KopirAggregate.Event) -> None:
    """A retraction closes the follow-up its entry set; an amendment may move its date."""
    session = uow.flushed()
    if isinstance(event, Child.EntryRetracted):
        session.execute(update(follow_ups).where(follow_ups.c.entry_id == event.retracts)
                        .values(done=True))
    elif isinstance(event, Child.EntryAmended) and "follow_up_on" in event.changes:
        due = event.changes["follow_up_on"]
        values = {"due_on": str(due)[:10]} if due else {"done": True}
        session.execute(update(follow_ups).where(follow_ups.c.entry_id == event.amends)
                        .values(**values))


def moved(uow: "UnitOfWork", child_id: str, school_id: str) -> None:
    """A transfer accepted: the plan, its measures and the open follow-ups move along."""
    session = uow.flushed()
    session.execute(transfers.delete().where(transfers.c.child_id == child_id))
    for table in (plans, measures, follow_ups):
        session.execute(update(table).where(table.c.child_id == child_id)
                        .values(school_id=school_id))


def code_of(uow: "UnitOfWork", child_id: str) -> str:
    """The child's code, from the caseload's row (gathered in this batch, or written)."""
    pending = uow.pending_row(children, child_id)
    if pending is not None:
        return str(pending["code"])
    found = uow.flushed().execute(select(children.c.code).where(
        children.c.child_id == child_id)).scalar()
    return str(found or "")
