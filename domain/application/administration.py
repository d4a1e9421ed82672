"""Administration: schools, accounts and signing in; erasure on a lawful request; and the
application's own trail (reads of a child's record, signed checkpoints of the log)."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import access, checks
from domain.access import Actor, Role
from domain.application.accounts import check_new_password, check_role_and_schools
from domain.application.base import SYSTEM, command
from domain.application.delegation import Delegation
from domain.checks import SHORT_TEXT
from domain.errors import (
    InvalidEntry,
    MissingMasterKey,
    PasswordChangeRequired,
    Problems,
    UnknownChild,
    UnknownUser,
)
from domain.model import (
    AccessEntry,
    KopirAggregate,
    LedgerCheckpoint,
    School,
    StaffAccount,
    user_id_uuid,
)
from domain.passwords import hash_password
from domain.regions import LANGUAGES, region_code


@runtime_checkable
class Shredding(Protocol):
    """What erasure needs of the application's mapper (the persistence module builds it):
    that it encrypts each child's content under keys of the child's own, and can destroy
    them."""

    @property
    def encrypts(self) -> bool:
        """True when stored content is encrypted (a master key is configured)."""

    def shred(self, owner: str) -> int:
        """Destroy every data key of an owner; returns how many there were."""


def _names(problems: Problems, field: str,
           names: Mapping[str, str] | None) -> dict[str, str]:
    """A name by language (kk, ru, en), the empty ones left out."""
    if names is None:
        return {}
    if not isinstance(names, Mapping) or not set(names) <= set(LANGUAGES):
        problems.add(field, "choice.unknown", allowed=", ".join(LANGUAGES))
        return {}
    for language, text in names.items():
        checks.text(problems, f"{field}.{language}", text, required=False, limit=SHORT_TEXT)
    return {language: text.strip() for language, text in names.items()
            if isinstance(text, str) and text.strip()}


EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")


class Administration(Delegation):
    # --- schools and accounts -----------------------------------------------------------
    @command
    def register_school(self, actor: Actor, school_id: str, name: str, region: str,
                        names: Mapping[str, str] | None = None) -> None:
        """A school with its name (`names`: the name in kk, ru and en, each optional) and
        its region, by code or by name (domain.regions)."""
        access.check_may_administer(actor)
        problems = Problems()
        if not isinstance(school_id, str) or not checks.SCHOOL_ID.match(school_id):
            problems.add("school_id", "school.id_format")
        checks.text(problems, "name", name, required=True, limit=SHORT_TEXT)
        checks.text(problems, "region", region, required=True, limit=SHORT_TEXT)
        named = _names(problems, "names", names)
        problems.raise_if_any()
        school = School.register(school_id, name, region_code(region),
                                 self._stamp(actor, school_id), named)
        self._save(school, conflict=InvalidEntry.one("school_id", "school.exists",
                                                     school=school_id))

    @command
    def register_account(self, actor: Actor, user_id: str, display_name: str, role: Role,
                         school_ids: Sequence[str], password: str,
                         display_names: Mapping[str, str] | None = None) -> None:
        """An account; `display_names` is the person's name in kk, ru and en (optional)."""
        access.check_may_administer(actor)
        problems = Problems()
        if not isinstance(user_id, str) or not checks.USER_ID.match(user_id):
            problems.add("user_id", "account.user_format")
        checks.text(problems, "display_name", display_name, required=True, limit=SHORT_TEXT)
        named = _names(problems, "display_names", display_names)
        check_role_and_schools(problems, role, school_ids)
        check_new_password(problems, password)
        problems.raise_if_any()
        account = StaffAccount.register(user_id, display_name, Role(role).value, school_ids,
                                        hash_password(password), self._stamp(actor, "*"),
                                        named)
        self._save(account, conflict=InvalidEntry.one("user_id", "account.exists",
                                                      user=user_id))

    @command
    def set_notifications(self, actor: Actor, user_id: str, email: str, digest: bool = True,
                          language: str = "ru") -> None:
        """How a person is told of concerns: their own choice, or an administrator's."""
        if actor.user_id != user_id:
            access.check_may_administer(actor)
        problems = Problems()
        if not isinstance(email, str) or (email and not EMAIL.fullmatch(email)):
            problems.add("email", "account.email_format")
        if language not in ("kk", "ru", "en"):
            problems.add("language", "choice.unknown", allowed="kk, ru, en")
        if not isinstance(digest, bool):
            problems.add("digest", "flag.format")
        problems.raise_if_any()
        try:
            account: StaffAccount = self.repository.get(user_id_uuid(user_id))
        except AggregateNotFoundError:
            raise UnknownUser(code="unknown_user", user=str(user_id)) from None
        account.set_notifications(email.strip(), digest, language, self._stamp(actor, "*"))
        self._save(account)

    @command
    def log_in(self, user_id: str, password: str) -> Actor:
        """The actor for a user id and password; UnknownUser when either is wrong or the
        account is disabled; PasswordChangeRequired after a one-time password (then
        `change_password` signs in)."""
        account = self._signing_in(user_id, password)
        if account.must_change_password:
            raise PasswordChangeRequired(user=account.user_id)
        return self.actor(account)

    @command
    def actor_for(self, user_id: str) -> Actor:
        """The actor of an active account (single sign-on has checked who it is)."""
        account = self.account(user_id)
        if not account.is_active:
            raise UnknownUser()
        return self.actor(account)

    # --- erasure --------------------------------------------------------------------------
    @command
    def erase_personal_data(self, actor: Actor, code: str, legal_basis: str) -> int:
        """Crypto-shredding: record PersonalDataErased, then destroy the child's data keys
        (and those of their escalations). Returns how many keys were destroyed."""
        access.check_may_administer(actor)
        mapper = self.mapper
        if not (isinstance(mapper, Shredding) and mapper.encrypts):
            raise MissingMasterKey()
        if not isinstance(legal_basis, str) or not legal_basis.strip():
            raise InvalidEntry.one("legal_basis", "erasure.legal_basis")
        child = self.child(code)
        child.erase(legal_basis, self._stamp(actor, child.school_id))
        self._save(child)
        return mapper.shred(str(child.id))

    # --- the trail ------------------------------------------------------------------------
    @command
    def record_checkpoint(self, position: int, count: int, head: str, public_key: str,
                          signature: str, previous: str) -> UUID:
        """Store a signed checkpoint of the hash chain (infrastructure.ledger) as an event."""
        checkpoint = LedgerCheckpoint.sign(self.new_id(), position, count, head, public_key,
                                           signature, previous, self._stamp(SYSTEM, "*"))
        self._save(checkpoint)
        return checkpoint.id

    @command
    def record_access(self, actor: Actor, code: str, purpose: str, fields: Sequence[str],
                      as_of: datetime | None = None) -> UUID:
        """Log one read of a child's record (who, which child, which fields, why): only
        for a reader who may read it."""
        child = self.child(code)
        access.check_may_read_child(actor, child.school_id, code)
        entry = AccessEntry.view(self.new_id(), str(child.id), code, purpose, fields,
                                 as_of.isoformat() if as_of else "",
                                 self._stamp(actor, child.school_id))
        self._save(entry)
        return entry.id

    @command
    def record_name_reads(self, actor: Actor, children: Sequence[tuple[str, str, str]]) -> int:
        """Log that the actor was shown the personal names of these children (child id,
        code, school) in a list to pick from: one read each, saved in one transaction."""
        entries = []
        for child_id, code, school_id in children:
            access.check_may_read_child(actor, school_id, code)
            entries.append(AccessEntry.view(self.new_id(), child_id, code, "names",
                                            ["personal_name"], "",
                                            self._stamp(actor, school_id)))
        if entries:
            self._save(*entries)
        return len(entries)

    def child_events(self, actor: Actor, code: str,
                     as_of: datetime | None = None) -> list[KopirAggregate.Event]:
        """A child's events as recorded by `as_of` (store time), after an access check."""
        child = self.child(code)
        access.check_may_read_child(actor, child.school_id, code)
        events = list(self.events.get(child.id))
        if as_of is not None:
            events = [e for e in events if e.timestamp <= as_of]
        return self._without_erased_participants(events)  # type: ignore[return-value]

    def _without_erased_participants(self, events: list[Any]) -> list[Any]:
        """The events as they read after other children's erasures: a shared incident names
        an erased participant by an empty code (as the read models do)."""
        erased: dict[str, bool] = {}

        def is_erased(code: str) -> bool:
            if code not in erased:
                try:
                    erased[code] = self.child(code).is_erased
                except UnknownChild:
                    erased[code] = False
            return erased[code]

        shown = []
        for event in events:
            parts = getattr(event, "participants", None)
            if parts and any(is_erased(p.get("child_code") or "") for p in parts
                             if p.get("child_code")):
                event = copy.copy(event)
                object.__setattr__(event, "participants", [
                    {**p, "child_code": ""} if p.get("child_code") and is_erased(p["child_code"])
                    else p for p in parts])
            shown.append(event)
        return shown
