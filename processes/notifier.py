"""The notifier: a follower of the log that tells people of the changes of concerns that
are theirs to act on, by e-mail through SMTP and in the app's "my notifications" list.

- a concern opened or reopened, or raised by a higher signal: the school's psychologists
  and the supervisors of that school; HIGH at once, the rest in a daily digest;
- nobody acknowledged it by its deadline: the next person up (a coordinator of every
  school), at once;
- assigned: the assignee, at once.

Never the author of the change. Messages carry the child's code, the level, the school
and a link: never free text, names or rule reasons. Each delivery is recorded with the
notifier's position in one transaction (recorded exactly once); it is marked sent once
the SMTP server accepted it, and tried again with a growing pause until then (a crash
between the two sends it again, with the same Message-ID). Before each message the
notifier confirms its fencing epoch: one that lost its lock to another sends nothing more
(`infrastructure.fencing`).
"""

from __future__ import annotations

import json
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formatdate, make_msgid
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Notification, Tracking
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import insert, select, update

from domain.concern import NEXT_UP
from domain.model import Concern, user_id_uuid
from infrastructure.deliveries import deliveries, metadata
from infrastructure.fencing import confirm
from infrastructure.locks import FollowerLock
from infrastructure.quarantine import Quarantine, isolatable, reason_of
from infrastructure.settings import MailSettings
from infrastructure.store import schema_lock
from processes import mail_text
from processes.follower import LogFollower
from processes.mailer import Mailer
from processes.weekly import WeeklyDigest
from projections.queries.common import school_staff
from projections.tables import accounts, concerns
from projections.views import ReadModelView

log = logging.getLogger(__name__)
NOTIFIER = "notifier"
TOPICS = [f"domain.model:Concern.{name}" for name in (
    "ConcernOpened", "ConcernReopened", "ConcernLevelRaised", "ConcernAssigned")]
MOST_WAIT = 300.0  # seconds between tries, at most, while the SMTP server refuses
# A change older than this when the notifier reads it is not news (a first start over a
# store with a history, a notifier down for days): the monitor has it; nobody is told.
STALE = timedelta(days=1)


@dataclass(frozen=True)
class Told:
    """Who is told of one change, why, and how soon."""

    users: tuple[str, ...]
    reason: str
    level: str
    immediate: bool


