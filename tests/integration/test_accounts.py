"""Accounts as events: an administrator disables and enables them, resets a password to a
one-time password that must be changed at the next sign-in, and changes a role and
schools; the read model of accounts follows, and a rebuild gives the same rows. In
memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from domain.access import Role
from domain.errors import InvalidEntry, NotAuthorised, PasswordChangeRequired, UnknownUser
from processes.rebuild import rebuild
from tests.readers import Readers

PASSWORD = "first-password"


def hire(world, user_id="t.one", role=Role.TEACHER, schools=("S1",)):  # type: ignore[no-untyped-def]
    world.app.register_account(world.admin, user_id, "Aigerim One", role, list(schools),
                               PASSWORD)
    return user_id


def test_a_disabled_account_cannot_sign_in_until_it_is_enabled_again(world):
    user = hire(world)
    assert world.app.log_in(user, PASSWORD).user_id == user
    world.app.disable_account(world.admin, user)
    # The right password no longer opens it, and it reads like any wrong sign-in.
    with pytest.raises(UnknownUser) as refused:
        world.app.log_in(user, PASSWORD)
    assert refused.value.code == "login_failed"
    with pytest.raises(UnknownUser):
        world.app.actor_for(user)  # single sign-on is refused too
    world.app.enable_account(world.admin, user)
    assert world.app.log_in(user, PASSWORD).role == Role.TEACHER


def test_only_an_administrator_disables_and_never_their_own_account(world):
    user = hire(world)
    hire(world, "adm.two", Role.ADMIN, ["*"])
    other_admin = world.app.log_in("adm.two", PASSWORD)
    with pytest.raises(NotAuthorised):
        world.app.disable_account(world.supervisor, user)
    with pytest.raises(NotAuthorised) as refused:
        world.app.disable_account(other_admin, "adm.two")  # the last way in stays open
    assert refused.value.code == "denied.own_account"
    with pytest.raises(UnknownUser):
        world.app.disable_account(world.admin, "nobody.here")
    assert world.app.log_in("adm.two", PASSWORD).user_id == "adm.two"


def test_a_reset_password_signs_in_once_only_to_be_asked_for_a_new_one(world):
    user = hire(world)
    one_time = world.app.reset_password(world.admin, user)
    assert len(one_time) >= 12 and one_time != PASSWORD
    # Only a hash of it was recorded.
    recorded = [e for e in world.app.events.get(world.app.account(user).id)
                if type(e).__name__ == "PasswordReset"]
    assert len(recorded) == 1 and one_time not in repr(recorded[0].__dict__)
    assert recorded[0].must_change
    # The old password no longer works.
    with pytest.raises(UnknownUser):
        world.app.log_in(user, PASSWORD)
    # The one-time password signs in only far enough to be told to change it.
    with pytest.raises(PasswordChangeRequired):
        world.app.log_in(user, one_time)
    with pytest.raises(InvalidEntry) as problems:
        world.app.change_password(user, one_time, one_time)
    assert problems.value.problems[0].code == "account.password_same"
    with pytest.raises(InvalidEntry):
        world.app.change_password(user, one_time, "short")
    with pytest.raises(UnknownUser):
        world.app.change_password(user, "not-the-password", "a-new-password")
    actor = world.app.change_password(user, one_time, "a-new-password", "a-new-password")
    assert actor.user_id == user
    # From now on the new password signs in; the one-time one does not.
    assert world.app.log_in(user, "a-new-password").user_id == user
    with pytest.raises(UnknownUser):
        world.app.log_in(user, one_time)


def test_a_role_and_schools_change_at_the_next_sign_in_and_only_by_an_administrator(world):
    user = hire(world)
    before = world.app.log_in(user, PASSWORD)
    with pytest.raises(NotAuthorised):
        world.app.change_role(before, user, Role.ADMIN, ["*"])
    with pytest.raises(NotAuthorised):
        world.app.change_role(world.supervisor, user, Role.PSYCHOLOGIST, ["S2"])
    with pytest.raises(InvalidEntry) as problems:
        world.app.change_role(world.admin, user, "headmaster", ["S 2!"])
    assert {p.field for p in problems.value.problems} == {"role", "school_ids"}
    world.app.change_role(world.admin, user, Role.PSYCHOLOGIST, ["S2"])
    # The session already open keeps what it had; the next sign-in has the new role.
    assert before.role == Role.TEACHER and before.school_ids == {"S1"}
    after = world.app.log_in(user, PASSWORD)
    assert after.role == Role.PSYCHOLOGIST and after.school_ids == {"S2"}


def test_the_accounts_read_model_follows_and_a_rebuild_gives_the_same_rows(world):
    hire(world)
    hire(world, "p.two", Role.PSYCHOLOGIST, ["S2"])
    world.app.disable_account(world.admin, "t.one")
    world.app.change_role(world.admin, "p.two", Role.SUPERVISOR, ["S1", "S2"])
    world.app.reset_password(world.admin, "p.two")
    world.project()
    readers = Readers(world.app, world.rt.view)
    rows = {r["user_id"]: r for r in readers.admin.accounts(world.admin)}
    assert rows["t.one"]["active"] is False and rows["p.two"]["active"] is True
    assert rows["p.two"]["role"] == "supervisor" and rows["p.two"]["school_ids"] == ["S1", "S2"]
    with pytest.raises(NotAuthorised):
        readers.admin.accounts(world.supervisor)  # administrators only
    world.app.enable_account(world.admin, "t.one")
    world.project()
    before = world.rt.view.rows("rm_accounts")
    assert {r["user_id"]: r["active"] for r in before} == {"t.one": True, "p.two": True}
    report = rebuild(world.rt.runner)
    assert report.identical, report.differences
    assert world.rt.view.rows("rm_accounts") == before
