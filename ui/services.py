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
from domain.events import ConflictReport
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


def children(actor: Actor) -> list[dict[str, Any]]:
    return queries().children(actor)


def child_version(code: str) -> int:
    return _runtime().app.child(code).version


def record_conflict(actor: Actor, code: str, form: ConflictReport, expected_version: int) -> str:
    entry_id = _runtime().app.record_conflict(actor, code, form, expected_version=expected_version)
    _settled()
    return entry_id


def chronology(actor: Actor, code: str, as_of: datetime | None = None) -> list[dict[str, Any]]:
    return queries().chronology(actor, code, as_of=as_of)


def wellbeing(actor: Actor, code: str) -> list[dict[str, Any]]:
    return queries().wellbeing(actor, code)


def escalations(actor: Actor) -> list[dict[str, Any]]:
    return queries().escalation_queue(actor)


def escalation_metrics(actor: Actor) -> list[dict[str, Any]]:
    return queries().escalation_metrics(actor)


def explain(actor: Actor, escalation_id: str) -> dict[str, Any]:
    return queries().explain(actor, escalation_id)


def schools(actor: Actor) -> list[dict[str, Any]]:
    return queries().schools(actor)


def now() -> datetime:
    return _runtime().app.clock.now()
