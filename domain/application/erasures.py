"""Erasure on a lawful request, by four eyes: an administrator asks, with the request it
answers; a data-protection officer (or, per `access.ADMINS_DECIDE_ERASURE`, a second
administrator) approves or rejects, with a reason; only an approval erases. The
approval and the child's PersonalDataErased are recorded in one transaction, then the
child's data keys are destroyed (crypto-shredding)."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain import access, checks
from domain.access import POLICY, Actor
from domain.application.administration import Shredding
from domain.application.base import Base, command
from domain.checks import TEXT
from domain.erasure import REGISTER_ID, ErasureRegister, ErasureRequestError, legal_basis
from domain.errors import EnrolmentIsClosed, InvalidEntry, MissingMasterKey, Problems


def check_reason(field: str, text: str, code: str) -> str:
    """Raised (InvalidEntry) when a request or a decision comes without its reason."""
    problems = Problems()
    checks.text(problems, field, text, required=False, limit=TEXT)
    problems.raise_if_any()
    if not text.strip():
        raise InvalidEntry.one(field, code)
    return text.strip()


def check_may_see_erasures(actor: Actor) -> None:
    """Raised when someone who neither asks for erasures nor decides them lists them."""
    policy = POLICY[actor.role]
    if not (policy.administers or policy.decides_erasure):
        raise access.deny(actor, "see erasure requests", "erasure_decide")


class Erasures(Base):
    def _register(self) -> ErasureRegister | None:
        try:
            return self._get(REGISTER_ID)  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            return None

    def _shredding(self) -> Shredding:
        """The mapper, when it can erase (the store is encrypted under a master key)."""
        mapper = self.mapper
        if not (isinstance(mapper, Shredding) and mapper.encrypts):
            raise MissingMasterKey()
        return mapper

    @command
    def request_erasure(self, actor: Actor, code: str, reason: str) -> str:
        """Ask for a child's personal data to be erased; returns the request's id. Refused
        for an unknown or already erased child, and while a request for the child waits."""
        access.check_may_request_erasure(actor)
        self._shredding()  # refused now, not at the approval, on a store that cannot erase
        reason = check_reason("reason", reason, "erasure.legal_basis")
        child = self.child(code)
        if child.is_erased:
            raise EnrolmentIsClosed(code="already_erased", child=child.code)
        stamp = self._stamp(actor, child.school_id)
        register = self._register() or ErasureRegister.open(self._stamp(actor, "*"))
        request_id = str(self.new_id())
        register.request(request_id, child.code, reason, stamp)
        self._save(register)
        return request_id

    @command
    def approve_erasure(self, actor: Actor, request_id: str, note: str) -> int:
        """Approve another person's erasure request: the approval and PersonalDataErased
        in one transaction, then the child's keys are destroyed; returns how many."""
        register, request = self._decision(actor, request_id)
        note = check_reason("note", note, "erasure.note")
        mapper = self._shredding()
        child = self.child(request["child_code"])
        if child.is_erased:
            raise EnrolmentIsClosed(code="already_erased", child=child.code)
        stamp = self._stamp(actor, child.school_id)
        register.approve(request["request_id"], note, stamp)
        child.erase(legal_basis(request, actor.user_id), stamp)
        self._save(register, child)
        return mapper.shred(str(child.id))

    @command
    def reject_erasure(self, actor: Actor, request_id: str, note: str) -> None:
        """Reject another person's erasure request, with the reason: nothing is erased."""
        register, request = self._decision(actor, request_id)
        note = check_reason("note", note, "erasure.note")
        register.reject(request["request_id"], note,
                        self._stamp(actor, request["school_id"]))
        self._save(register)

    def _decision(self, actor: Actor, request_id: str) -> tuple[ErasureRegister, dict[str, Any]]:
        """The register and the pending request, once the actor may decide it."""
        check_may_see_erasures(actor)
        register = self._register()
        if register is None:
            raise ErasureRequestError(request=str(request_id)[:40])
        request = register.pending(request_id)
        access.check_may_decide_erasure(actor, request["requested_by"])
        return register, request

    def erasure_requests(self, actor: Actor) -> list[dict[str, Any]]:
        """Pending requests (oldest first), then decisions (newest first)."""
        check_may_see_erasures(actor)
        register = self._register()
        return register.listed() if register is not None else []
