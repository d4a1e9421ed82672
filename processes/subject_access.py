"""A subject-access export: everything Köpir holds about one child, for the
data-protection officer, as plain data (JSON) that `ui.subject_file` also prints.

The record comes from the log itself, decrypted under the child's key: the chronology with
every amendment and retraction (the original text beside the corrected one), the support
plan, the concerns (the rules' signals and the decisions taken), and the access log of who
read the record. Every field is shown: nothing is hidden from the person the data is
about. Once the child's personal data was erased the export says so and lists what is
left (the kinds and dates of the events, their personal text empty). Making the export is
one read of the record, logged with the purpose "subject_access"."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain import access
from domain.access import Actor
from domain.application import SchoolIntegration
from domain.application.subject_access import SubjectStreams, plain
from domain.checks import CHILD_CODE
from domain.model import Child, child_id
from projections import chronology as chronology_rows
from projections.plan_view import plan_of
from projections.queries.common import Reader
from projections.tables import access_log, accounts, escalations, schools
from projections.views import ReadModelView

ENROLMENT = ("grade", "birth_year", "family_situation", "languages", "months_schooling_missed",
             "support_needs", "returned_from", "personal_name")


def subject_access(app: SchoolIntegration, view: ReadModelView, actor: Actor,
                   code: str) -> dict[str, Any]:
    """The export of the child `code` for `actor` (the data-protection officer; anyone else
    is refused before anything is read), logged as one read of the record."""
    access.check_may_export_subject(actor)  # before anything is read
    reader = Reader(app, view)
    streams = app.subject_streams(actor, code, known_signals(reader, code))
    export = build(streams, reader, actor, app.clock.now())
    app.record_subject_access(actor, code, shown(export))
    return export


def known_signals(reader: Reader, code: str) -> list[str]:
    """The signals the read models know about the child (the log finds the others)."""
    if not (isinstance(code, str) and CHILD_CODE.match(code)):
        return []
    e = escalations.c
    return [r["escalation_id"] for r in reader._select(
        select(e.escalation_id).where(e.child_id == str(child_id(code))))]


def build(streams: SubjectStreams, reader: Reader, actor: Actor,
          now: datetime) -> dict[str, Any]:
    child, events = streams.child, streams.events
    enrolled = next((e for e in events if isinstance(e, Child.ChildEnrolled)), None)
    erased = next((e for e in events if isinstance(e, Child.PersonalDataErased)), None)
    people = staff(reader)
    plan = plan_of(events)
    for measure in plan["measures"]:
        measure["responsible_name"] = people.get(measure["responsible"], measure["responsible"])
    plan["owner_name"] = people.get(plan["owner"], plan["owner"])
    school = reader._select(select(schools).where(schools.c.school_id == child.school_id))
    export: dict[str, Any] = {
        "exported_at": now, "exported_by": actor.user_id,
        "child": {"code": child.code, "child_id": str(child.id), "school_id": child.school_id,
                  "school": school[0]["name"] if school else child.school_id,
                  "status": "erased" if child.is_erased else
                  ("open" if child.is_open else "closed"),
                  "enrolled_at": enrolled.occurred_at if enrolled else None,
                  **({k: getattr(enrolled, k, None) for k in ENROLMENT} if enrolled else {})},
        "erased": None if erased is None else {
            "at": erased.timestamp, "by": erased.recorded_by, "legal_basis": erased.legal_basis,
            "events_left": len(events),
            "notice": "The child's personal content was erased (their key destroyed): the "
                      "events remain with their kinds and dates; their personal text is gone."},
        "record": [entry(row) for row in chronology_rows.replay(events)],
        "plan": plan,
        "concerns": {"decisions": [plain(e) for e in streams.concern],
                     "signals": [{"signal_id": signal_id, "events": [plain(e) for e in stream]}
                                 for signal_id, stream in streams.signals.items()]},
        "access_log": reads(reader, str(child.id)),
        "people": {},
    }
    named = {*(r["recorded_by"] for r in export["record"]), plan["owner"],
             *(m["responsible"] for m in plan["measures"]),
             *(getattr(e, k, None) for e in streams.concern for k in ("recorded_by", "assignee")),
             *(r["viewed_by"] for r in export["access_log"])}
    export["people"] = {user: name for user, name in people.items() if user in named}
    return export


def entry(row: dict[str, Any]) -> dict[str, Any]:
    """A chronology row with its fields as data (as first recorded too, once amended)."""
    out = {k: v for k, v in row.items() if k not in ("fields", "original_fields")}
    out["fields"] = json.loads(row["fields"])
    out["original_fields"] = None if row["original_fields"] is None \
        else json.loads(row["original_fields"])
    return out


def reads(reader: Reader, child_id: str) -> list[dict[str, Any]]:
    """Who read the child's record, when, why and which fields: oldest first."""
    a = access_log.c
    rows = reader._select(select(a.viewed_at, a.viewed_by, a.role, a.purpose, a.fields, a.as_of)
                          .where(a.child_id == child_id).order_by(a.viewed_at, a.access_id))
    for row in rows:
        row["fields"] = json.loads(row["fields"])
    return rows


def staff(reader: Reader) -> dict[str, str]:
    a = accounts.c
    return {r["user_id"]: r["display_name"] for r in reader._select(
        select(a.user_id, a.display_name))}


def shown(export: dict[str, Any]) -> list[str]:
    """What the export held, for the access log: its parts and the fields of the record."""
    names = {"record", "plan", "concerns", "access_log",
             *(k for k, v in export["child"].items() if v not in (None, ""))}
    for row in export["record"]:
        names.update(row["fields"])
        if row.get("confidential_notes"):
            names.add("confidential_notes")
    return sorted(names)


def to_json(export: dict[str, Any]) -> str:
    return json.dumps(export, ensure_ascii=False, indent=2, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)
