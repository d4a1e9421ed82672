"""Concerns: one row per episode of a child's concern, what the monitor lists.

Rows change in a batch's cache and are written once when the batch finishes, so a burst
of signals costs one write per concern. Escalations recorded before concerns existed
(`EscalationRaised` without `concern`) fold into a row of their own per child (episode
0), opened while any of them is unresolved; the child's first real concern folds it in.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from domain.concern import concern_id, higher
from domain.model import Concern, Escalation, KopirAggregate
from domain.vocabulary import LEVELS
from projections import counters
from projections.chronology import dumps
from projections.tables import concerns

if TYPE_CHECKING:
    from projections.unit_of_work import UnitOfWork

c = concerns.c
UNRESOLVED = ("open", "acknowledged", "assigned", "snoozed")
CLOSED = ("resolved", "folded")
LEGACY = 0  # the episode escalations recorded before concerns fold into


def _cache(uow: "UnitOfWork") -> dict[str, Any]:
    return uow.cache.setdefault("concerns", {"rows": {}, "new": set(), "heads": {}})


def _row(uow: "UnitOfWork", key: str) -> dict[str, Any] | None:
    cache = _cache(uow)
    if key not in cache["rows"]:
        found = uow.session.execute(select(concerns).where(c.concern_key == key)).mappings().first()
        cache["rows"][key] = None if found is None else dict(found)
        cache.setdefault("before", {})[key] = counters.concern_key(cache["rows"][key])
    return cache["rows"][key]


def _head(uow: "UnitOfWork", cid: str) -> dict[str, Any] | None:
    """The concern's latest episode (the one its events act on)."""
    cache = _cache(uow)
    key = cache["heads"].get(cid)
    if key is None:
        key = uow.session.execute(select(c.concern_key).where(c.concern_id == cid)
                                  .order_by(c.episode.desc()).limit(1)).scalar()
        if key is None:
            return None
        cache["heads"][cid] = key
    return _row(uow, key)


def _new(uow: "UnitOfWork", row: dict[str, Any]) -> None:
    cache = _cache(uow)
    cache["rows"][row["concern_key"]] = row
    cache["new"].add(row["concern_key"])
    if row["episode"] != LEGACY:
        cache["heads"][row["concern_id"]] = row["concern_key"]
    uow.child(row["child_id"]).open_escalations += 1


def _set_status(uow: "UnitOfWork", row: dict[str, Any], status: str) -> None:
    """Change the status; the caseload counts the child's unresolved concerns."""
    was_closed, closed = row["status"] in CLOSED, status in CLOSED
    if was_closed != closed:
        uow.child(row["child_id"]).open_escalations += 1 if was_closed else -1
    row["status"] = status


def _step(row: dict[str, Any], action: str, event: KopirAggregate.Event, note: str = "",
          **extra: Any) -> None:
    history = json.loads(row["history"])
    acting_for = getattr(event, "acting_for", "")  # a deputy's decision names both
    history.append({"action": action, "by": event.recorded_by, "at": event.timestamp,
                    "note": note, **extra, **({"acting_for": acting_for} if acting_for else {})})
    row["history"] = dumps(history)


def _blank(key: str, cid: str, child_id: str, code: str, school_id: str, episode: int,
           level: str, at: datetime, acknowledge_by: datetime | None) -> dict[str, Any]:
    return {"concern_key": key, "concern_id": cid, "child_id": child_id, "child_code": code,
            "school_id": school_id, "episode": episode, "status": "open", "level": level,
            "opened_at": at, "last_signal_at": at, "signal_count": 0, "open_signals": 0,
            "acknowledge_by": acknowledge_by, "acknowledged_at": None, "assignee": None,
            "snoozed_until": None, "resolved_at": None, "outcome": None, "rises": 0,
            "tier": 0, "signals": "[]", "history": "[]"}


def _signals(row: dict[str, Any]) -> list[dict[str, Any]]:
    return json.loads(row["signals"])


def _add_signal(row: dict[str, Any], signal: dict[str, Any]) -> None:
    signals = _signals(row)
    signals.append(signal)
    row["signals"] = dumps(signals)
    row["signal_count"] += 1
    row["open_signals"] += 1
    at = signal["at"]
    at = datetime.fromisoformat(at) if isinstance(at, str) else at  # as read back from JSON
    row["last_signal_at"] = max(row["last_signal_at"], at)