class Notifier(LogFollower):
    name = NOTIFIER
    topics = TOPICS

    def __init__(self, app: Any, view: ReadModelView, config: MailSettings, *,
                 mailer: Mailer | None = None, poll_interval: float = 0.5,
                 lock: FollowerLock | None = None) -> None:
        super().__init__(app, batch_size=500, poll_interval=poll_interval, lock=lock)
        self.view, self.config = view, config
        self.mailer = mailer or Mailer(config)
        self.tracking = SQLAlchemyTrackingRecorder(view.datastore,
                                                   tracking_table_name="notifier_tracking")
        with schema_lock(view.engine):
            self.tracking.create_table()
            metadata.create_all(view.engine)
        self._codes: dict[str, str] = {}
        self.quarantine = Quarantine(view.engine, self.name)
        self.weekly = WeeklyDigest(app, view, config.digest_hour, config.zone)

    @property
    def position(self) -> int:
        return self.tracking.max_tracking_id(self.name) or 0

    # --- who is told --------------------------------------------------------------------
    def told(self, event: Any) -> Told | None:
        level = getattr(event, "level", "")
        if isinstance(event, (Concern.ConcernOpened, Concern.ConcernReopened)):
            reason = "opened" if isinstance(event, Concern.ConcernOpened) else "reopened"
            return Told(self._school_staff(event.school_id), reason, level, level == "high")
        if isinstance(event, Concern.ConcernLevelRaised):
            if event.cause == "deadline" or event.tier >= NEXT_UP:
                up = self._coordinators() or self._school_staff(event.school_id)
                return Told(up, "overdue", level, True)
            return Told(self._school_staff(event.school_id), "higher", level, level == "high")
        if isinstance(event, Concern.ConcernAssigned):
            return Told((event.assignee,), "assigned", self._level(event), True)
        return None

    def _people(self) -> list[dict[str, Any]]:
        with self.view.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(select(accounts))]

    def _school_staff(self, school_id: str) -> tuple[str, ...]:
        """The school's psychologists and supervisors, and whoever stands in for one of
        those supervisors now."""
        staff = school_staff(self._people(), school_id)
        deputies = {d["deputy"] for p in staff if p["role"] == "supervisor"
                    for _, d in self.app.repository.get(user_id_uuid(p["user_id"]))
                    .delegations_at(self.app.clock.now(), "supervisor")}
        return tuple(sorted({p["user_id"] for p in staff} | deputies))

    def _coordinators(self) -> tuple[str, ...]:
        return tuple(sorted(p["user_id"] for p in self._people()
                            if p["role"] == "supervisor" and "*" in json.loads(p["school_ids"])))

    def _level(self, event: Any) -> str:
        return str(self._known(event.originator_id).get("level") or
                   self.app.repository.get(event.originator_id).level)

    def _code(self, event: Any) -> str:
        """The child's code: from the event when it says it, else as the read models or,
        last, the concern itself have it (remembered: it never changes)."""
        key = str(event.originator_id)
        if key not in self._codes:
            self._codes[key] = getattr(event, "child_code", "") or \
                self._known(event.originator_id).get("child_code") or \
                self.app.repository.get(event.originator_id).child_code
        return self._codes[key]

    def _known(self, concern_id: Any) -> dict[str, Any]:
        k = concerns.c
        with self.view.engine.connect() as connection:
            found = connection.execute(select(k.child_code, k.level).where(
                k.concern_id == str(concern_id)).order_by(k.episode.desc()).limit(1)).first()
        return dict(found._mapping) if found is not None else {}

    # --- recording ----------------------------------------------------------------------
    def handle(self, notifications: Sequence[Notification]) -> None:
        """Record who is told of each change, with the new position, in one transaction;
        an event that cannot be read is parked with its reason and the rest go on."""
        rows: list[dict[str, Any]] = []
        parked: list[dict[str, Any]] = []
        for notification in notifications:
            try:
                rows += self._deliveries(notification)
            except Exception as error:
                if not isolatable(error):
                    raise
                parked.append(self.quarantine.row(notification, reason_of(error)))
                log.warning("%s: event %s parked: %s", self.name, notification.id,
                            parked[-1]["reason"])
        with self.tracking.datastore.transaction(commit=True) as session:
            if rows:
                session.execute(insert(deliveries), rows)
            self.quarantine.write(session, parked)
            self.tracking._insert_tracking(session, Tracking(self.name, notifications[-1].id))
        self.quarantine.committed(parked)

    def reapply(self, notification: Notification) -> None:
        """Tell of a parked event now (after a fix), and unpark it, in one transaction."""
        rows = self._deliveries(notification)
        with self.tracking.datastore.transaction(commit=True) as session:
            if rows:
                session.execute(insert(deliveries), rows)
            self.quarantine.remove(session, notification.id)

    def _deliveries(self, notification: Notification) -> list[dict[str, Any]]:
        event = self.app.mapper.to_domain_event(notification)
        told = self.told(event) if self.app.clock.now() - event.timestamp <= STALE else None
        if told is None:
            return []
        people = {p["user_id"]: p for p in self._people()}
        queued, rows = event.timestamp, []
        for user in told.users:
            person = people.get(user)
            if person is None or user == event.recorded_by:  # never the author
                continue
            email = bool(person["email"]) and (told.immediate or person["digest"])
            rows.append({
                "delivery_key": f"{notification.id}:{user}", "user_id": user,
                "channel": "email" if email else "app", "address": person["email"],
                "kind": "immediate" if told.immediate else "digest",
                "reason": told.reason, "concern_id": str(event.originator_id),
                "child_code": self._code(event),
                "school_id": event.school_id, "level": told.level,
                "author": event.recorded_by, "queued_at": queued,
                "due_at": queued if told.immediate else self.next_digest(queued),
                "sent_at": None, "attempts": 0, "next_try_at": None, "last_error": ""})
        return rows

    def next_digest(self, moment: datetime) -> datetime:
        """The next daily digest after `moment`, at the configured hour of its zone."""
        zone = ZoneInfo(self.config.zone)
        local = moment.astimezone(zone)
        digest = local.replace(hour=self.config.digest_hour, minute=0, second=0, microsecond=0)
        if digest <= local:
            digest += timedelta(days=1)
        return digest

    # --- sending ------------------------------------------------------------------------
    def caught_up(self) -> None:
        if self.mailer.configured:
            self.weekly.queue(self.app.clock.now())
        self.send_due()

    def send_due(self) -> int:
        """Send what is due (HIGH at once, each person's digest when its hour came);
        returns how many messages the server accepted."""
        if not self.mailer.configured:
            return 0
        now = self.app.clock.now()
        d = deliveries.c
        with self.view.engine.connect() as connection:
            due = [dict(r._mapping) for r in connection.execute(
                select(deliveries).where(d.sent_at.is_(None), d.channel == "email",
                                         d.due_at <= now)
                .order_by(d.due_at, d.delivery_key))]
        due = [r for r in due if r["next_try_at"] is None or r["next_try_at"] <= now]
        sent = 0
        for group in self._messages(due):
            sent += self._send(group, now)
        return sent

    @staticmethod
    def _messages(due: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
        digests: dict[str, list[dict[str, Any]]] = {}
        for row in due:
            if row["kind"] in ("immediate", "weekly"):
                yield [row]
            else:
                digests.setdefault(row["user_id"], []).append(row)
        yield from digests.values()

    def _send(self, rows: list[dict[str, Any]], now: datetime) -> int:
        person = self._person(rows[0]["user_id"])
        language = person.get("language") or "ru"
        if rows[0]["kind"] == "weekly":
            message = mail_text.weekly(*self.weekly.counts(rows[0]["user_id"]), language,
                                       self.config.base_url)
        else:
            message = mail_text.message(rows, language, self.config.base_url)
        message["From"] = self.config.sender
        message["To"] = rows[0]["address"]
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(idstring=rows[0]["delivery_key"].replace(":", "."),
                                           domain="kopir")
        keys = [r["delivery_key"] for r in rows]
        d = deliveries.c
        with self.view.engine.connect() as connection:  # `Fenced` once another took over
            confirm(connection)
        try:
            self.mailer.send(message)
        except (smtplib.SMTPException, OSError) as error:
            attempts = rows[0]["attempts"] + 1
            wait = min(2.0 ** attempts, MOST_WAIT)
            log.warning("%s: the SMTP server did not take a message (%s); trying again "
                        "in %.0f s", self.name, type(error).__name__, wait)
            with self.view.engine.begin() as connection:
                connection.execute(update(deliveries).where(d.delivery_key.in_(keys)).values(
                    attempts=attempts, next_try_at=now + timedelta(seconds=wait),
                    last_error=f"{type(error).__name__}: {error}"[:500]))
            return 0
        with self.view.engine.begin() as connection:
            connection.execute(update(deliveries).where(d.delivery_key.in_(keys))
                               .values(sent_at=now, attempts=d.attempts + 1))
        return 1

    def _person(self, user_id: str) -> dict[str, Any]:
        return next((p for p in self._people() if p["user_id"] == user_id), {})
