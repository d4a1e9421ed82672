"""The caseworker's week by e-mail: on Monday at the digest hour, everyone with an e-mail
address and the digest on, who has something overdue or due this week on "My work", is
told how many items wait, with a link to the list. Content-free: counts and a link, no
child's code. Recorded once per person and week (the week is in the delivery's key) in
the notifier's ledger, and sent by the notifier like every other message."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from domain.errors import KopirError
from infrastructure.deliveries import deliveries
from projections.queries import StaffQueries
from projections.tables import accounts

log = logging.getLogger(__name__)
WORKERS = ("teacher", "psychologist", "supervisor")


class WeeklyDigest:
    def __init__(self, app: Any, view: Any, digest_hour: int, zone: str) -> None:
        self.app, self.view = app, view
        self.hour, self.zone = digest_hour, ZoneInfo(zone)

    def this_week(self, now: datetime) -> tuple[str, datetime]:
        """The week's name (ISO year and week) and the moment its digest is due."""
        local = now.astimezone(self.zone)
        monday = (local - timedelta(days=local.weekday())).replace(
            hour=self.hour, minute=0, second=0, microsecond=0)
        year, week, _ = monday.isocalendar()
        return f"{year}-W{week:02d}", monday

    def queue(self, now: datetime) -> int:
        """Record this week's digest for each person it is due for, once; returns how many."""
        week, due = self.this_week(now)
        if now < due:
            return 0
        prefix = f"week:{week}:"
        with self.view.engine.connect() as connection:
            done = set(connection.execute(select(deliveries.c.user_id).where(
                deliveries.c.delivery_key.like(f"{prefix}%"))).scalars())
            people = [dict(r._mapping) for r in connection.execute(
                select(accounts).where(accounts.c.email != "", accounts.c.digest.is_(True)))]
        rows = []
        for person in people:
            if person["user_id"] in done or person["role"] not in WORKERS \
                    or not person.get("active", True):
                continue
            overdue, this_week = self.counts(person["user_id"])
            if overdue + this_week == 0:
                continue
            rows.append({"delivery_key": f"{prefix}{person['user_id']}",
                         "user_id": person["user_id"], "channel": "email",
                         "address": person["email"], "kind": "weekly", "reason": "week",
                         "concern_id": week, "child_code": "", "school_id": "", "level": "",
                         "author": "", "queued_at": now, "due_at": due, "sent_at": None,
                         "attempts": 0, "next_try_at": None, "last_error": ""})
        if rows:
            with self.view.engine.begin() as connection:
                connection.execute(insert(deliveries), rows)
        return len(rows)

    def counts(self, user_id: str) -> tuple[int, int]:
        """(overdue, due this week) on the person's "My work" now."""
        try:
            actor = self.app.actor_for(user_id)
            work = StaffQueries(self.app, self.view).my_work(actor)
        except KopirError as error:  # an account since disabled or out of every school
            log.info("no weekly digest for %s: %s", user_id, error)
            return 0, 0
        return len(work["overdue"]), len(work["this_week"])
