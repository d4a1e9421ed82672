"""Reads for administrators: accounts (never case records); and the people a supervisor
may name as their deputy."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from domain import access
from domain.access import Actor
from projections.queries.common import Reader
from projections.tables import accounts

DEPUTY_ROLES = ("supervisor", "psychologist")


class AdminQueries(Reader):
    def accounts(self, actor: Actor) -> list[dict[str, Any]]:
        """Every account: who, role, schools, and whether they may sign in."""
        access.check_may_administer(actor)
        rows = self._select(select(accounts).order_by(accounts.c.user_id))
        for row in rows:
            row["school_ids"] = json.loads(row["school_ids"])
            row["display_names"] = json.loads(row["display_names"] or "{}")
        return rows

    def deputy_candidates(self, actor: Actor, supervisor: str) -> list[dict[str, str]]:
        """Who may stand in for a supervisor: the active supervisors and psychologists other
        than the supervisor, by name."""
        access.check_may_delegate(actor, supervisor)
        a = accounts.c
        rows = self._select(select(a.user_id, a.display_name, a.display_names, a.role).where(
            a.role.in_(DEPUTY_ROLES), a.active.is_(True), a.user_id != supervisor)
            .order_by(a.display_name, a.user_id))
        return [{**r, "display_names": json.loads(r["display_names"] or "{}")} for r in rows]
