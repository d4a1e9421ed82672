"""The live monitor's data comes counted and cut by the database: the counts per level,
the overdue count, the schools, the filters and a page of rows, and the escalations
raised since the last refresh; on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from domain.access import Actor, Role
from domain.commands import Concern
from domain.errors import NotAuthorised
from domain.vocabulary import Level
from tests import forms
from tests.readers import Readers


def concern(world, code, school, level, hours):  # type: ignore[no-untyped-def]
    author = world.psychologist if school == "S1" else Actor("p.s2", Role.PSYCHOLOGIST,
                                                             frozenset({"S2"}))
    return str(world.app.raise_concern(author, code, Concern(
        occurred_at=world.later(hours=hours), level=level, reason=f"Concern about {code}.")))


def test_the_monitor_counts_filters_and_pages_in_the_database(world):
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    world.app.enrol_child(world.other_teacher, forms.enrolment("ALA-0002", world.later(hours=1),
                                                               school="S2"))
    # Five concerns: three in S1 (two high), two in S2 (low); one of S1's acknowledged.
    ids = [concern(world, "AST-0001", "S1", Level.HIGH, 1),
           concern(world, "AST-0001", "S1", Level.HIGH, 1),
           concern(world, "AST-0001", "S1", Level.MEDIUM, 1),
           concern(world, "ALA-0002", "S2", Level.LOW, 1),
           concern(world, "ALA-0002", "S2", Level.LOW, 1)]
    world.app.acknowledge_escalation(world.supervisor, ids[0], "Seen.")
    world.project()
    queries = Readers(world.app, world.rt.view)
    world.later(days=10)  # every deadline has passed for the ones still open
    view = queries.oversight.monitor(world.supervisor, limit=2)
    # Every unresolved one is counted (as the list and the caseload count them)...
    assert view["open"] == {"high": 2, "medium": 1, "low": 2}
    # ...and the overdue ones are those nobody acknowledged by their deadline.
    assert view["overdue"] == 4
    assert view["schools"] == ["S1", "S2"] and view["total"] == 5
    assert [r["escalation_id"] for r in view["rows"]] == [ids[4], ids[3]]  # newest first
    assert view["rows"][0]["history"][0]["action"] == "raised"
    # Filters and the most urgent first: an overdue HIGH before one already acknowledged.
    by_deadline = queries.oversight.monitor(world.supervisor, levels=("high",), school="S1",
                                  order="deadline", limit=10)
    assert [r["escalation_id"] for r in by_deadline["rows"]] == [ids[1], ids[0]]
    assert by_deadline["total"] == 2
    # A supervisor of S2 sees S2 only; a teacher is refused.
    s2 = Actor("sup.s2", Role.SUPERVISOR, frozenset({"S2"}))
    assert queries.oversight.monitor(s2)["schools"] == ["S2"] and queries.oversight.monitor(s2)["total"] == 2
    with pytest.raises(NotAuthorised):
        queries.oversight.monitor(world.teacher)
    # What arrives after the last refresh is reported once.
    latest = view["latest"]
    new = concern(world, "ALA-0002", "S2", Level.HIGH, 1)
    world.project()
    refreshed = queries.oversight.monitor(world.supervisor, after=latest)
    assert [r["escalation_id"] for r in refreshed["arrived"]] == [new]
    assert refreshed["latest"] > latest
    assert queries.oversight.monitor(world.supervisor, after=refreshed["latest"])["arrived"] == []
    assert queries.oversight.explain(s2, new)["escalation"]["child_code"] == "ALA-0002"


def test_the_most_urgent_come_first_and_every_count_agrees(world):
    """Seen on the demo: "by deadline" put an 805-day-old medium item first while two fresh
    HIGH ones due within the hour were buried; and the header, the list and the caseload
    counted one district three ways."""
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    world.app.enrol_child(world.other_teacher, forms.enrolment("ALA-0002", world.later(hours=1),
                                                               school="S2"))
    stale = concern(world, "AST-0001", "S1", Level.MEDIUM, 1)
    stale_high = concern(world, "AST-0001", "S1", Level.HIGH, 0)
    acknowledged = concern(world, "ALA-0002", "S2", Level.LOW, 0)
    world.app.acknowledge_escalation(world.supervisor, acknowledged, "Seen.")
    world.later(days=805)
    overdue_high = concern(world, "ALA-0002", "S2", Level.HIGH, 0)
    world.later(hours=1, minutes=1)  # ...now just overdue
    soon = concern(world, "AST-0001", "S1", Level.LOW, 0)  # due in five days
    fresh = [concern(world, "ALA-0002", "S2", Level.HIGH, 0) for _ in range(2)]
    world.later(minutes=6)  # the fresh HIGH ones are due in 54 minutes
    world.project()
    queries = Readers(world.app, world.rt.view)
    view = queries.oversight.monitor(world.supervisor, order="deadline", limit=10)
    order = [r["escalation_id"] for r in view["rows"]]
    # Overdue HIGH first (the most recently overdue first), then the least time left, then
    # what is long overdue and not HIGH, then what someone has already taken on.
    assert order[:2] == [overdue_high, stale_high]
    assert set(order[2:4]) == set(fresh)
    assert order[4:] == [soon, stale, acknowledged]
    # One number for one district, wherever it is shown.
    caseload = queries.oversight.caseload(world.supervisor)
    shown = sum(row[f"open_{level}"] for row in caseload["schools"]
                for level in ("high", "medium", "low"))
    assert sum(view["open"].values()) == view["total"] == shown == 7
    assert view["overdue"] == sum(row["overdue"] for row in caseload["schools"])
