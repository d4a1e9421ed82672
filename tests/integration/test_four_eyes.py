"""Erasure by four eyes, on SQLite and PostgreSQL: an administrator asks, a second person
(the data-protection officer, or another administrator) approves or rejects; only an
approval erases, nobody decides their own request, and every step is an event naming
who took it."""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from pathlib import Path

import pytest

from domain.access import Actor, Role
from domain.application import SYSTEM
from domain.erasure import REGISTER_ID, ErasureRegister, ErasureRequestError
from domain.errors import EnrolmentIsClosed, InvalidEntry, NotAuthorised, UnknownChild
from domain.model import Child
from infrastructure.settings import settings as configured
from kopir import bootstrap, cli
from tests import forms
from tests.readers import Readers

pytestmark = pytest.mark.backends("sqlite", "postgres")
DPO = Actor("dpo", Role.DPO, frozenset({"*"}))
SECOND_ADMIN = Actor("adm2", Role.ADMIN, frozenset({"*"}))


def enrol(world, code: str = "AST-0001") -> None:  # type: ignore[no-untyped-def]
    world.app.enrol_child(world.psychologist, forms.enrolment(
        code, world.later(hours=1), support_needs="canary-needs"))
    world.app.record_conflict(world.teacher, code, forms.conflict(
        world.later(hours=1), description="canary-text"))


def readable(world, code: str = "AST-0001") -> bool:  # type: ignore[no-untyped-def]
    return world.app.child_events(world.auditor, code)[0].support_needs == "canary-needs"


def test_nobody_decides_their_own_request(encrypted_world):
    world = encrypted_world
    enrol(world)
    # Only an administrator asks; the staff and the data-protection officer do not.
    for someone in (world.psychologist, world.supervisor, DPO):
        with pytest.raises(NotAuthorised):
            world.app.request_erasure(someone, "AST-0001", "Mother's written request")
    request = world.app.request_erasure(world.admin, "AST-0001", "Mother's written request")
    # The administrator who asked can neither approve nor reject it; a teacher cannot either.
    with pytest.raises(NotAuthorised) as own:
        world.app.approve_erasure(world.admin, request, "I asked, I approve")
    assert own.value.code == "denied.erasure_own"
    with pytest.raises(NotAuthorised):
        world.app.reject_erasure(world.admin, request, "Changed my mind")
    with pytest.raises(NotAuthorised):
        world.app.approve_erasure(world.teacher, request, "Fine by me")
    assert readable(world) and not world.app.child("AST-0001").is_erased
    [row] = world.app.erasure_requests(DPO)
    assert (row["status"], row["requested_by"], row["child_code"]) == \
        ("pending", "adm", "AST-0001")


def test_a_rejection_is_recorded_and_erases_nothing(encrypted_world):
    world = encrypted_world
    enrol(world)
    request = world.app.request_erasure(world.admin, "AST-0001", "Mother's written request")
    # A decision needs its reason.
    with pytest.raises(InvalidEntry):
        world.app.reject_erasure(DPO, request, "  ")
    world.app.reject_erasure(DPO, request, "The request came from an uncle, not the mother.")
    assert readable(world) and not world.app.child("AST-0001").is_erased
    [row] = world.app.erasure_requests(world.admin)
    assert (row["status"], row["decided_by"], row["note"]) == \
        ("rejected", "dpo", "The request came from an uncle, not the mother.")
    # Decided once: it cannot be approved afterwards.
    with pytest.raises(ErasureRequestError) as decided:
        world.app.approve_erasure(SECOND_ADMIN, request, "Approve anyway")
    assert decided.value.code == "erasure.rejected"
    # Each step is in the log with who took it.
    events = list(world.app.events.get(REGISTER_ID))
    assert [(type(e).__name__, e.recorded_by) for e in events[1:]] == [
        ("ErasureRequested", "adm"), ("ErasureRejected", "dpo")]


def test_an_approval_by_a_second_person_erases_the_child(encrypted_world):
    world = encrypted_world
    enrol(world)
    enrol(world, "AST-0002")
    world.project()
    request = world.app.request_erasure(world.admin, "AST-0001", "Mother's written request")
    # A second request for the same child waits behind the first.
    with pytest.raises(ErasureRequestError) as twice:
        world.app.request_erasure(SECOND_ADMIN, "AST-0001", "The same request")
    assert twice.value.code == "erasure.pending"
    destroyed = world.rt.approve_erasure(SECOND_ADMIN, request, "Checked the signed request.")
    assert destroyed >= 1
    # The child reads as erased: the event names the request, who asked and who approved.
    assert world.app.child("AST-0001").is_erased and not readable(world)
    last = world.app.child_events(world.auditor, "AST-0001")[-1]
    assert isinstance(last, Child.PersonalDataErased) and last.recorded_by == "adm2"
    assert request in last.legal_basis and "adm" in last.legal_basis
    queries = Readers(world.app, world.rt.view)
    assert "canary" not in str(queries.staff.chronology(world.psychologist, "AST-0001"))
    assert readable(world, "AST-0002")
    register: ErasureRegister = world.app.repository.get(REGISTER_ID)
    assert register.requests[request]["status"] == "approved"
    # An erased or unknown child cannot be asked for again, in a clear sentence.
    with pytest.raises(EnrolmentIsClosed, match="already erased"):
        world.app.request_erasure(world.admin, "AST-0001", "Again")
    with pytest.raises(UnknownChild, match="No child with code AST-0999"):
        world.app.request_erasure(world.admin, "AST-0999", "Mother's written request")
    with pytest.raises(ErasureRequestError, match="no erasure request"):
        world.app.approve_erasure(DPO, "no-such-request", "x")


@pytest.mark.backends("sqlite")
def test_the_command_line_asks_and_a_second_person_approves(settings, tmp_path: Path,
                                                           monkeypatch, capsys):
    # `kopir erase` no longer erases alone: it files the request a second person decides.
    monkeypatch.setenv("KOPIR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KOPIR_CIPHER_KEY", base64.b64encode(os.urandom(32)).decode())
    configured.cache_clear()
    try:
        rt = bootstrap.build(configured())
        rt.app.register_school(SYSTEM, "S1", "School One", "Astana")
        for user, role in (("adm", Role.ADMIN), ("dpo", Role.DPO)):
            rt.app.register_account(SYSTEM, user, user, role, ["*"], "a long password 1")
        rt.app.enrol_child(Actor("p", Role.PSYCHOLOGIST, frozenset({"S1"})),
                           forms.enrolment("AST-0001", rt.app.clock.now() - timedelta(minutes=5)))
        rt.close()
        assert cli.main(["erase", "AST-0001", "--reason", "Mother's request", "--as", "adm"]) == 0
        request = capsys.readouterr().out.split("request ")[1].split(".")[0]
        assert cli.main(["erasure", "approve", request, "--note", "ok", "--as", "adm"]) == 1
        assert "a second person must approve" in capsys.readouterr().err
        assert cli.main(["erasure", "approve", request, "--note", "ok", "--as", "dpo"]) == 0
        assert "erased the personal data of AST-0001" in capsys.readouterr().out
        assert cli.main(["erasure", "list", "--as", "adm"]) == 0
        assert "approved" in capsys.readouterr().out
        assert cli.main(["retention", "run", "--dry-run"]) == 0
        assert "No child is due" in capsys.readouterr().out
    finally:
        configured.cache_clear()