# --- the concern's own events ------------------------------------------------------------
def changed(uow: "UnitOfWork", event: KopirAggregate.Event) -> None:
    cid = str(event.originator_id)
    if isinstance(event, Concern.ConcernStarted):
        return
    if isinstance(event, Concern.ConcernOpened):
        opened(uow, event)
        return
    row = _head(uow, cid)
    if row is None:
        raise LookupError(f"no concern {cid} to apply {type(event).__name__} to")
    row["school_id"] = event.school_id
    if isinstance(event, Concern.SignalAttached):
        if row["open_signals"] == 0:  # after every signal was withdrawn: its own level
            row["level"] = event.level
        _add_signal(row, {"id": event.signal_id, "level": event.level, "rule": event.rule_id,
                          "at": event.timestamp, "entries": list(event.triggering_entries),
                          "status": "open"})
    elif isinstance(event, Concern.SignalWithdrawn):
        signals = _signals(row)
        for signal in signals:
            if signal["id"] == event.signal_id and signal["status"] == "open":
                signal["status"] = "withdrawn"
                row["open_signals"] -= 1
        row["signals"], row["level"] = dumps(signals), event.level
        _step(row, "signal_withdrawn", event, event.why)
    elif isinstance(event, Concern.ConcernReopened):
        _set_status(uow, row, "open")
        row.update(level=event.level, acknowledge_by=event.acknowledge_by, resolved_at=None,
                   outcome=None, acknowledged_at=None, snoozed_until=None, rises=0, tier=0)
        _step(row, "reopened", event)
    elif isinstance(event, Concern.ConcernLevelRaised):
        row.update(level=event.level, acknowledge_by=event.acknowledge_by, tier=event.tier)
        if event.cause == "deadline":
            row["rises"] += 1
        else:
            _set_status(uow, row, "open")
        _step(row, "level_raised", event, event.level, cause=event.cause)
    elif isinstance(event, Concern.ConcernAcknowledged):
        _set_status(uow, row, "acknowledged")
        row["acknowledged_at"] = event.timestamp
        _step(row, "acknowledged", event, event.note)
    elif isinstance(event, Concern.ConcernAssigned):
        _set_status(uow, row, "assigned")
        row["assignee"] = event.assignee
        _step(row, "assigned", event, event.note, assignee=event.assignee)
    elif isinstance(event, Concern.ConcernSnoozed):
        _set_status(uow, row, "snoozed")
        row["snoozed_until"] = row["acknowledge_by"] = event.until
        _step(row, "snoozed", event, event.reason, until=event.until)
    elif isinstance(event, Concern.ConcernResolved):
        _set_status(uow, row, "resolved")
        row.update(resolved_at=event.timestamp, outcome=event.outcome, open_signals=0)
        _step(row, "resolved", event, event.rationale, outcome=event.outcome)
    else:
        raise TypeError(f"{type(event).__name__} does not change a concern")


def opened(uow: "UnitOfWork", event: Concern.ConcernOpened) -> None:
    cid = str(event.originator_id)
    row = _blank(f"{cid}/{event.episode}", cid, event.child_id, event.child_code,
                 event.school_id, event.episode, event.level, event.timestamp,
                 event.acknowledge_by)
    _step(row, "opened", event)
    legacy = _row(uow, f"{cid}/{LEGACY}")
    if legacy is not None and legacy["status"] in UNRESOLVED:
        # What was raised before concerns existed joins the child's first concern.
        earlier = [s for s in _signals(legacy) if s["status"] not in ("resolved", "withdrawn")]
        for signal in earlier:
            _add_signal(row, {**signal, "status": "open"})
            row["level"] = higher(row["level"], signal["level"])
        _set_status(uow, legacy, "folded")
        _step(legacy, "folded", event, str(event.episode))
    _new(uow, row)


# --- escalations recorded before concerns ------------------------------------------------
def escalation_raised(uow: "UnitOfWork", event: Escalation.EscalationRaised) -> None:
    """A signal of a concern is the concern's business; an escalation of an older version
    folds into the child's earlier-escalations row."""
    if event.concern:
        return
    cid = str(concern_id(event.child_id))
    key = f"{cid}/{LEGACY}"
    row = _row(uow, key)
    signal = {"id": str(event.originator_id), "level": event.level, "rule": event.rule_id,
              "at": event.timestamp, "entries": list(event.triggering_entries),
              "status": "open"}
    if row is None:
        row = _blank(key, cid, event.child_id, event.child_code, event.school_id, LEGACY,
                     event.level, event.timestamp, event.acknowledge_by)
        _new(uow, row)
    elif row["status"] in CLOSED:
        _set_status(uow, row, "open")
        row.update(level=event.level, acknowledge_by=event.acknowledge_by, resolved_at=None)
    else:
        row["level"] = higher(row["level"], event.level)
        row["acknowledge_by"] = min(row["acknowledge_by"], event.acknowledge_by)
    _add_signal(row, signal)


