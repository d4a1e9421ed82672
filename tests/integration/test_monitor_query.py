"""The live monitor's data comes counted and cut by the database: one row per child with
an unresolved concern, the counts per level, the overdue count, the schools, the filters
and a page of rows, and the concerns with a signal since the last refresh; on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.access import Actor, Role
from domain.commands import Concern, Resolution
from domain.concern import concern_id
from domain.errors import InvalidEntry, NotAuthorised
from domain.model import child_id
from domain.vocabulary import Level, Outcome
from tests import forms
from tests.readers import Readers


def other_psychologist() -> Actor:
    return Actor("p.s2", Role.PSYCHOLOGIST, frozenset({"S2"}))


def concern(world, code, school, level, hours=0):  # type: ignore[no-untyped-def]
    author = world.psychologist if school == "S1" else other_psychologist()
    world.app.raise_concern(author, code, Concern(
        occurred_at=world.later(hours=hours), level=level, reason=f"Concern about {code}."))
    return str(concern_id(str(child_id(code))))


def enrol(world, code, school):  # type: ignore[no-untyped-def]
    author = world.teacher if school == "S1" else world.other_teacher
    world.app.enrol_child(author, forms.enrolment(code, world.later(hours=1), school=school))


def test_the_monitor_counts_filters_and_pages_in_the_database(world):
    for code, school in (("AST-0001", "S1"), ("AST-0002", "S1"), ("AST-0003", "S1"),
                         ("ALA-0004", "S2"), ("ALA-0005", "S2")):
        enrol(world, code, school)
    # Five children with a concern: three in S1 (two high), two in S2 (low).
    keys = [concern(world, "AST-0001", "S1", Level.HIGH, 1),
            concern(world, "AST-0002", "S1", Level.HIGH, 1),
            concern(world, "AST-0003", "S1", Level.MEDIUM, 1),
            concern(world, "ALA-0004", "S2", Level.LOW, 1),
            concern(world, "ALA-0005", "S2", Level.LOW, 1)]
    # A second signal on a child adds to its concern, not a row.
    concern(world, "AST-0001", "S1", Level.MEDIUM, 1)
    world.app.acknowledge_concern(world.supervisor, keys[0], "Seen.")
    world.project()
    queries = Readers(world.app, world.rt.view)
    world.later(days=10)  # every deadline has passed for the ones still open
    view = queries.oversight.concern_monitor(world.supervisor, order="newest", limit=2)
    assert view["open"] == {"high": 2, "medium": 1, "low": 2}
    assert view["overdue"] == 4  # nobody acknowledged them by their deadline
    assert view["schools"] == ["S1", "S2"] and view["total"] == 5
    assert [r["concern_id"] for r in view["rows"]] == [keys[0], keys[4]]  # newest signal first
    assert view["rows"][0]["signal_count"] == 2
    page_two = queries.oversight.concern_monitor(world.supervisor, order="newest", limit=2,
                                                 offset=2)
    assert [r["concern_id"] for r in page_two["rows"]] == [keys[3], keys[2]]
    # Filters and the most urgent first: an overdue HIGH before one already acknowledged.
    urgent = queries.oversight.concern_monitor(world.supervisor, levels=("high",), school="S1")
    assert [r["concern_id"] for r in urgent["rows"]] == [keys[1], keys[0]]
    # A supervisor of S2 sees S2 only; a teacher is refused.
    s2 = Actor("sup.s2", Role.SUPERVISOR, frozenset({"S2"}))
    assert queries.oversight.concern_monitor(s2)["schools"] == ["S2"]
    with pytest.raises(NotAuthorised):
        queries.oversight.concern_monitor(world.teacher)
    # What arrives after the last refresh is reported once.
    latest = view["latest"]
    new = concern(world, "ALA-0004", "S2", Level.HIGH, 1)
    world.project()
    refreshed = queries.oversight.concern_monitor(world.supervisor, after=latest)
    assert [r["concern_id"] for r in refreshed["arrived"]] == [new]
    assert queries.oversight.concern_monitor(world.supervisor,
                                             after=refreshed["latest"])["arrived"] == []


def test_the_most_urgent_come_first_and_every_count_agrees(world):
    """Seen on the demo: "by deadline" put an 805-day-old medium item first while two fresh
    HIGH ones due within the hour were buried; and the header, the list and the caseload
    counted one district three ways."""
    for code, school in (("AST-0001", "S1"), ("AST-0002", "S1"), ("AST-0003", "S1"),
                         ("ALA-0004", "S2"), ("ALA-0005", "S2"), ("ALA-0006", "S2"),
                         ("ALA-0007", "S2")):
        enrol(world, code, school)
    stale = concern(world, "AST-0001", "S1", Level.MEDIUM)
    stale_high = concern(world, "AST-0002", "S1", Level.HIGH)
    acknowledged = concern(world, "ALA-0004", "S2", Level.LOW)
    world.app.acknowledge_concern(world.supervisor, acknowledged, "Seen.")
    world.later(days=805)
    overdue_high = concern(world, "ALA-0005", "S2", Level.HIGH)
    world.later(hours=1, minutes=1)  # ...now just overdue
    soon = concern(world, "AST-0003", "S1", Level.LOW)  # due in five days
    fresh = [concern(world, code, "S2", Level.HIGH) for code in ("ALA-0006", "ALA-0007")]
    world.later(minutes=6)  # the fresh HIGH ones are due in 54 minutes
    world.project()
    queries = Readers(world.app, world.rt.view)
    view = queries.oversight.concern_monitor(world.supervisor, limit=10)
    order = [r["concern_id"] for r in view["rows"]]
    assert order[:2] == [overdue_high, stale_high]
    assert set(order[2:4]) == set(fresh)
    assert order[4:] == [soon, stale, acknowledged]
    # One number for one district, wherever it is shown: header, list and caseload.
    caseload = queries.oversight.caseload(world.supervisor)
    shown = sum(row[f"open_{level}"] for row in caseload["schools"]
                for level in ("high", "medium", "low"))
    assert sum(view["open"].values()) == view["total"] == shown == len(view["rows"]) == 7
    assert view["overdue"] == sum(row["overdue"] for row in caseload["schools"])
    counted = sum(r["open_escalations"] for r in world.rt.view.rows("rm_children"))
    assert counted == 7


@pytest.mark.backends("sqlite")
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(["AST-0001", "AST-0002"]),
                          st.sampled_from(["signal", "acknowledge", "resolve"]),
                          st.sampled_from(list(Level)), st.integers(0, 200)),
                min_size=1, max_size=12))
def test_at_most_one_open_concern_per_child_whatever_happens(sqlite_world, steps):
    """A property of the projection: whatever order signals and decisions come in, a child
    never has two unresolved concern rows, and the caseload counts exactly those."""
    world = sqlite_world
    for code in ("AST-0001", "AST-0002"):
        if not world.app.is_enrolled(code):
            enrol(world, code, "S1")
    for code, action, level, hours in steps:
        key = str(concern_id(str(child_id(code))))
        try:
            if action == "signal":
                concern(world, code, "S1", level, hours)
            elif action == "acknowledge":
                world.app.acknowledge_concern(world.supervisor, key, "Seen.")
            else:
                world.app.resolve_concern(world.supervisor, key, Resolution(
                    outcome=Outcome.NO_FURTHER_ACTION, rationale="Talked it through."))
        except Exception as error:  # a decision that does not fit the state is refused
            assert getattr(error, "code", "").startswith(("concern_", "unknown_concern")), error
        world.project()
        rows = world.rt.view.rows("rm_concerns")
        unresolved = [r["child_id"] for r in rows
                      if r["status"] in ("open", "acknowledged", "assigned", "snoozed")]
        assert len(unresolved) == len(set(unresolved))
        counted = {r["child_id"]: r["open_escalations"] for r in world.rt.view.rows("rm_children")}
        assert counted == {c: unresolved.count(c) for c in counted}


def test_bulk_triage_decides_each_concern_with_one_rationale(world):
    for code in ("AST-0001", "AST-0002", "AST-0003"):
        enrol(world, code, "S1")
    keys = [concern(world, code, "S1", Level.LOW) for code in ("AST-0001", "AST-0002",
                                                               "AST-0003")]
    world.app.resolve_concern(world.supervisor, keys[2], Resolution(
        outcome=Outcome.ACTION_TAKEN, rationale="Handled with the family."))
    with pytest.raises(InvalidEntry):  # the rationale is for every one of them
        world.app.triage(world.supervisor, keys, "acknowledge", "  ")
    done = world.app.triage(world.supervisor, keys, "acknowledge",
                            "Quiet for a month; the psychologist keeps an eye.")
    assert [done[k] for k in keys[:2]] == ["done", "done"]
    assert "not open" in done[keys[2]]
    done = world.app.triage(world.supervisor, keys[:2], "resolve", "No signal for a month.")
    assert set(done.values()) == {"done"}
    world.project()
    assert Readers(world.app, world.rt.view).oversight.open_concerns(world.supervisor) == []
