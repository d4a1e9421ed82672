"""Delegation: a supervisor names a deputy (an active supervisor or psychologist) for a
period of absence. While it lasts, on the application's clock, the deputy sees and
handles the supervisor's caseload, and every decision they take there is recorded as
theirs, acting for the supervisor. The supervisor or an administrator may end it early."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import access
from domain.access import Actor, Role
from domain.application.accounts import Accounts
from domain.application.base import command
from domain.errors import InvalidEntry, NotAuthorised, Problems, UnknownUser

DEPUTY_ROLES = (Role.SUPERVISOR.value, Role.PSYCHOLOGIST.value)


class Delegation(Accounts):
    @command
    def name_deputy(self, actor: Actor, supervisor: str, deputy: str, starts: datetime,
                    ends: datetime) -> str:
        """Name `deputy` to stand in for `supervisor` from `starts` until `ends`; returns
        the delegation's id. Recorded on both accounts, in one transaction."""
        access.check_may_delegate(actor, supervisor)
        boss = self.account(supervisor)
        if boss.user_role != Role.SUPERVISOR.value:
            raise NotAuthorised(code="not_a_supervisor", user=supervisor)
        problems = Problems()
        try:
            other = self.account(deputy)
        except UnknownUser:
            other = None
        if other is None or other.user_id == boss.user_id or not other.is_active or \
                other.user_role not in DEPUTY_ROLES:
            problems.add("deputy", "delegation.deputy")
        if not (isinstance(starts, datetime) and isinstance(ends, datetime)
                and starts.tzinfo is not None and ends.tzinfo is not None):
            problems.add("period", "moment.missing")
        elif ends <= starts or ends <= self._now():
            problems.add("period", "delegation.period")
        problems.raise_if_any()
        if other is None:  # named as a problem above; this keeps the type checker told
            raise InvalidEntry.one("deputy", "delegation.deputy")
        delegation_id = str(self.new_id())
        stamp = self._stamp(actor, access.ALL_SCHOOLS)
        for account in (boss, other):
            account.name_deputy(delegation_id, boss.user_id, other.user_id, starts, ends, stamp)
        self._save(boss, other)
        return delegation_id

    @command
    def end_delegation(self, actor: Actor, supervisor: str, delegation_id: str) -> None:
        """End a delegation now (one that has not begun yet never will)."""
        access.check_may_delegate(actor, supervisor)
        boss = self.account(supervisor)
        now = self._now()
        delegation = boss.delegations.get(delegation_id) if isinstance(delegation_id, str) \
            else None
        if delegation is None or delegation["supervisor"] != boss.user_id or \
                delegation["ends"] <= now:
            raise InvalidEntry.one("delegation", "delegation.unknown")
        other = self.account(delegation["deputy"])
        stamp = self._stamp(actor, access.ALL_SCHOOLS)
        for account in (boss, other):
            account.end_delegation(delegation_id, now, stamp)
        self._save(boss, other)

    def delegations_of(self, actor: Actor, supervisor: str) -> list[dict[str, Any]]:
        """The supervisor's delegations that have not ended: the deputy (id and name),
        the period, and whether it is active now."""
        access.check_may_delegate(actor, supervisor)
        boss = self.account(supervisor)
        now = self.clock.now()
        rows = []
        for key, delegation in boss.delegations_ahead(now):
            try:
                name = self.account(delegation["deputy"]).display_name
            except UnknownUser:
                name = ""
            rows.append({"delegation_id": key, "deputy": delegation["deputy"],
                         "deputy_name": name, "starts": delegation["starts"],
                         "ends": delegation["ends"], "active": delegation["starts"] <= now})
        return rows
