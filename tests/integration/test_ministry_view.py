"""The ministry's view (projections/queries/ministry.py): aggregates by region and term,
with every number that fewer than 5 children stand behind shown as "<5", nothing that
names a child or a school, and no way to work a hidden number back out."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from domain.access import Actor, Role
from domain.application import SYSTEM
from domain.commands import Wellbeing
from domain.concern import concern_id
from domain.errors import KopirError, NotAuthorised
from domain.model import child_id
from domain.plan_forms import Goal, Measure, MeasureChange, PlanDraft
from domain.suppression import SUPPRESSED, Line
from domain.vocabulary import (
    ConflictKind,
    LabelAbout,
    MeasureStatus,
    MeasureType,
    ParticipantRole,
    PeerIncidentKind,
)
from infrastructure.settings import MEMORY, Settings
from processes.rebuild import rebuild
from projections.queries import OversightQueries, StaffQueries
from projections.queries.ministry import MinistryQueries, term_of
from tests import forms
from tests.conftest import make_world
from tests.unit.test_suppression import pinned

ANALYST = Actor("analyst", Role.ANALYST, frozenset({"*"}))
PSYCHOLOGISTS = {"S1": Actor("p.s1", Role.PSYCHOLOGIST, frozenset({"S1"})),
                 "S2": Actor("p.s2", Role.PSYCHOLOGIST, frozenset({"S2"})),
                 "S3": Actor("p.s3", Role.PSYCHOLOGIST, frozenset({"S3"}))}
PREFIX = {"S1": "AST", "S2": "ALA", "S3": "SHY"}
COUNTED = ("children", "incidents", "concerns", "measure_types", "measure_outcomes")


def third_school(world: Any) -> None:
    world.app.register_school(SYSTEM, "S3", "School Three", "Shymkent")


def enrol(world: Any, school: str, n: int, first: int = 1) -> list[str]:
    codes = [f"{PREFIX[school]}-{i:04d}" for i in range(first, first + n)]
    for code in codes:
        world.app.enrol_child(PSYCHOLOGISTS[school], forms.enrolment(code, world.later(hours=1),
                                                                     school=school))
    return codes


def lines_of(name: str, table: dict[str, Any]) -> list[tuple[list[Any], list[Any]]]:
    """The published sums of a count table, as (parts, total) pairs of keys; the measures'
    two tables share their row totals."""
    regions = [r["region"] for r in table["rows"]]
    columns = ["enrolled"] if name == "children" else table["columns"]
    shared = "measures" if name.startswith("measure") else name
    lines = [([(name, r, c) for r in regions], [(name, "*", c)]) for c in columns]
    if "total" in table["total"]:
        lines += [([(name, r, c) for c in columns], [(shared, r, "total")]) for r in regions]
        lines.append(([(shared, r, "total") for r in regions], [(shared, "*", "total")]))
        lines.append(([(name, "*", c) for c in columns], [(shared, "*", "total")]))
    return lines


def published(result: dict[str, Any]) -> dict[Any, Any]:
    """Every count cell the analyst sees, by key (as `lines_of` names them)."""
    cells = {}
    for name in COUNTED:
        table = result["tables"][name]
        shared = "measures" if name.startswith("measure") else name
        for row in (*table["rows"], {**table["total"], "region": "*"}):
            for column, value in row.items():
                if column != "region":
                    key = (shared if column == "total" else name, row["region"], column)
                    cells[key] = value
    return cells


def attack(result: dict[str, Any]) -> dict[Any, Any]:
    """The differencing attack on one term's tables: every published total minus its
    published parts, and every sum solved together with the others. Returns the hidden
    numbers it could pin down (by subtraction, with their value; jointly, as None)."""
    cells = published(result)
    recovered: dict[Any, Any] = {}
    lines = []
    for name in COUNTED:
        for parts, [total] in lines_of(name, result["tables"][name]):
            lines.append(Line(tuple(parts), total))
            hidden = [k for k in (*parts, total) if cells[k] == SUPPRESSED]
            if len(hidden) == 1:
                known = sum(cells[k] for k in parts if k not in hidden)
                recovered[hidden[0]] = known - cells[total] if hidden[0] == total \
                    else cells[total] - known
    for key in pinned(lines, {k for k, v in cells.items() if v == SUPPRESSED}):
        recovered.setdefault(key, None)
    return recovered


# --- the story ---------------------------------------------------------------------------
def test_the_analyst_sees_regions_and_terms_with_small_numbers_hidden(world):
    # Astana: 7 children, each in a verbal conflict and a session. Almaty: one child, in a
    # fight. Shymkent: 6 children with support plans (a peer mentor each, 5 done).
    third_school(world)
    app = world.app
    app.register_account(SYSTEM, "t.s3", "T S3", Role.TEACHER, ["S3"], "long-password")
    for code in enrol(world, "S1", 7):
        app.record_conflict(PSYCHOLOGISTS["S1"], code, forms.conflict(world.later(hours=1)))
        app.record_counselling_session(PSYCHOLOGISTS["S1"], code,
                                       forms.session(world.later(hours=1)))
    [alone] = enrol(world, "S2", 1)
    app.record_conflict(PSYCHOLOGISTS["S2"], alone, forms.conflict(
        world.later(hours=1), kind=ConflictKind.PHYSICAL))
    app.record_counselling_session(PSYCHOLOGISTS["S2"], alone, forms.session(
        world.later(hours=1), wellbeing=Wellbeing(1, 1, 1, 1)))
    for i, code in enumerate(enrol(world, "S3", 6)):
        today = world.clock.now().date()
        app.draft_plan(PSYCHOLOGISTS["S3"], code, PlanDraft(
            (Goal("social_ties", "Two friends in class"),), today + timedelta(days=30), ""))
        measure = app.add_measure(PSYCHOLOGISTS["S3"], code, Measure(
            MeasureType.PEER_MENTOR, "social_ties", "t.s3", today, today + timedelta(days=14),
            "Weekly."))
        if i:
            app.update_measure(PSYCHOLOGISTS["S3"], code, MeasureChange(
                measure, MeasureStatus.DONE, result="Has a friend to sit with."))
    world.project()
    queries = MinistryQueries(app, world.rt.view)
    result = queries.overview(ANALYST)
    assert result["terms"] == [term_of(world.clock.now())] == [result["term"]]
    assert result["regions"] == ["almaty", "astana", "shymkent"]
    children = {r["region"]: r for r in result["tables"]["children"]["rows"]}
    # Almaty's one child is "<5"; Astana's 7 would give it away (14 - 7 - 6 = 1), so the
    # next-smallest region, Shymkent (6), is hidden with it; the country's 14 is shown.
    assert children["almaty"]["enrolled"] == SUPPRESSED
    assert children["shymkent"]["enrolled"] == SUPPRESSED
    assert children["astana"]["enrolled"] == 7
    assert result["tables"]["children"]["total"]["enrolled"] == 14
    assert children["almaty"]["positive_per_child"] == SUPPRESSED  # hidden with its count
    # Astana's wellbeing (7 children assessed) would isolate Almaty's child from the
    # national mean: both hidden; the national mean of 8 children is shown.
    wellbeing = result["tables"]["wellbeing"]
    assert {r["region"]: r["social_ties"] for r in wellbeing["rows"]} == {
        "almaty": SUPPRESSED, "astana": SUPPRESSED, "shymkent": SUPPRESSED}
    assert wellbeing["total"]["social_ties"] == round((7 * 3 + 1) / 8, 2)
    # Incidents: Astana's 7 verbal conflicts are published, Almaty's one fight is not.
    incidents = {r["region"]: r for r in result["tables"]["incidents"]["rows"]}
    assert incidents["almaty"]["conflict.physical"] == SUPPRESSED
    assert result["tables"]["incidents"]["total"]["conflict.physical"] == SUPPRESSED
    # Measures: 6 peer mentors in Shymkent, 5 done and 1 still planned. The planned one
    # is hidden, and the 5 done with it: 6 - 5 would give it away.
    outcomes = {r["region"]: r for r in result["tables"]["measure_outcomes"]["rows"]}
    types = {r["region"]: r for r in result["tables"]["measure_types"]["rows"]}
    assert types["shymkent"]["type.peer_mentor"] == 6 == types["shymkent"]["total"]
    assert outcomes["shymkent"]["status.planned"] == SUPPRESSED
    assert outcomes["shymkent"]["status.done"] == SUPPRESSED
    assert attack(result) == {}
    # The trend is made of the published numbers only.
    assert {(p["region"], p["measure"], p["value"]) for p in result["trend"]
            if p["measure"] == "enrolled"} == {("astana", "enrolled", 7), ("*", "enrolled", 14)}
    # Nothing names a child or a school; a rebuild from the log answers the same.
    assert_nothing_below_the_region(world, result)
    report = rebuild(world.rt.runner)
    assert report.identical, report.differences
    assert queries.overview(ANALYST) == result


def assert_nothing_below_the_region(world: Any, result: dict[str, Any]) -> None:
    text = json.dumps(result, ensure_ascii=False)
    view = world.rt.view
    words = {r["code"] for r in view.rows("rm_children")}
    words |= {r["personal_name"] for r in view.rows("rm_children")}
    words |= {r["child_id"] for r in view.rows("rm_children")}
    for school in view.rows("rm_schools"):
        words |= {school["school_id"], school["name"], *json.loads(school["names"]).values()}
    found = sorted(w for w in words if w and w in text)
    assert found == [], found


# --- differencing ------------------------------------------------------------------------
@pytest.mark.backends("memory")
def test_a_differencing_attack_isolates_no_child(world):
    # Astana: 6 children, all in a verbal conflict; one of them was also called names
    # (a stigmatising label). Without complementary suppression, Astana's incidents total
    # (7) minus its published verbal conflicts (6) would tell the label was used once, on
    # the one child of the region it could be; and the country's 7 children minus
    # Astana's 6 would give the one child in Almaty.
    third_school(world)
    codes = enrol(world, "S1", 6)
    for code in codes:
        world.app.record_conflict(PSYCHOLOGISTS["S1"], code, forms.conflict(world.later(hours=1)))
    world.app.record_peer_incident(PSYCHOLOGISTS["S1"], codes[0], forms.peer_incident(
        world.later(hours=1), kind=PeerIncidentKind.STIGMATISING_LABEL,
        label_about=LabelAbout.ORIGIN))
    enrol(world, "S2", 1)
    world.project()
    result = MinistryQueries(world.app, world.rt.view).overview(ANALYST)
    astana = next(r for r in result["tables"]["incidents"]["rows"] if r["region"] == "astana")
    assert astana["peer.stigmatising_label"] == SUPPRESSED
    # Attempted: every total minus its parts, and every sum solved with the others.
    assert attack(result) == {}
    # So the difference the attacker wanted is not there to take.
    assert SUPPRESSED in (astana["total"], astana["conflict.verbal"])
    children = {r["region"]: r["enrolled"] for r in result["tables"]["children"]["rows"]}
    assert children["astana"] == SUPPRESSED and children["almaty"] == SUPPRESSED


@pytest.mark.backends("memory")
def test_an_empty_store_has_no_terms_to_show(world):
    result = MinistryQueries(world.app, world.rt.view).overview(ANALYST)
    assert result["terms"] == [] and result["tables"] == {}


# --- who may ask -------------------------------------------------------------------------
@pytest.mark.backends("memory")
@pytest.mark.parametrize("role", [r for r in Role if r != Role.ANALYST], ids=lambda r: r.value)
def test_every_other_role_is_refused_the_ministry_view(world, role):
    with pytest.raises(NotAuthorised):
        MinistryQueries(world.app, world.rt.view).overview(Actor("x", role, frozenset({"*"})))


@pytest.mark.backends("memory")
def test_the_analyst_is_refused_every_query_about_a_child(world):
    [code] = enrol(world, "S1", 1)
    world.project()
    staff, oversight = (StaffQueries(world.app, world.rt.view),
                        OversightQueries(world.app, world.rt.view))
    for ask in (lambda: staff.children(ANALYST), lambda: staff.chronology(ANALYST, code),
                lambda: staff.record(ANALYST, code), lambda: staff.wellbeing(ANALYST, code),
                lambda: staff.children_by_risk(ANALYST),
                lambda: oversight.concern_monitor(ANALYST), lambda: oversight.caseload(ANALYST),
                lambda: oversight.escalation_queue(ANALYST)):
        with pytest.raises(NotAuthorised):
            ask()


# --- any history -------------------------------------------------------------------------
STEP = st.tuples(st.sampled_from(["conflict", "peer", "positive", "session", "concern",
                                  "acknowledge"]),
                 st.integers(0, 30), st.integers(0, 20), st.integers(0, 6))
HISTORY = st.tuples(st.lists(st.integers(0, 8), min_size=3, max_size=3),
                    st.lists(STEP, min_size=1, max_size=25))


@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(history=HISTORY)
def test_no_history_lets_the_analyst_see_a_small_number_a_child_or_a_school(history):
    """Random small worlds over two terms: every published count stands for 5 children or
    more (recounted here from the read models), every mean for 5 children assessed or
    more, no hidden number can be worked out, and no code, name or school appears."""
    sizes, steps = history
    world = make_world(Settings(database_url=MEMORY))
    try:
        third_school(world)
        codes = [(s, c) for s, n in zip(PSYCHOLOGISTS, sizes) for c in enrol(world, s, n)]
        for action, which, days, score in steps:
            if not codes:
                break
            school, code = codes[which % len(codes)]
            at, who = world.later(days=days), PSYCHOLOGISTS[school]
            try:
                if action == "conflict":
                    world.app.record_conflict(who, code, forms.conflict(
                        at, kind=list(ConflictKind)[score % 4]))
                elif action in ("peer", "positive"):
                    kind = PeerIncidentKind.FRIENDSHIP if action == "positive" \
                        else list(PeerIncidentKind)[score % 5]
                    world.app.record_peer_incident(who, code, forms.peer_incident(
                        at, kind=kind, severity=0 if action == "positive" else 2,
                        label_about=LabelAbout.ORIGIN
                        if kind == PeerIncidentKind.STIGMATISING_LABEL else None,
                        child_role=ParticipantRole.INVOLVED if action == "positive"
                        else ParticipantRole.TARGET))
                elif action == "session":
                    world.app.record_counselling_session(who, code, forms.session(
                        at, wellbeing=Wellbeing(score % 5 + 1, None, 3, score % 3 + 1)))
                elif action == "concern":
                    world.app.raise_concern(who, code, forms.concern(at))
                else:
                    world.app.acknowledge_concern(world.supervisor, str(concern_id(
                        str(child_id(code)))), "Seen.")
            except KopirError:
                pass  # a step that does not fit the state changes nothing
        world.project()
        queries = MinistryQueries(world.app, world.rt.view)
        first = queries.overview(ANALYST)
        for term in first["terms"]:
            result = queries.overview(ANALYST, term)
            assert_counts_stand_for_five_children(world, result)
            assert attack(result) == {}
            assert_nothing_below_the_region(world, result)
    finally:
        world.rt.close()


def assert_counts_stand_for_five_children(world: Any, result: dict[str, Any]) -> None:
    """Recounted from the rows: the children behind each published incident cell, each
    published mean, and each published number of children (none closed here)."""
    view, term = world.rt.view, result["term"]
    region_of = {s["school_id"]: s["region"] for s in view.rows("rm_schools")}
    kids = {c["child_id"]: region_of[c["school_id"]] for c in view.rows("rm_children")
            if term_of(c["enrolled_on"]) <= term}
    behind: dict[tuple[str, str, str], set[str]] = {}

    def count(table: str, region: str, column: str, child: str) -> None:
        for key in ((table, region, column), (table, "*", column), (table, region, "total"),
                    (table, "*", "total")):
            behind.setdefault(key, set()).add(child)

    for child, region in kids.items():
        count("children", region, "enrolled", child)
    for row in view.rows("rm_chronology"):
        fields = json.loads(row["fields"])
        if row["kind"] in ("ConflictRecorded", "PeerIncidentRecorded") and \
                not fields.get("positive") and term_of(row["occurred_at"]) == term:
            prefix = "conflict" if row["kind"] == "ConflictRecorded" else "peer"
            count("incidents", kids[row["child_id"]], f"{prefix}.{fields['kind']}",
                  row["child_id"])
    for row in view.rows("rm_wellbeing"):
        if term_of(row["occurred_at"]) == term:
            for area in ("social_ties", "school_engagement", "emotional_state", "family_support"):
                if row[area] is not None:
                    count("wellbeing", kids[row["child_id"]], area, row["child_id"])
    for name in ("children", "incidents", "wellbeing"):
        table = result["tables"][name]
        for row in (*table["rows"], {**table["total"], "region": "*"}):
            for column, value in row.items():
                if column in ("region", "positive_per_child") or value == SUPPRESSED:
                    continue
                assert len(behind.get((name, row["region"], column), ())) >= 5, \
                    (name, row["region"], column, value)
