"""Reads for auditors: a child's raw event log, the access log, an integrity check of a
record, and an audit bundle. Each read of a child's record is itself logged."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain import access
from domain.access import Actor
from domain.errors import KopirError
from infrastructure.quarantine import parked_entries
from projections import chronology as chronology_rows
from projections.queries.staff import StaffQueries
from projections.tables import access_log, chronology


class AuditQueries(StaffQueries):
    def check_may_audit(self, actor: Actor) -> None:
        """Refuse a reader who is not an auditor before a page shows anything at all."""
        access.check_may_audit(actor)

    def events(self, actor: Actor, code: str, logged: bool = True) -> list[dict[str, Any]]:
        """The raw event log of a child: every stored event with who, role and when. A
        read of the record, logged (unless the page already logged this visit's read)."""
        result = self._events(actor, code)
        if logged:
            shown = {"occurred_at", "recorded_at", "recorded_by", "role"}
            self.app.record_access(actor, code, "events",
                                   sorted(shown | {k for r in result for k in r["fields"]}))
        return result

    def _events(self, actor: Actor, code: str) -> list[dict[str, Any]]:
        access.check_may_audit(actor)
        hidden = access.hidden_fields(actor)
        result = []
        for event in self.app.child_events(actor, code):
            values = {k: v for k, v in event.__dict__.items()
                      if k not in chronology_rows.BASE_KEYS or k in ("reason", "entry_id")}
            result.append({
                "version": event.originator_version, "type": type(event).__name__,
                "recorded_at": event.timestamp, "recorded_by": event.recorded_by,
                "role": event.role, "school_id": event.school_id,
                "occurred_at": event.occurred_at,
                "fields": access.redact(values, hidden)})
        return result

    def access_log(self, actor: Actor, code: str | None = None,
                   viewed_by: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Who viewed which child's record, which fields, when and why (auditors and the
        data-protection officer only)."""
        access.check_may_read_access_log(actor)
        a = access_log.c
        statement = select(access_log).order_by(a.viewed_at.desc()).limit(limit)
        if code:
            statement = statement.where(a.child_code == code)
        if viewed_by:
            statement = statement.where(a.viewed_by == viewed_by)
        rows = self._select(statement)
        for row in rows:
            row["fields"] = json.loads(row["fields"])
        return rows

    def integrity(self, actor: Actor, code: str, logged: bool = False) -> dict[str, Any]:
        """Check a child's stored record: every event reads back (with encryption on,
        AES-GCM refuses altered ciphertext), versions run 1..n without a gap, recording
        times never go backwards, and the read model equals a replay of the log. An
        auditor's press of the button is a read of its own (`logged=True`); the check
        inside an export is part of the export's read."""
        access.check_may_audit(actor)
        summary = self._summary(actor, code)  # an unknown child is an error, not a finding
        if logged:
            self.app.record_access(actor, code, "integrity", ["version", "recorded_at"])
        problems: list[str] = []
        try:
            events = self.app.child_events(actor, code)
        except KopirError as error:
            return {"ok": False, "events": 0, "problems": [f"the log cannot be read: {error}"]}
        except Exception:  # noqa: BLE001 - any failure to read is the finding
            return {"ok": False, "events": 0, "problems": [
                "the log cannot be read: a stored event does not decode (altered, or written "
                "under another key)"]}
        versions = [e.originator_version for e in events]
        if versions != list(range(1, len(events) + 1)):
            problems.append("event versions have a gap or are out of order")
        times = [e.timestamp for e in events]
        if times != sorted(times):
            problems.append("recording times go backwards")
        replayed = {r["entry_id"]: (r["status"], r["fields"], r["occurred_at"])
                    for r in chronology_rows.replay(events)}
        stored = {r["entry_id"]: (r["status"], r["fields"], r["occurred_at"])
                  for r in self._select(select(chronology).where(
                      chronology.c.child_id == summary["child_id"]))}
        if stored != replayed:
            differing = set(stored.items()) ^ set(replayed.items())
            problems.append(f"the read model differs from the log in "
                            f"{len({k for k, _ in differing})} entries")
        return {"ok": not problems, "events": len(events), "problems": problems,
                "first_recorded": times[0] if times else None,
                "last_recorded": times[-1] if times else None}

    def parked(self, actor: Actor, code: str | None = None) -> list[dict[str, Any]]:
        """Events the followers could not apply, parked with their reasons (a child's, or
        all): the record they belong to is incomplete until they are retried."""
        access.check_may_audit(actor)
        streams = None if code is None else [self._summary(actor, code)["child_id"]]
        engines = [self.view.engine]
        store = getattr(getattr(self.app.recorder, "datastore", None), "engine", None)
        if store is not None and str(store.url) != str(self.view.engine.url):
            engines.append(store)
        return sorted((row for engine in engines for row in parked_entries(engine, streams)),
                      key=lambda row: (row["notification_id"], row["follower"]))

    def chronology(self, actor: Actor, code: str, as_of: datetime | None = None,
                   purpose: str = "chronology", logged: bool = True) -> list[dict[str, Any]]:
        """As the staff's chronology, for the replay page: logged only when `logged`
        (the page's first read of this child at this moment in the visit)."""
        result = self._chronology(actor, code, as_of)
        if logged:
            self._log_read(actor, code, purpose if as_of is None else "replay", result, as_of)
        return result

    def diff(self, actor: Actor, code: str, earlier: datetime, later: datetime,
             logged: bool = True) -> dict[str, list[dict[str, Any]]]:
        """As the staff's diff, logged only when `logged` (see `chronology`)."""
        if logged:
            return super().diff(actor, code, earlier, later)
        before = self._chronology(actor, code, earlier)
        after = self._chronology(actor, code, later)
        return changes_between(before, after)

    def export(self, actor: Actor, code: str) -> dict[str, Any]:
        """An audit bundle of one child: summary, chronology, raw events, access entries
        and the integrity check. The export is itself logged as a read."""
        access.check_may_audit(actor)
        bundle = {"child": self._summary(actor, code),
                  "chronology": self._chronology(actor, code, None),
                  "events": self._events(actor, code),
                  "access_log": self.access_log(actor, code),
                  "integrity": self.integrity(actor, code),
                  "exported_at": self.app.clock.now(), "exported_by": actor.user_id}
        self._log_read(actor, code, "export", bundle["chronology"])
        return bundle


def changes_between(earlier: list[dict[str, Any]],
                    later: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Entries added between two replays, and entries whose content or status changed."""
    before = {r["entry_id"]: r for r in earlier}
    return {"added": [r for r in later if r["entry_id"] not in before],
            "changed": [{"before": before[r["entry_id"]], "after": r} for r in later
                        if r["entry_id"] in before and (
                            r["status"] != before[r["entry_id"]]["status"]
                            or r["fields"] != before[r["entry_id"]]["fields"])]}
