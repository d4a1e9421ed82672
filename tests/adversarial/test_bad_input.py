"""Nothing bad gets in: values that the application used to accept and that then stopped the
read models or the engine for good (the log is append-only), and values of the wrong type
that gave raw exceptions instead of a named refusal. (Findings 3, 12 and 16.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from domain.access import Role
from domain.application import SYSTEM
from domain.commands import Correction, CounsellingSession, Wellbeing
from domain.concern import concern_id
from domain.errors import InvalidEntry, KopirError
from domain.model import child_id
from domain.plan_forms import Consent
from domain.vocabulary import (
    Attendance,
    ConsentPurpose,
    FamilyMember,
    LabelAbout,
    PeerIncidentKind,
    SessionType,
)
from processes.engine_runner import EngineRunner
from tests import forms

YEAR_ONE = datetime.fromisoformat("0001-01-01T03:00+14:00")


def enrolled(world) -> None:  # type: ignore[no-untyped-def]
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))


def refused(command, field: str | None = None) -> InvalidEntry:  # type: ignore[no-untyped-def]
    """The command is refused with a named error, naming `field` when given."""
    with pytest.raises(KopirError) as caught:
        command()
    if field is not None:
        assert isinstance(caught.value, InvalidEntry), caught.value
        assert any(p.field.startswith(field) for p in caught.value.problems), caught.value
    return caught.value  # type: ignore[return-value]


def test_moments_before_any_school_year_are_refused(world):
    # Finding 3: year 1 overflowed the projection and the engine.
    enrolled(world)
    app, teacher = world.app, world.teacher
    refused(lambda: app.record_conflict(teacher, "AST-0001", forms.conflict(YEAR_ONE)),
            "occurred_at")
    refused(lambda: app.enrol_child(world.psychologist, forms.enrolment(
        "AST-0002", datetime(1969, 7, 20, tzinfo=timezone.utc))), "occurred_at")
    entry = app.record_conflict(teacher, "AST-0001", forms.conflict(world.later()))
    refused(lambda: app.amend_entry(teacher, "AST-0001", Correction(
        entry, "x", {"occurred_at": YEAR_ONE})), "occurred_at")


def test_fields_of_the_wrong_shape_are_refused_by_name(world):
    # Finding 3: languages=5, a display name that is a list or None, a region of None.
    enrolled(world)
    app, when = world.app, world.later()
    refused(lambda: app.enrol_child(world.psychologist, forms.enrolment(
        "AST-0002", when, languages=5)), "languages")
    refused(lambda: app.enrol_child(world.psychologist, forms.enrolment(
        "AST-0003", when, languages=("kk", "not a language"))), "languages")
    refused(lambda: app.register_account(SYSTEM, "u1", ["a", "list"], Role.TEACHER, ["S1"],
                                         "password1"), "display_name")
    refused(lambda: app.register_account(SYSTEM, "u2", None, Role.TEACHER, ["S1"],
                                         "password1"), "display_name")
    refused(lambda: app.register_account(SYSTEM, "u3", "U", "janitor", ["S1"], "password1"),
            "role")
    refused(lambda: app.register_account(SYSTEM, "u4", "U", Role.TEACHER, "S1", "password1"),
            "school_ids")
    refused(lambda: app.register_school(SYSTEM, "S9", "Nine", None), "region")


def test_values_of_the_wrong_type_give_named_errors(world):
    # Finding 16: TypeError, AttributeError, ValueError, UnicodeEncodeError and
    # TranscodingNotRegistered came out of the application.
    enrolled(world)
    app, psych, teacher, when = world.app, world.psychologist, world.teacher, world.later()
    entry = app.record_conflict(teacher, "AST-0001", forms.conflict(when))
    session = app.record_counselling_session(psych, "AST-0001", forms.session(when))
    cases = [
        (lambda: app.record_conflict(teacher, "AST-0001", forms.conflict(when),
                                     entry_id="not-a-uuid"), "entry_id"),
        (lambda: app.raise_concern(psych, "AST-0001", forms.concern(when),
                                   entry_id="not-a-uuid"), "entry_id"),
        (lambda: app.amend_entry(psych, "AST-0001", Correction(
            session, "x", {"follow_up_on": "garbage"})), "follow_up_on"),
        (lambda: app.record_conflict(teacher, "AST-0001", forms.conflict(
            when, description="a lone surrogate \ud800")), "description"),
        (lambda: app.record_peer_incident(teacher, "AST-0001", forms.peer_incident(
            when, kind=PeerIncidentKind.STIGMATISING_LABEL, label_about=b"x")), "label_about"),
        (lambda: app.record_conflict(teacher, "AST-0001", forms.conflict(
            when, participants=["AST-0002"])), "participants"),
        (lambda: app.record_conflict(teacher, "AST-0001", forms.conflict(
            when, others_not_in_system="yes")), "others_not_in_system"),
        (lambda: app.record_counselling_session(psych, "AST-0001", CounsellingSession(
            when, SessionType.INDIVIDUAL, Attendance.ATTENDED, wellbeing={"social_ties": 3})),
         "wellbeing"),
        (lambda: app.record_counselling_session(psych, "AST-0001", forms.session(
            when, follow_up_on="tomorrow")), "follow_up_on"),
        (lambda: app.record_counselling_session(psych, "AST-0001", forms.session(
            when, follow_up_on=datetime.now(timezone.utc))), "follow_up_on"),
        (lambda: app.amend_entry(teacher, "AST-0001", Correction(entry, "x", ["severity"])),
         "changes"),
        (lambda: app.raise_concern(psych, "AST-0001", forms.concern(when))
         and app.acknowledge_concern(world.supervisor, concern_id(str(child_id("AST-0001"))),
                                     note=None), "note"),
        (lambda: app.close_enrolment(psych, "AST-0001", 42), "reason"),
        (lambda: app.erase_personal_data(world.admin, "AST-0001", ["x"]), None),
        (lambda: app.record_conflict(teacher, ["AST-0001"], forms.conflict(when)), None),
        (lambda: app.enrol_child(world.psychologist, replace(
            forms.enrolment("AST-0009", when), school_id=["S1"])), None),
    ]
    for command, field in cases:
        refused(command, field)
    with pytest.raises(KopirError):
        app.log_in(["admin"], None)


def test_a_child_moves_only_to_a_registered_school(world):
    # Finding 12: a 316-character id with a right-to-left mark made the child vanish.
    enrolled(world)
    odd = "\u202e" + "S" * 315
    refused(lambda: world.app.transfer_child(world.psychologist, "AST-0001", odd, "moved"),
            "to_school_id")
    refused(lambda: world.app.transfer_child(world.psychologist, "AST-0001", "S404", "moved"),
            "to_school_id")
    world.app.record_consent(world.psychologist, "AST-0001", Consent(
        ConsentPurpose.SHARE_WITH_SCHOOL, True, FamilyMember.MOTHER))
    world.app.transfer_child(world.psychologist, "AST-0001", "S2", "The family moved.")
    assert world.app.child("AST-0001").school_id == "S1"  # until S2 accepts
    world.app.accept_transfer(world.supervisor, "AST-0001")
    assert world.app.child("AST-0001").school_id == "S2"


def test_whatever_was_accepted_projects_and_is_decided(world, settings):
    # After all the refusals above, what the store holds applies cleanly everywhere.
    enrolled(world)
    app, when = world.app, world.later()
    app.record_counselling_session(world.psychologist, "AST-0001", CounsellingSession(
        when, SessionType.INDIVIDUAL, Attendance.ATTENDED, Wellbeing(1, 5, 3, 2),
        follow_up_on=date.today() + timedelta(days=7), summary="ok"))
    app.record_peer_incident(world.teacher, "AST-0001", forms.peer_incident(
        when, kind=PeerIncidentKind.STIGMATISING_LABEL, label_about=LabelAbout.FAMILY))
    world.project()
    if settings.in_memory:
        return  # the engine keeps its position in SQL
    EngineRunner(app).tick()
    world.project()
