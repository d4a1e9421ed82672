"""Reads for administrators: accounts (never case records)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from domain import access
from domain.access import Actor
from projections.queries.common import Reader
from projections.tables import accounts


class AdminQueries(Reader):
    def accounts(self, actor: Actor) -> list[dict[str, Any]]:
        access.check_may_administer(actor)
        rows = self._select(select(accounts).order_by(accounts.c.user_id))
        for row in rows:
            row["school_ids"] = json.loads(row["school_ids"])
        return rows
