"""What an administrator does with accounts after creating them: disable and enable them,
reset a password (a one-time password, to change at the next sign-in), change a role and
schools; and what a person does with their own: change their password."""

from __future__ import annotations

import secrets
from typing import Any, Sequence

from eventsourcing.application import AggregateNotFoundError

from domain import access, checks
from domain.access import Actor, Role
from domain.application.base import Base, command
from domain.errors import NotAuthorised, Problems, UnknownUser
from domain.model import StaffAccount, user_id_uuid
from domain.passwords import hash_password, verify_password

MINIMUM_PASSWORD = 8
ONE_TIME_BYTES = 9  # 12 characters of a URL-safe alphabet


def check_role_and_schools(problems: Problems, role: Any, school_ids: Any) -> None:
    """Adds a problem when the role is not one of Köpir's, or the schools are not a
    non-empty list of school ids (or "*", every school)."""
    checks.choice(problems, "role", role, Role)
    if not isinstance(school_ids, (list, tuple)) or not school_ids or \
            not all(isinstance(s, str) and (s == access.ALL_SCHOOLS or checks.SCHOOL_ID.match(s))
                    for s in school_ids):
        problems.add("school_ids", "account.schools_format")


def check_new_password(problems: Problems, password: Any, field: str = "password") -> None:
    """Adds a problem when a new password is too short or cannot be stored."""
    if not isinstance(password, str) or len(password) < MINIMUM_PASSWORD:
        problems.add(field, "account.password_short", minimum=MINIMUM_PASSWORD)
    elif not checks.encodable(password):
        problems.add(field, "text.invalid_characters")


class Accounts(Base):
    def account(self, user_id: str) -> StaffAccount:
        """The account of a user id; UnknownUser when there is none."""
        if not isinstance(user_id, str) or not checks.USER_ID.match(user_id):
            raise UnknownUser(code="unknown_user", user="?")
        try:
            account = self._get(user_id_uuid(user_id))
        except AggregateNotFoundError:
            raise UnknownUser(code="unknown_user", user=user_id) from None
        if not isinstance(account, StaffAccount):
            raise UnknownUser(code="unknown_user", user=user_id)
        return account

    @command
    def disable_account(self, actor: Actor, user_id: str) -> None:
        """The person can no longer sign in. An administrator cannot disable their own
        account: it may be the last way in."""
        access.check_may_administer(actor)
        if user_id == actor.user_id:
            raise NotAuthorised(code="denied.own_account")
        account = self.account(user_id)
        account.disable(self._stamp(actor, access.ALL_SCHOOLS))
        self._save(account)

    @command
    def enable_account(self, actor: Actor, user_id: str) -> None:
        access.check_may_administer(actor)
        account = self.account(user_id)
        account.enable(self._stamp(actor, access.ALL_SCHOOLS))
        self._save(account)

    @command
    def reset_password(self, actor: Actor, user_id: str) -> str:
        """A one-time password for the person (only its hash is recorded), to be changed at
        the next sign-in. Returned once: Köpir cannot show it again."""
        access.check_may_administer(actor)
        account = self.account(user_id)
        one_time = secrets.token_urlsafe(ONE_TIME_BYTES)
        account.reset_password(hash_password(one_time), self._stamp(actor, access.ALL_SCHOOLS))
        self._save(account)
        return one_time

    @command
    def change_role(self, actor: Actor, user_id: str, role: Role | str,
                    school_ids: Sequence[str]) -> None:
        """A new role and schools, from the next sign-in on."""
        access.check_may_administer(actor)
        problems = Problems()
        check_role_and_schools(problems, role, school_ids)
        problems.raise_if_any()
        if user_id == actor.user_id and Role(role) != Role.ADMIN:
            raise NotAuthorised(code="denied.own_account")
        account = self.account(user_id)
        account.change_role(Role(role).value, list(school_ids),
                            self._stamp(actor, access.ALL_SCHOOLS))
        self._save(account)

    @command
    def change_password(self, user_id: str, current: str, new: str,
                        repeated: str | None = None) -> Actor:
        """A person sets a new password, proving the current one (a one-time password
        included); returns the actor, signed in."""
        account = self._signing_in(user_id, current)
        problems = Problems()
        check_new_password(problems, new, "new_password")
        if repeated is not None and repeated != new:
            problems.add("repeated", "account.passwords_differ")
        if not problems.items and new == current:
            problems.add("new_password", "account.password_same")
        problems.raise_if_any()
        me = self.actor(account)
        account.change_password(hash_password(new), self._stamp(me, access.ALL_SCHOOLS))
        self._save(account)
        return me

    def _signing_in(self, user_id: str, password: str) -> StaffAccount:
        """The account, when it is active and the password is its own; UnknownUser (the
        same sentence whatever was wrong) otherwise."""
        if not isinstance(user_id, str) or not isinstance(password, str) or \
                not checks.USER_ID.match(user_id) or not checks.encodable(password):
            raise UnknownUser()
        try:
            account = self.account(user_id)
        except UnknownUser:
            raise UnknownUser() from None
        if not account.is_active or not verify_password(password, account.password_hash):
            raise UnknownUser()
        return account
