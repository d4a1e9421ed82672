"""The UI's one way into Köpir: the runtime of this server process.

One runtime per server process (application, read models, and in the embedded mode
the followers running in the background), made by the factory the entry script
provides (`kopir/web.py` provides `kopir.bootstrap.build`). Pages read through the
queries of their audience and record through `record`; they never touch SQL or the
event store.
"""

from __future__ import annotations

import gc
from datetime import datetime
from typing import Any, Callable, ParamSpec, TypeVar

import streamlit as st

from domain.access import Actor
from domain.application import SchoolIntegration
from infrastructure.ledger import Verdict
from processes import audit as audit_scan
from processes.runtime import Runtime
from processes.subject_access import to_json
from projections.queries import (
    AdminQueries,
    AuditQueries,
    OversightQueries,
    StaffQueries,
)
from projections.queries.ministry import MinistryQueries
from ui.subject_file import export_of

FRESHNESS_TIMEOUT = 2.0
P = ParamSpec("P")
T = TypeVar("T")


_factory: list[Callable[[], Runtime]] = []


def provide(factory: Callable[[], Runtime]) -> None:
    """Set how this process makes its runtime (the entry script does, on every run)."""
    _factory[:] = [factory]


@st.cache_resource(show_spinner=False)
def _runtime() -> Runtime:
    if not _factory:
        raise RuntimeError("the UI has no runtime: serve it with `kopir serve`")
    rt = _factory[0]()
    if rt.config.embedded_projections:  # distributed mode: consumers and `kopir engine`
        rt.start_embedded()
    # What the server holds for its life (modules, the runtime) is set aside from the
    # garbage collector: a full collection in the middle of a page no longer walks it
    # (at 100,000 children one such pause was most of the monitor's slowest refreshes).
    gc.freeze()
    return rt


def app() -> SchoolIntegration:
    return _runtime().app


def record(command: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one of the application's commands, then wait until the read models include
    what it recorded, so the page that follows shows it."""
    result = command(*args, **kwargs)
    _runtime().settled(timeout=FRESHNESS_TIMEOUT)
    return result


# --- reads, by audience ---------------------------------------------------------------
def staff() -> StaffQueries:
    return _runtime().staff()


def oversight() -> OversightQueries:
    return _runtime().oversight()


def audit() -> AuditQueries:
    return _runtime().audit()


def admin() -> AdminQueries:
    return _runtime().admin()


def ministry() -> MinistryQueries:
    """Aggregates by region and term only (ministry analysts)."""
    rt = _runtime()
    return MinistryQueries(rt.app, rt.view)


def verify_log(actor: Actor, progress: Callable[[int], None] | None = None) -> Verdict:
    """The whole log against its signed checkpoints, by the trusted keys only, and against
    the heads kept outside the store (auditors only)."""
    rt = _runtime()
    return audit_scan.verify_for(actor, rt.app, rt.trusted_keys, rt.heads(), progress)


def approve_erasure(actor: Actor, request_id: str, note: str,
                    progress: Callable[[str], None] | None = None) -> int:
    """Approve an erasure request and carry it out: keys, read models, files (each step
    told to `progress` by its code); returns how many data keys were destroyed."""
    return _runtime().approve_erasure(actor, request_id, note, progress)


def subject_access(actor: Actor, code: str, language: str,
                   progress: Callable[[str], None] | None = None) -> tuple[dict[str, Any],
                                                                           str, bytes]:
    """Everything held about the child `code`, for the data-protection officer: the export,
    its JSON and its PDF (in `language`), each step told to `progress` by its label key.
    Made as `kopir subject-access` makes it: logged as one read of the record (purpose
    "subject_access"), then the read models are waited for, so the access log shows it."""
    rt = _runtime()
    data, pdf = export_of(rt.app, rt.view, actor, code, language,
                          progress or (lambda _: None))
    rt.settled(timeout=FRESHNESS_TIMEOUT)
    return data, to_json(data), pdf


# --- small helpers the pages share -------------------------------------------------------
def log_in(user_id: str, password: str) -> Actor:
    return app().log_in(user_id, password)


def actor_for(user_id: str) -> Actor:
    return app().actor_for(user_id)


def change_password(user_id: str, current: str, new: str, repeated: str) -> Actor:
    return app().change_password(user_id, current, new, repeated)


def in_office(actor: Actor) -> Actor:
    """The signed-in actor with the delegations they hold now (a deputy's caseload)."""
    return app().in_office(actor)


def children(actor: Actor, open_only: bool = False) -> list[dict[str, Any]]:
    rows = staff().children(actor)
    return [c for c in rows if c["status"] == "open"] if open_only else rows


def child_version(code: str) -> int:
    return app().child(code).version


def now() -> datetime:
    return app().clock.now()
