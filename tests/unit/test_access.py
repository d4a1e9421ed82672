"""The access policy: roles, school scope and need-to-know fields (no I/O)."""

from __future__ import annotations

import pytest

from domain import access
from domain.access import Actor, Role
from domain.errors import NotAuthorised

TEACHER = Actor("t", Role.TEACHER, frozenset({"S1"}))
PSYCH = Actor("p", Role.PSYCHOLOGIST, frozenset({"S1"}))
SUPERVISOR = Actor("s", Role.SUPERVISOR, frozenset({"S1", "S2"}))
AUDITOR = Actor("a", Role.AUDITOR, frozenset({"*"}))
ADMIN = Actor("x", Role.ADMIN, frozenset({"*"}))


@pytest.mark.parametrize("actor,what,allowed", [
    (TEACHER, "conflict", True), (TEACHER, "counselling", False), (TEACHER, "concern", False),
    (PSYCH, "counselling", True), (PSYCH, "concern", True),
    (SUPERVISOR, "conflict", False), (AUDITOR, "conflict", False), (ADMIN, "enrolment", False),
])
def test_who_records_what(actor, what, allowed):
    if allowed:
        access.check_may_record(actor, what, "S1")
    else:
        with pytest.raises(NotAuthorised):
            access.check_may_record(actor, what, "S1")


def test_school_scope():
    with pytest.raises(NotAuthorised):
        access.check_may_record(TEACHER, "conflict", "S2")
    with pytest.raises(NotAuthorised):
        access.check_may_read_child(PSYCH, "S2")
    access.check_may_read_child(SUPERVISOR, "S2")
    access.check_may_read_child(AUDITOR, "S9")
    with pytest.raises(NotAuthorised):
        access.check_may_read_child(ADMIN, "S1")


def test_need_to_know_fields():
    assert "confidential_notes" not in access.hidden_fields(PSYCH)
    for actor in (TEACHER, SUPERVISOR, AUDITOR):
        assert "confidential_notes" in access.hidden_fields(actor)
    assert "returned_from" in access.hidden_fields(TEACHER)
    assert "returned_from" in access.hidden_fields(SUPERVISOR)
    assert "returned_from" not in access.hidden_fields(PSYCH)


def test_escalations_are_handled_by_supervisors_and_psychologists_of_the_school():
    access.check_may_handle_escalations(SUPERVISOR, "S2")
    for actor in (TEACHER, AUDITOR, ADMIN):
        with pytest.raises(NotAuthorised):
            access.check_may_handle_escalations(actor, "S1")
