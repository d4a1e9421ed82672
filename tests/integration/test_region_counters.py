"""Entries per region and day (rm_region_days): the school day counters summed by the
school's region, whether the school's registration is projected before its children's
entries, after them, or by another consumer at the same moment."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from domain.access import Actor, Role
from domain.aggregate import school_uuid
from domain.application import SYSTEM
from domain.model import child_id
from projections import region_days
from projections.queries import OversightQueries
from projections.views import ReadModelView
from tests import forms
from tests.integration.test_oversight_counters import recount, same_answers, stored

MINISTRY = Actor("ministry", Role.SUPERVISOR, frozenset({"*"}))
NEW_SCHOOL = Actor("p.s3", Role.PSYCHOLOGIST, frozenset({"S3"}))


def regions(view: ReadModelView) -> dict[str, tuple[int, int, int]]:
    summed: dict[str, list[int]] = {}
    for row in view.rows("rm_region_days"):
        slot = summed.setdefault(row["region"], [0, 0, 0])
        for i, what in enumerate(("incidents", "positive", "sessions")):
            slot[i] += row[what]
    return {name: tuple(values) for name, values in summed.items()}  # type: ignore[misc]


def enrol_with_entries(world: Any) -> None:
    """A child of school S3, which nobody has registered yet, with a conflict and a
    session."""
    app = world.app
    app.enrol_child(NEW_SCHOOL, forms.enrolment("AST-0009", world.later(hours=1), school="S3"))
    app.record_conflict(NEW_SCHOOL, "AST-0009", forms.conflict(world.later(hours=1)))
    app.record_counselling_session(NEW_SCHOOL, "AST-0009", forms.session(world.later(hours=1)))


@pytest.mark.backends("sqlite", "postgres")
def test_a_school_registered_after_its_children_takes_their_entries_to_its_region(world):
    # Entries of a school not registered count under no region, and the country's
    # caseload shows them in a row of their own.
    enrol_with_entries(world)
    world.project()
    view = world.rt.view
    assert regions(view) == {"": (1, 0, 1)}
    queries = OversightQueries(world.app, view)
    [unknown] = queries.caseload(MINISTRY)["regions"][:1]
    assert (unknown["region"], unknown["schools"], unknown["children"],
            unknown["incidents_30d"]) == ("", 0, 1, 1)
    # Registered later, the school takes what was counted for it to its region.
    world.app.register_school(SYSTEM, "S3", "School Three", "Shymkent")
    world.project()
    assert regions(view) == {"shymkent": (1, 0, 1)}
    assert stored(view) == recount(view)
    by_region = {r["region"]: r for r in queries.caseload(MINISTRY)["regions"]}
    assert "" not in by_region and by_region["shymkent"]["schools"] == 1
    assert by_region["shymkent"]["incidents_30d"] == 1
    # Opening one region shows its schools, as a coordinator of those schools sees them.
    opened = queries.caseload(MINISTRY, region="shymkent")
    assert [r["school_id"] for r in opened["schools"]] == ["S3"]
    assert opened["schools"] == queries.caseload(
        Actor("coord", Role.SUPERVISOR, frozenset({"S3"})))["schools"]
    now = world.clock.now()
    assert same_answers(view, [now, now + timedelta(days=20)], [MINISTRY]) == 2


@pytest.mark.backends("postgres")
def test_a_registration_beside_a_consumer_writing_its_entries_waits_for_it(world, settings,
                                                                         monkeypatch):
    """The distributed mode: the consumer of the child's partition has looked the school's
    region up (none yet) and not committed, when the consumer of the school's partition
    registers it. The registration waits for the entries and then moves them."""
    world.project()  # the two schools of the world
    enrol_with_entries(world)
    world.app.register_school(SYSTEM, "S3", "School Three", "Shymkent")
    store = world.app.repository.event_store
    enrolled, conflict, session = store.get(child_id("AST-0009"))
    [registered] = store.get(school_uuid("S3"))
    url = settings.read_models_url()
    children_view, schools_view = ReadModelView.from_url(url), ReadModelView.from_url(url)
    children_view.child_enrolled(enrolled, Tracking("children", 1))
    looked_up, go_on = threading.Event(), threading.Event()
    derive = region_days.derive

    def derive_then_wait(uow: Any, deltas: Any) -> None:
        derive(uow, deltas)
        if threading.current_thread().name == "children":
            looked_up.set()  # the region is looked up; the transaction is still open
            assert go_on.wait(10)

    monkeypatch.setattr(region_days, "derive", derive_then_wait)
    entries = threading.Thread(name="children", target=lambda: (
        children_view.entry_recorded(conflict, Tracking("children", 2))))
    school = threading.Thread(name="schools", target=lambda: (
        schools_view.school_registered(registered, Tracking("schools", 1))))
    entries.start()
    assert looked_up.wait(10)
    school.start()
    time.sleep(0.5)
    assert school.is_alive()  # the registration waits on the school's lock
    go_on.set()
    entries.join(10)
    school.join(10)
    children_view.entry_recorded(session, Tracking("children", 3))
    assert regions(children_view) == {"shymkent": (1, 0, 1)}
    assert stored(children_view) == recount(children_view)
    for view in (children_view, schools_view):
        view.datastore.engine.dispose()
