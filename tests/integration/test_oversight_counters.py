"""The counters behind the national queries: whatever history the log holds, each counter
table equals a recount from the rows it summarises, a rebuild from the log gives the same
tables, and the monitor and the caseload read from them answer exactly as the queries that
counted every row did (tests/row_scans.py), at any moment and for any scope."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import text

from domain.access import Actor, Role
from domain.application import SchoolIntegration
from domain.commands import Concern, Correction, Resolution
from domain.concern import concern_id
from domain.errors import KopirError
from domain.model import child_id
from domain.plan_forms import Consent
from domain.vocabulary import (
    ConsentPurpose,
    FamilyMember,
    Level,
    Outcome,
    ParticipantRole,
    PeerIncidentKind,
)
from infrastructure.settings import Settings
from kopir.seed import demo
from processes.projection_runner import ProjectionRunner
from processes.rebuild import rebuild
from projections.counters import SHAPES, UNRESOLVED, day_of, entry_class
from projections.queries import OversightQueries
from projections.views import ReadModelView
from tests import forms, row_scans

COUNTERS = [table.name for table in SHAPES]


def recount(view: ReadModelView) -> dict[str, list[tuple[Any, ...]]]:
    """Every counter as counted again from the rows, zeros left out."""
    counted: dict[str, dict[tuple[Any, ...], list[int]]] = {name: {} for name in COUNTERS}

    def add(table: str, key: tuple[Any, ...], index: int, size: int) -> None:
        counted[table].setdefault(key, [0] * size)[index] += 1

    for row in view.rows("rm_chronology"):
        what = entry_class(row["kind"], row["fields"])
        if row["status"] == "retracted" or what is None:
            continue
        day = day_of(row["occurred_at"])
        add("rm_school_days", (row["school_id"], day),
            ("incidents", "positive", "sessions").index(what), 3)
        add("rm_school_counts", (row["school_id"],), 1, 2)
    region_of = {row["school_id"]: row["region"] for row in view.rows("rm_schools")}
    for (school, day), values in counted["rm_school_days"].items():
        summed = counted["rm_region_days"].setdefault((region_of.get(school, ""), day), [0] * 3)
        for i, n in enumerate(values):
            summed[i] += n
    for row in view.rows("rm_children"):
        if row["status"] == "open":
            add("rm_school_counts", (row["school_id"],), 0, 2)
    for row in view.rows("rm_concerns"):
        if row["status"] in UNRESOLVED:
            add("rm_concern_counts", (row["school_id"], row["level"], row["status"]), 0, 1)
    return {name: sorted((*key, *values) for key, values in rows.items())
            for name, rows in counted.items()}


def stored(view: ReadModelView) -> dict[str, list[tuple[Any, ...]]]:
    return {name: sorted(tuple(row.values()) for row in view.rows(name)) for name in COUNTERS}


@dataclass
class Fixed:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


def same_answers(view: ReadModelView, moments: list[datetime], scopes: list[Actor]) -> int:
    """The monitor and the caseload, from the counters and from the rows, at each moment
    for each scope; returns how many answers were compared."""
    compared = 0
    for moment in moments:
        app = SimpleNamespace(clock=Fixed(moment))
        queries = OversightQueries(app, view)  # type: ignore[arg-type]
        for actor in scopes:
            for weeks in (12, 2):
                assert queries.caseload(actor, weeks=weeks) == \
                    row_scans.caseload(queries, actor, moment, weeks), (moment, actor, weeks)
            for options in ({}, {"limit": 1000}, {"order": "newest", "limit": 7, "offset": 3},
                            {"levels": ("high",), "limit": 5},
                            {"levels": ("medium", "low"), "limit": 40, "offset": 1},
                            {"after": moment - timedelta(days=20)}):
                mine = queries.concern_monitor(actor, **options)  # type: ignore[arg-type]
                theirs = row_scans.concern_monitor(queries, moment, actor, **options)
                assert mine == theirs, (moment, actor, options)
            school = sorted(queries.concern_monitor(actor)["schools"])[:1]
            if school:
                assert queries.concern_monitor(actor, school=school[0], limit=50) == \
                    row_scans.concern_monitor(queries, moment, actor, school=school[0], limit=50)
            compared += 1
    return compared


def scopes_of(view: ReadModelView) -> list[Actor]:
    schools = sorted(r["school_id"] for r in view.rows("rm_schools"))
    return [Actor("ministry", Role.SUPERVISOR, frozenset({"*"})),
            Actor("district", Role.SUPERVISOR, frozenset(schools[::2] or schools))]


def moments_around(view: ReadModelView, end: datetime) -> list[datetime]:
    """The end of the history, and moments whose 30-day and 12-week windows start in the
    middle of days with entries (the first day of a window is counted from its rows)."""
    entries = sorted(r["occurred_at"] for r in view.rows("rm_chronology"))
    middle = entries[len(entries) // 2] if entries else end
    return [end, middle + timedelta(days=30), middle + timedelta(weeks=12, seconds=1),
            middle + timedelta(days=30, hours=5), end + timedelta(days=400)]


# --- a demo history: staff record, the engine raises, supervisors decide -----------------
@pytest.mark.backends("sqlite", "postgres")
def test_counters_equal_a_recount_and_the_queries_answer_as_before(settings: Settings):
    app, _ = demo.seed(lambda clk, ids: SchoolIntegration(env=settings.app_env(), clock_=clk,
                                                          ids=ids),
                       children=14, seed_value=8, until=date(2026, 5, 20))
    view = ReadModelView.from_url(settings.read_models_url())
    # Small batches: a counter touched by many batches ends where one batch would put it.
    runner = ProjectionRunner(app, view, batch_size=37)
    assert runner.process_available() > 500
    counted = recount(view)
    assert stored(view) == counted
    assert counted["rm_school_days"] and counted["rm_concern_counts"]  # something to count
    # Rebuilt from the log in one large batch: the same tables, byte for byte.
    report = rebuild(runner)
    assert report.identical, report.differences
    assert same_answers(view, moments_around(view, app.clock.now()), scopes_of(view)) == 10
    # A counter that drifted from its rows is caught by the comparison with the log.
    with view.transaction(commit=True) as session:
        session.execute(text("UPDATE rm_school_counts SET children = children + 1"))
    assert not rebuild(runner).identical
    assert stored(view) == counted
    view.datastore.engine.dispose()
    app.close()


# --- random histories on the small world, every backend ---------------------------------
CODES = ("AST-0001", "AST-0002", "AST-0003")
STEPS = st.lists(st.tuples(
    st.sampled_from(["conflict", "positive", "session", "retract", "amend", "transfer",
                     "close", "signal", "acknowledge", "snooze", "resolve"]),
    st.sampled_from(CODES), st.sampled_from(list(Level)), st.integers(0, 90)),
    min_size=1, max_size=14)


@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=STEPS)
def test_counters_follow_any_history_of_a_small_world(world, steps):
    """Entries backdated, corrected, retracted; children moved and closed; concerns raised,
    snoozed, acknowledged, resolved: after each step the counters equal a recount, and the
    queries answer as the row scans do."""
    app = world.app
    psychologist = Actor("p.all", Role.PSYCHOLOGIST, frozenset({"S1", "S2"}))
    for code in CODES:
        if not app.is_enrolled(code):
            app.enrol_child(psychologist, forms.enrolment(code, world.later(hours=1)))
            app.record_consent(psychologist, code, Consent(
                ConsentPurpose.SHARE_WITH_SCHOOL, True, FamilyMember.MOTHER))
    recorded: list[tuple[str, str]] = []
    for action, code, level, hours in steps:
        at = world.later(hours=hours) - timedelta(days=hours % 7)  # some of them backdated
        key = str(concern_id(str(child_id(code))))
        try:
            if action in ("conflict", "positive", "session"):
                recorded.append((code, _record(app, psychologist, action, code, at)))
            elif action in ("retract", "amend") and recorded:
                who, entry = recorded[hours % len(recorded)]
                if action == "amend":
                    app.amend_entry(psychologist, who, Correction(
                        entry, "Recorded on the wrong day.",
                        {"occurred_at": (at - timedelta(days=3)).isoformat()}))
                else:
                    app.retract_entry(psychologist, who, Correction(entry, "Not this child."))
            elif action == "transfer":
                app.transfer_child(psychologist, code, "S2", "The family moved.")
                app.accept_transfer(world.supervisor, code)
            elif action == "close":
                app.close_enrolment(psychologist, code, "Moved abroad.")
            elif action == "signal":
                app.raise_concern(psychologist, code, Concern(
                    occurred_at=at, level=level, reason=f"Concern about {code}."))
            elif action == "acknowledge":
                app.acknowledge_concern(world.supervisor, key, "Seen.")
            elif action == "snooze":
                app.snooze_concern(world.supervisor, key,
                                   world.clock.now() + timedelta(days=hours % 5 + 1),
                                   "After the holidays.")
            else:
                app.resolve_concern(world.supervisor, key, Resolution(
                    outcome=Outcome.NO_FURTHER_ACTION, rationale="Talked it through."))
        except KopirError:
            pass  # a step that does not fit the state is refused, and changes nothing
        world.project()
        assert stored(world.rt.view) == recount(world.rt.view)
    now = world.clock.now()
    same_answers(world.rt.view, [now, now + timedelta(hours=2), now + timedelta(days=31)],
                 [world.supervisor, Actor("sup.s2", Role.SUPERVISOR, frozenset({"S2"}))])


def _record(app: Any, actor: Actor, action: str, code: str, at: datetime) -> str:
    if action == "conflict":
        return str(app.record_conflict(actor, code, forms.conflict(at)))
    if action == "positive":
        return str(app.record_peer_incident(actor, code, forms.peer_incident(
            at, kind=PeerIncidentKind.FRIENDSHIP, severity=0,
            child_role=ParticipantRole.INVOLVED)))
    return str(app.record_counselling_session(actor, code, forms.session(at)))


def test_a_counter_at_zero_leaves_no_row(world):
    """Recorded and retracted in two batches: no row of zeros stays behind (a rebuild in
    one batch would have none)."""
    app = world.app
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    entry = app.record_conflict(world.psychologist, "AST-0001", forms.conflict(world.later(hours=1)))
    world.project()
    assert [r["incidents"] for r in world.rt.view.rows("rm_school_days")] == [1]
    app.retract_entry(world.psychologist, "AST-0001", Correction(entry, "Not this child.", {}))
    world.project()
    assert world.rt.view.rows("rm_school_days") == []
    assert json.dumps(stored(world.rt.view)) == json.dumps(recount(world.rt.view))
