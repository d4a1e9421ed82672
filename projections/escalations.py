"""The escalation queue: what supervisors must look at, with its state and deadline."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from domain.model import Child, Escalation, KopirAggregate
from projections.chronology import dumps
from projections.tables import escalations

if TYPE_CHECKING:
    from projections.unit_of_work import UnitOfWork

e = escalations.c


def raised(uow: "UnitOfWork", event: Escalation.EscalationRaised) -> None:
    uow.insert(escalations, {
        "escalation_id": str(event.originator_id),
        "child_id": event.child_id,
        "child_code": event.child_code,
        "school_id": event.school_id,
        "level": event.level,
        "rule_id": event.rule_id,
        "rule_version": event.rule_version,
        "reason": event.reason,
        "triggering_entries": dumps(list(event.triggering_entries)),
        "status": "open",
        "raised_at": event.timestamp,
        "raised_by": event.recorded_by,
        "acknowledge_by": event.acknowledge_by,
        "due_at": event.due_at,
        "detection_delay_seconds": event.detection_delay_seconds,
        "history": dumps([{**_step("raised", event, event.reason), **_fired(event)}]),
        # Every column, so rows gathered in one batch insert together even once changed.
        "acknowledged_at": None, "acknowledged_by": None, "assignee": None,
        "resolved_at": None, "resolved_by": None, "outcome": None, "rationale": None,
    })


def _fired(event: Escalation.EscalationRaised) -> dict[str, Any]:
    """What held when the rule fired, for "why?": kept on the history's first step (the
    words are the entry's own, erased with the child's other text)."""
    fired = {"fired": list(event.fired)} if event.fired else {}
    if event.matched_words:
        fired["words"] = list(event.matched_words)
    return fired


def _step(action: str, event: KopirAggregate.Event, note: str) -> dict[str, Any]:
    acting_for = getattr(event, "acting_for", "")  # a deputy's decision names both
    return {"action": action, "by": event.recorded_by, "at": event.timestamp, "note": note,
            **({"acting_for": acting_for} if acting_for else {})}


def assigned_note(assignee: str, note: str) -> str:
    """A history step's note for an assignment: who, then why."""
    return f"{assignee}: {note}".rstrip(": ")


def without_personal_notes(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history as it reads after an erasure: notes empty, assignees kept (exactly what
    `assigned_note` gives for an empty note)."""
    return [{**{k: v for k, v in step.items() if k != "words"},
             "note": assigned_note(step["note"].split(": ", 1)[0], "")
             if step.get("action") == "assigned" else ""} for step in steps]


def changed(uow: "UnitOfWork", event: KopirAggregate.Event) -> tuple[str, bool]:
    """Apply an acknowledgement, assignment or resolution; returns (child id, now resolved)."""
    key = str(event.originator_id)
    pending = uow.pending_row(escalations, key)
    if pending is not None:  # raised in this batch: change the gathered row itself
        child_id, status, history = pending["child_id"], pending["status"], \
            json.loads(pending["history"])
    else:
        # Not gathered in this batch, so already in the table: no need to flush the batch.
        found = uow.session.execute(select(e.child_id, e.history, e.status)
                                      .where(e.escalation_id == key)).one()
        child_id, status, history = found.child_id, found.status, json.loads(found.history)
    values: dict[str, Any]
    if isinstance(event, Escalation.EscalationAcknowledged):
        values = {"status": "acknowledged", "acknowledged_at": event.timestamp,
                  "acknowledged_by": event.recorded_by}
        history.append(_step("acknowledged", event, event.note))
    elif isinstance(event, Escalation.EscalationAssigned):
        values = {"status": "assigned", "assignee": event.assignee}
        history.append(_step("assigned", event, assigned_note(event.assignee, event.note)))
    elif isinstance(event, Escalation.EscalationResolved):
        values = {"status": "resolved", "resolved_at": event.timestamp,
                  "resolved_by": event.recorded_by, "outcome": event.outcome,
                  "rationale": event.rationale}
        history.append(_step("resolved", event, event.rationale))
    elif isinstance(event, Escalation.EscalationLevelRaised):
        values = {"status": status, "level": event.level,
                  "acknowledge_by": event.acknowledge_by}
        history.append(_step("level_raised", event, event.level))
    elif isinstance(event, Escalation.EscalationWithdrawn):
        values = {"status": "withdrawn"}  # not a person's resolution: its time is in history
        history.append(_step("withdrawn", event, event.why))
    else:
        raise TypeError(f"{type(event).__name__} does not change an escalation")
    values["history"] = dumps(history)
    if pending is not None:
        pending.update(values)
    else:
        uow.session.execute(update(escalations).where(e.escalation_id == key).values(**values))
    closed = ("resolved", "withdrawn")
    return child_id, values["status"] in closed and status not in closed


def entry_corrected(uow: "UnitOfWork", event: KopirAggregate.Event) -> None:
    """An entry that triggered escalations was amended or retracted: their history says so,
    so a supervisor sees that what raised them has changed."""
    retracted = isinstance(event, Child.EntryRetracted)
    corrected = event.retracts if retracted else event.amends
    session = uow.flushed()
    for row in session.execute(select(e.escalation_id, e.triggering_entries, e.history)
                               .where(e.child_id == str(event.originator_id))).all():
        if corrected in json.loads(row.triggering_entries):
            history = json.loads(row.history)
            history.append(_step("entry_retracted" if retracted else "entry_amended", event,
                                 event.reason))
            session.execute(update(escalations).where(e.escalation_id == row.escalation_id)
                            .values(history=dumps(history)))
