"""Absence rules are tasks first: the psychologist's task list has what the rules expect
(a first session, a session after a degrading label, the follow-up they set, sessions
after missed ones) with when each reaches the supervisor; a session done takes them off.
Concerns assigned to a person are on their list too."""

from __future__ import annotations

from datetime import timedelta

from domain.access import Role
from domain.application import SYSTEM
from domain.concern import concern_id
from domain.model import child_id
from domain.vocabulary import Attendance, Level, PeerIncidentKind
from tests import forms
from tests.readers import Readers


def kinds(world, actor):  # type: ignore[no-untyped-def]
    return {(t["kind"], t["code"]): t for t in Readers(world.app, world.rt.view).staff.tasks(actor)}


def test_the_psychologists_tasks_come_and_go_with_the_record(world):
    enrolled = world.later(hours=1)
    world.app.enrol_child(world.teacher, forms.enrolment("AST-0001", enrolled))
    labelled = world.later(days=2)
    world.app.record_peer_incident(world.teacher, "AST-0001", forms.peer_incident(
        labelled, kind=PeerIncidentKind.STIGMATISING_LABEL, label_about="origin"))
    world.project()
    tasks = kinds(world, world.psychologist)
    first = tasks[("first_session", "AST-0001")]
    assert first["due"] == enrolled + timedelta(days=30)
    assert first["escalates"] == enrolled + timedelta(days=44)
    label = tasks[("label_session", "AST-0001")]
    assert label["due"] > labelled and label["escalates"] > label["due"]
    assert not first["overdue"]
    assert kinds(world, world.teacher) == {}  # a tutor has no rule tasks

    world.later(days=1)
    world.app.record_counselling_session(world.psychologist, "AST-0001", forms.session(
        world.clock.now(), follow_up_on=(world.clock.now() + timedelta(days=7)).date()))
    world.project()
    tasks = kinds(world, world.psychologist)
    assert set(tasks) == {("follow_up", "AST-0001")}
    for _ in range(2):
        world.app.record_counselling_session(world.psychologist, "AST-0001", forms.session(
            world.later(days=1), attendance=Attendance.MISSED, wellbeing=None, summary="",
            confidential_notes=""))
    world.project()
    missed = kinds(world, world.psychologist)[("missed_sessions", "AST-0001")]
    # Due since the second one was missed; the supervisor hears of it two weeks later.
    assert missed["due"] == world.clock.now()
    assert missed["escalates"] == world.clock.now() + timedelta(days=14)


def test_a_concern_assigned_to_a_person_is_on_their_list(world):
    world.app.register_account(SYSTEM, "t.s1", "Tutor", Role.TEACHER, ["S1"], "a long password 1")
    world.app.enrol_child(world.teacher, forms.enrolment("AST-0002", world.later(hours=1)))
    world.app.raise_concern(world.psychologist, "AST-0002",
                            forms.concern(world.later(hours=1), level=Level.MEDIUM))
    key = concern_id(str(child_id("AST-0002")))
    world.app.assign_concern(world.supervisor, key, "t.s1", "She trusts her tutor.")
    world.project()
    [task] = Readers(world.app, world.rt.view).staff.tasks(world.teacher)
    assert (task["kind"], task["code"], task["level"]) == ("concern", "AST-0002", "medium")
