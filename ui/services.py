"""The only wiring between the UI and the infrastructure.

One runtime per server process (application, read models, and the embedded
projection driver running in the background). Pages call these functions and
never touch SQL or the event store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from domain.access import Actor
from uuid import UUID

from domain.events import (
    Concern,
    ConflictReport,
    Correction,
    CounsellingSession,
    Enrolment,
    PeerIncidentReport,
    Resolution,
)
from kopir import runtime
from kopir.settings import settings
from projections.queries import Queries

FRESHNESS_TIMEOUT = 2.0


@st.cache_resource(show_spinner=False)
def _runtime() -> runtime.Runtime:
    rt = runtime.build()
    if settings().embedded_projections:  # distributed mode: consumers and `kopir engine`
        rt.start_embedded()
    return rt


def queries() -> Queries:
    rt = _runtime()
    return Queries(rt.app, rt.view)


def _settled() -> None:
    """Wait until what was just recorded is in the read models (the page shows it)."""
    rt = _runtime()
    if settings().embedded_projections:
        rt.runner.wait(rt.app.recorder.max_notification_id(), timeout=FRESHNESS_TIMEOUT)


def log_in(user_id: str, password: str) -> Actor:
    return _runtime().app.log_in(user_id, password)


def actor_for(user_id: str) -> Actor:
    return _runtime().app.actor_for(user_id)


def children(actor: Actor, open_only: bool = False) -> list[dict[str, Any]]:
    rows = queries().children(actor)
    return [c for c in rows if c["status"] == "open"] if open_only else rows


def child_version(code: str) -> int:
    return _runtime().app.child(code).version


def _command(name: str, *args: Any, **kwargs: Any) -> Any:
    result = getattr(_runtime().app, name)(*args, **kwargs)
    _settled()
    return result


def enrol_child(actor: Actor, form: Enrolment) -> Any:
    return _command("enrol_child", actor, form)


def record_conflict(actor: Actor, code: str, form: ConflictReport, expected_version: int,
                    entry_id: str | None = None) -> str:
    return _command("record_conflict", actor, code, form, expected_version=expected_version,
                    entry_id=entry_id)


def record_peer_incident(actor: Actor, code: str, form: PeerIncidentReport,
                         expected_version: int, entry_id: str | None = None) -> str:
    return _command("record_peer_incident", actor, code, form,
                    expected_version=expected_version, entry_id=entry_id)


def record_counselling_session(actor: Actor, code: str, form: CounsellingSession,
                               expected_version: int, entry_id: str | None = None) -> str:
    return _command("record_counselling_session", actor, code, form,
                    expected_version=expected_version, entry_id=entry_id)


def raise_concern(actor: Actor, code: str, form: Concern, expected_version: int,
                  entry_id: str | None = None) -> Any:
    return _command("raise_concern", actor, code, form, expected_version=expected_version,
                    entry_id=entry_id)


def amend_entry(actor: Actor, code: str, correction: Correction, expected_version: int,
                entry_id: str | None = None) -> str:
    return _command("amend_entry", actor, code, correction, expected_version=expected_version,
                    entry_id=entry_id)


def retract_entry(actor: Actor, code: str, correction: Correction, expected_version: int,
                  entry_id: str | None = None) -> str:
    return _command("retract_entry", actor, code, correction,
                    expected_version=expected_version, entry_id=entry_id)


def acknowledge_escalation(actor: Actor, escalation_id: str, note: str) -> None:
    _command("acknowledge_escalation", actor, UUID(escalation_id), note=note)


def assign_escalation(actor: Actor, escalation_id: str, assignee: str, note: str) -> None:
    _command("assign_escalation", actor, UUID(escalation_id), assignee, note=note)


def resolve_escalation(actor: Actor, escalation_id: str, form: Resolution) -> None:
    _command("resolve_escalation", actor, UUID(escalation_id), form)


def chronology(actor: Actor, code: str, as_of: datetime | None = None) -> list[dict[str, Any]]:
    return queries().chronology(actor, code, as_of=as_of)


def diff(actor: Actor, code: str, earlier: datetime, later: datetime) -> dict[str, Any]:
    return queries().diff(actor, code, earlier, later)


def child_summary(actor: Actor, code: str) -> dict[str, Any]:
    return queries().child_summary(actor, code)


def wellbeing(actor: Actor, code: str) -> list[dict[str, Any]]:
    return queries().wellbeing(actor, code)


def escalations(actor: Actor) -> list[dict[str, Any]]:
    return queries().escalation_queue(actor)


def monitor(actor: Actor, **view: Any) -> dict[str, Any]:
    return queries().monitor(actor, **view)


def escalation_metrics(actor: Actor) -> list[dict[str, Any]]:
    return queries().escalation_metrics(actor)


def explain(actor: Actor, escalation_id: str, language: str = "en") -> dict[str, Any]:
    return queries().explain(actor, escalation_id, language=language)


def caseload(actor: Actor) -> dict[str, Any]:
    return queries().caseload(actor)


def events(actor: Actor, code: str) -> list[dict[str, Any]]:
    return queries().events(actor, code)


def access_log(actor: Actor, code: str | None = None,
               viewed_by: str | None = None) -> list[dict[str, Any]]:
    return queries().access_log(actor, code, viewed_by)


def integrity(actor: Actor, code: str) -> dict[str, Any]:
    return queries().integrity(actor, code)


def export(actor: Actor, code: str) -> dict[str, Any]:
    return queries().export(actor, code)


def schools(actor: Actor) -> list[dict[str, Any]]:
    return queries().schools(actor)


def staff_of(actor: Actor, school_id: str) -> list[str]:
    """User ids of the psychologists and supervisors who could take on an escalation."""
    return queries().staff_of(actor, school_id)


def now() -> datetime:
    return _runtime().app.clock.now()


def accounts(actor: Actor) -> list[dict[str, Any]]:
    return queries().accounts(actor)


def verify_log(actor: Actor, progress: Any = None) -> Any:
    return queries().verify_log(actor, progress)