def escalation_changed(uow: "UnitOfWork", event: KopirAggregate.Event) -> None:
    """A lifecycle event of an escalation: on the earlier-escalations row, its signal
    changes; the row is as far along as its least advanced unresolved signal."""
    row = _row_of_signal(uow, str(event.originator_id))
    if row is None:
        return  # a signal of a concern (withdrawn through the concern), or not folded
    signals = _signals(row)
    status = {Escalation.EscalationAcknowledged: "acknowledged",
              Escalation.EscalationAssigned: "assigned",
              Escalation.EscalationResolved: "resolved",
              Escalation.EscalationWithdrawn: "withdrawn"}.get(type(event))
    for signal in signals:
        if signal["id"] == str(event.originator_id):
            if isinstance(event, Escalation.EscalationLevelRaised):
                signal["level"] = event.level
            elif status is not None:
                signal["status"] = status
    row["signals"] = dumps(signals)
    live = [s for s in signals if s["status"] not in ("resolved", "withdrawn")]
    row["open_signals"] = len(live)
    if isinstance(event, Escalation.EscalationAssigned):
        row["assignee"] = event.assignee
    if not live:
        _set_status(uow, row, "resolved")
        row["resolved_at"] = event.timestamp
    else:
        order = ["open", "acknowledged", "assigned"]
        _set_status(uow, row, min((s["status"] for s in live), key=order.index))
        row["level"] = max((s["level"] for s in live), key=LEVELS.index)


def _row_of_signal(uow: "UnitOfWork", signal_id: str) -> dict[str, Any] | None:
    cache = _cache(uow)
    owner = cache.setdefault("legacy_of", {})
    key = owner.get(signal_id)
    if key is None:
        for row_key, row in cache["rows"].items():
            if row is not None and row["episode"] == LEGACY and signal_id in row["signals"]:
                key = row_key
                break
    if key is None:
        key = uow.session.execute(select(c.concern_key).where(
            c.episode == LEGACY, c.signals.contains(signal_id))).scalar()
    if key is None:
        return None
    owner[signal_id] = key
    return _row(uow, key)


def child_transferred(uow: "UnitOfWork", child_id: str, school_id: str) -> None:
    """An unresolved concern moves with the child to the receiving school."""
    for row in _unresolved(uow, child_id):
        row["school_id"] = school_id


def _unresolved(uow: "UnitOfWork", child_id: str) -> list[dict[str, Any]]:
    keys = uow.session.execute(select(c.concern_key).where(
        c.child_id == child_id, c.status.in_(UNRESOLVED))).scalars().all()
    rows = [_row(uow, key) for key in keys] + list(_cache(uow)["rows"].values())
    # As the batch has them (the table may still have an earlier status).
    return list({id(r): r for r in rows if r is not None and r["child_id"] == child_id
                 and r["status"] in UNRESOLVED}.values())


PERSONAL_STEPS = ("acknowledged", "assigned", "snoozed", "resolved")


def erased(uow: "UnitOfWork", child_id: str) -> None:
    """The child's key is gone: the notes people wrote on its concerns read back empty."""
    keys = uow.session.execute(select(c.concern_key).where(c.child_id == child_id)).scalars()
    for row in [_row(uow, key) for key in keys.all()] + list(_cache(uow)["rows"].values()):
        if row is not None and row["child_id"] == child_id:
            row["history"] = dumps([{**step, "note": ""} if step["action"] in PERSONAL_STEPS
                                    else step for step in json.loads(row["history"])])


def write(uow: "UnitOfWork") -> None:
    """Write the batch's concern rows: new ones inserted, the others updated."""
    cache = uow.cache.pop("concerns", None)
    if not cache:
        return
    rows = {k: r for k, r in cache["rows"].items() if r is not None}
    counters.concerns_written(uow, rows, cache.get("before", {}))
    fresh = [r for k, r in rows.items() if k in cache["new"]]
    if fresh:
        uow.session.execute(insert(concerns), fresh)
    for key, row in rows.items():
        if key not in cache["new"]:
            uow.session.execute(update(concerns).where(c.concern_key == key).values(**row))
