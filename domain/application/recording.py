"""What staff record about a child: enrolment, moves, incidents, sessions, concerns, and
the corrections of earlier entries. Each command checks who is acting, validates the
form, gets the child, calls the method named after what staff do, and saves."""

from __future__ import annotations

from datetime import date
from typing import Any, Sequence
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError

from domain import access, checks, child_codes
from domain import concern as concern_model
from domain.access import Actor
from domain.aggregate import Stamp
from domain.application.base import Base, command
from domain.checks import TEXT, plain
from domain.commands import (
    Concern,
    ConflictReport,
    Correction,
    CounsellingSession,
    Enrolment,
    Participant,
    PeerIncidentReport,
    Wellbeing,
)
from domain.errors import (
    ChildAlreadyEnrolled,
    FieldProblem,
    InvalidEntry,
    Problems,
    UnknownChild,
)
from domain.model import Child, Escalation
from domain.plan_forms import AMENDABLE
from domain.vocabulary import ACK_DEADLINES


class Recording(Base):
    # --- enrolment and moves ------------------------------------------------------------
    @command
    def enrol_child(self, actor: Actor, form: Enrolment) -> UUID:
        access.check_may_record(actor, "enrolment", form.school_id)
        form.validate(self._now())
        if self.is_enrolled(form.child_code):
            raise ChildAlreadyEnrolled(child=form.child_code)
        fields = form.as_event_fields()
        child = Child.enrol(
            form.child_code, grade=fields["grade"], birth_year=fields["birth_year"],
            family_situation=fields["family_situation"], languages=fields["languages"],
            months_schooling_missed=fields["months_schooling_missed"],
            support_needs=fields["support_needs"], returned_from=fields["returned_from"],
            personal_name=fields["personal_name"],
            stamp=self._stamp(actor, form.school_id, form.occurred_at))
        self._save(child, conflict=ChildAlreadyEnrolled(child=form.child_code))
        return child.id

    def propose_child_code(self) -> str:
        """A code in the real format (KZ-XXXXX) that no child in the store has yet, for
        staff to accept when enrolling."""
        return child_codes.new_code(self.is_enrolled)

    @command
    def close_enrolment(self, actor: Actor, code: str, reason: str,
                        expected_version: int | None = None) -> None:
        child = self._child_for(actor, "closure", code)
        self._check_version(child, expected_version)
        problems = Problems()
        checks.text(problems, "reason", reason, required=True, limit=TEXT)
        problems.raise_if_any()
        child.close(reason, self._stamp(actor, child.school_id))
        self._save(child)

    # --- entries ------------------------------------------------------------------------
    def _involved(self, actor: Actor, what: str,
                  participants: Sequence[Participant]) -> list[Child]:
        others = []
        for part in participants:
            other = self._child_for(actor, what, part.child_code)
            other.check_open()
            others.append(other)
        return others

    def _record_incident(self, actor: Actor, what: str, code: str,
                         form: ConflictReport | PeerIncidentReport,
                         event_class: type[Child.Entry],
                         expected_version: int | None, entry_id: str | None) -> str:
        subject = self._child_for(actor, what, code)
        if entry_id is not None and self._already_recorded(subject, entry_id):
            return entry_id
        self._check_version(subject, expected_version)
        form.problems(self._now(), subject=code).raise_if_any()
        others = self._involved(actor, what, form.participants)
        incident_id = str(self.new_id())
        content = form.as_event_fields()
        occurred_at = content.pop("occurred_at")
        everyone = [(subject, plain(form.child_role))]
        everyone += [(o, plain(p.role)) for o, p in zip(others, form.participants, strict=True)]
        roles = {c.code: r for c, r in everyone}
        first = entry_id or str(self.new_id())
        for child, role in everyone:
            child_entry = first if child is subject else str(uuid5(UUID(first), child.code))
            child.record_entry(event_class, child_entry, {
                **content, "incident_id": incident_id, "child_role": role,
                "participants": [{"child_code": c, "role": r}
                                 for c, r in roles.items() if c != child.code],
            }, self._stamp(actor, child.school_id, occurred_at))
        self._save_entry(subject, entry_id, self._stamp(actor, subject.school_id), *others)
        return first

    @command
    def record_conflict(self, actor: Actor, code: str, form: ConflictReport,
                        expected_version: int | None = None,
                        entry_id: str | None = None) -> str:
        """Record a conflict; returns the entry id in the subject child's record."""
        return self._record_incident(actor, "conflict", code, form, Child.ConflictRecorded,
                                     expected_version, entry_id)

    @command
    def record_peer_incident(self, actor: Actor, code: str, form: PeerIncidentReport,
                             expected_version: int | None = None,
                             entry_id: str | None = None) -> str:
        return self._record_incident(actor, "peer_incident", code, form,
                                     Child.PeerIncidentRecorded, expected_version, entry_id)

    @command
    def record_counselling_session(self, actor: Actor, code: str, form: CounsellingSession,
                                   expected_version: int | None = None,
                                   entry_id: str | None = None) -> str:
        return self._record_one(actor, "counselling", code, form,
                                Child.CounsellingSessionRecorded, expected_version, entry_id)

    @command
    def raise_concern(self, actor: Actor, code: str, form: Concern,
                      expected_version: int | None = None,
                      entry_id: str | None = None) -> UUID:
        """A psychologist raises a concern by hand: it goes straight to the escalation queue."""
        child = self._child_for(actor, "concern", code)
        if entry_id is not None and self._already_recorded(child, entry_id):
            return uuid5(UUID(entry_id), "escalation")
        self._check_version(child, expected_version)
        form.validate(self._now())
        content = form.as_event_fields()
        submitted, entry_id = entry_id, entry_id or str(self.new_id())
        escalation_id = uuid5(UUID(entry_id), "escalation")
        stamp = self._stamp(actor, child.school_id, content.pop("occurred_at"))
        child.record_entry(Child.ConcernRaised, entry_id,
                           {**content, "escalation_id": str(escalation_id)}, stamp)
        escalation = Escalation.raise_(
            escalation_id, child_id=str(child.id), child_code=child.code,
            level=content["level"], rule_id="manual", rule_version=1,
            reason=content["reason"], triggering_entries=[entry_id],
            acknowledge_by=self._now() + ACK_DEADLINES[content["level"]],
            due_at=self._now(), detection_delay_seconds=0, stamp=stamp)
        self._save_entry(child, submitted, stamp, escalation,
                         self._concern_with(child, escalation, stamp, [entry_id]))
        return escalation_id

    def _concern_with(self, child: Child, signal: Escalation, stamp: Stamp,
                      entries: Sequence[str]) -> Any:
        """The child's concern with a signal raised by hand attached (opened if none is)."""
        try:
            concern = self._get(concern_model.concern_id(str(child.id)))
        except AggregateNotFoundError:
            concern = concern_model.Concern.start(str(child.id), child.code, stamp)
        concern.signal(str(signal.id), signal.level, "manual", list(entries),
                       signal.acknowledge_by or stamp.occurred_at, stamp)
        return concern

    # --- corrections ----------------------------------------------------------------------
    def _correcting(self, actor: Actor, code: str, correction: Correction,
                    expected_version: int | None) -> tuple[Child, str, dict[str, Any]]:
        """The child whose entry is corrected, the kind of that entry and its content as
        it stands, once the actor may correct it (teachers: only their own entries)."""
        child = self._child_for(actor, "correction", code)
        self._check_version(child, expected_version)
        correction.validate(self._now())
        kind = child.check_correctable(correction.entry_id)
        original = self.entry_fields(child, correction.entry_id)
        access.check_may_correct(actor, child.school_id, original.get("recorded_by", ""))
        return child, kind, original

    @command
    def amend_entry(self, actor: Actor, code: str, correction: Correction,
                    expected_version: int | None = None, entry_id: str | None = None) -> str:
        if entry_id is not None and self._already_recorded(
                self._child_for(actor, "correction", code), entry_id):
            return entry_id
        child, kind, original = self._correcting(actor, code, correction, expected_version)
        self._check_changes(kind, original, correction.changes)
        changes = {k: plain(v) for k, v in correction.changes.items()}
        submitted, entry_id = entry_id, entry_id or str(self.new_id())
        stamp = self._stamp(actor, child.school_id)
        child.amend(entry_id, correction.entry_id, changes, correction.reason, stamp)
        shared = {k: v for k, v in changes.items() if k != "child_role"}  # a role is one's own
        copies = self._copies(original) if shared else []
        for other, copy in copies:
            other.amend(str(uuid5(UUID(entry_id), other.code)), copy, shared,
                        correction.reason, self._stamp(actor, other.school_id))
        self._save_entry(child, submitted, stamp, *(other for other, _ in copies))
        return entry_id

    def _copies(self, original: dict[str, Any]) -> list[tuple[Child, str]]:
        """The other participants' copies of a shared incident's entry: (their record, the
        entry there). One incident, one truth: a correction reaches each of them. Records
        closed or erased since are left as they are (nothing more is written to them)."""
        incident = original.get("incident_id")
        if not incident:
            return []
        copies = []
        for part in original.get("participants") or []:
            code = part.get("child_code") if isinstance(part, dict) else None
            if not code:
                continue  # a participant since erased
            try:
                other = self.child(code)
            except UnknownChild:
                continue
            if other.is_erased or not other.is_open:
                continue
            entry = next((e.entry_id for e in self.events.get(other.id)
                          if getattr(e, "incident_id", None) == incident), None)
            if entry is not None and entry not in other.retracted:
                copies.append((other, entry))
        return copies

    def entry_fields(self, child: Child, entry_id: str) -> dict[str, Any]:
        """An entry's content as it stands now (amendments applied), read from the log."""
        fields: dict[str, Any] = {}
        pending = [e for e in self._pending or [] if e.originator_id == child.id]
        for event in [*self.events.get(child.id), *pending]:
            if getattr(event, "entry_id", None) == entry_id:
                fields = dict(event.__dict__)
            elif isinstance(event, Child.EntryAmended) and event.amends == entry_id:
                fields.update(event.changes)
        return fields

    def _check_changes(self, kind: str, original: dict[str, Any],
                       changes: dict[str, Any]) -> None:
        payload_class, allowed = AMENDABLE[kind]
        problems = [FieldProblem(k, "amendment.not_amendable")
                    for k in changes if k not in allowed]
        if not changes:
            problems.append(FieldProblem("changes", "amendment.empty"))
        if problems:
            raise InvalidEntry(problems)
        merged = {k: v for k, v in original.items()
                  if k in payload_class.__dataclass_fields__}
        merged.update(changes)
        if isinstance(merged.get("wellbeing"), dict):
            merged["wellbeing"] = Wellbeing(**merged["wellbeing"])
        if "follow_up_on" in merged and isinstance(merged["follow_up_on"], str):
            try:  # as stored: ISO text; anything else is left for the checks to name
                merged["follow_up_on"] = date.fromisoformat(merged["follow_up_on"])
            except ValueError:
                pass
        merged.pop("participants", None)
        payload_class(**merged).validate(self._now())

    @command
    def retract_entry(self, actor: Actor, code: str, correction: Correction,
                      expected_version: int | None = None, entry_id: str | None = None) -> str:
        if entry_id is not None and self._already_recorded(
                self._child_for(actor, "correction", code), entry_id):
            return entry_id
        child, _, original = self._correcting(actor, code, correction, expected_version)
        submitted, entry_id = entry_id, entry_id or str(self.new_id())
        stamp = self._stamp(actor, child.school_id)
        child.retract(entry_id, correction.entry_id, correction.reason, stamp)
        copies = self._copies(original)
        for other, copy in copies:
            other.retract(str(uuid5(UUID(entry_id), other.code)), copy, correction.reason,
                          self._stamp(actor, other.school_id))
        self._save_entry(child, submitted, stamp, *(other for other, _ in copies))
        return entry_id
