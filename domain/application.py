"""SchoolIntegration: one method per thing staff do, the acting user first.

Each command checks who is acting (domain.access), validates the form's payload
(domain.events), gets the aggregates, calls the method named after what staff
do, and saves. Inside `batch()` many commands share one transaction (demo data,
imports); otherwise every command is its own transaction.
"""

from __future__ import annotations

import base64
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Callable, Iterator, Sequence
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from domain import access, clock
from domain.access import Actor, Role
from domain.errors import (
    ChildAlreadyEnrolled,
    FieldProblem,
    InvalidEntry,
    RecordChanged,
    UnknownChild,
    UnknownEscalation,
    MissingMasterKey,
    UnknownUser,
)
from domain.events import (
    AMENDABLE,
    ConflictReport,
    Concern,
    CounsellingSession,
    Correction,
    Enrolment,
    Participant,
    PeerIncidentReport,
    Resolution,
    Wellbeing,
    _Problems,
    plain,
)
from domain.model import (
    ACK_DEADLINES,
    AccessEntry,
    Child,
    LedgerCheckpoint,
    Escalation,
    KopirAggregate,
    School,
    StaffAccount,
    child_id,
    school_uuid,
    user_id_uuid,
)
from domain.passwords import hash_password, verify_password
from kopir.crypto import Keyring, KopirMapper


class SetAsList(Transcoding):
    """Sets as sorted lists, so a snapshot of an aggregate can be stored."""

    type = set
    name = "set"

    def encode(self, obj: set[Any]) -> list[Any]:
        return sorted(obj, key=str)

    def decode(self, data: list[Any]) -> set[Any]:
        return set(data)


class SchoolIntegration(Application[UUID]):
    """The application every user action goes through."""

    name = "SchoolIntegration"
    # Commands load a child, check, and save: keep recent aggregates in memory and
    # fast-forward them from the store (other writers' events included) instead of
    # replaying whole streams on every command.
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000", "AGGREGATE_CACHE_FASTFORWARD": "y"}

    def __init__(self, env: dict[str, str] | None = None, *, clock_: clock.Clock | None = None,
                 ids: Callable[[], UUID] = uuid4):
        super().__init__(env)
        master = self.env.get("KOPIR_MASTER_KEY")
        if master:
            self.mapper.keyring = Keyring(self.recorder.datastore.engine,  # type: ignore[attr-defined]
                                          base64.b64decode(master))
        elif self.env.get("KOPIR_PRODUCTION", "").lower() in ("1", "true", "yes"):
            raise MissingMasterKey("Köpir refuses to start in production without a master key: "
                                   "set KOPIR_CIPHER_KEY or KOPIR_CIPHER_KEY_FILE.")
        self.clock: clock.Clock = clock_ or clock.SYSTEM_CLOCK
        self.new_id = ids
        self._pending: list[DomainEventProtocol[UUID]] | None = None
        self._pending_aggregates: dict[UUID, KopirAggregate] = {}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(SetAsList())  # aggregate state (a snapshot) holds sets

    def construct_mapper(self) -> KopirMapper:
        return KopirMapper(transcoder=self.construct_transcoder())

    # --- infrastructure ----------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[None]:
        """Record every command inside the block in one transaction, in order."""
        if self._pending is not None:
            yield
            return
        self._pending, self._pending_aggregates = [], {}
        try:
            yield
            if self._pending:
                self._put(self._pending, aggregates=list(self._pending_aggregates.values()))
        finally:
            self._pending, self._pending_aggregates = None, {}

    def _save(self, *aggregates: KopirAggregate, conflict: Exception | None = None) -> None:
        events = [e for agg in aggregates for e in agg.collect_events()]
        if self._pending is not None:
            self._pending.extend(events)
            self._pending_aggregates.update({agg.id: agg for agg in aggregates})
            return
        self._put(events, conflict, aggregates=aggregates)

    def _put(self, events: Sequence[DomainEventProtocol[UUID]],
             conflict: Exception | None = None,
             aggregates: Sequence[KopirAggregate] = ()) -> None:
        # The aggregates (their events already collected) go along so that the library
        # caches them when it does not fast-forward, and snapshots them at its intervals.
        try:
            self.save(*events, *aggregates)
        except IntegrityError as e:
            raise (conflict or RecordChanged()) from e

    def _get(self, aggregate_id: UUID) -> Any:
        pending = self._pending_aggregates.get(aggregate_id)
        if pending is not None:
            return pending
        return self.repository.get(aggregate_id)

    def _now(self) -> datetime:
        return self.clock.now()

    def _meta(self, actor: Actor, school_id: str, occurred_at: datetime | None) -> dict[str, Any]:
        return {
            "recorded_by": actor.user_id,
            "role": actor.role.value,
            "school_id": school_id,
            "occurred_at": occurred_at or self._now(),
        }

    def child(self, code: str) -> Child:
        try:
            return self._get(child_id(code))
        except AggregateNotFoundError:
            raise UnknownChild(f"No child with code {code} is enrolled in Köpir.") from None

    def is_enrolled(self, code: str) -> bool:
        try:
            self.child(code)
        except UnknownChild:
            return False
        return True

    def _child_for(self, actor: Actor, what: str, code: str,
                   expected_version: int | None) -> Child:
        child = self.child(code)
        access.check_may_record(actor, what, child.school_id)
        if expected_version is not None and child.version != expected_version:
            raise RecordChanged(f"the record of {code}")
        return child

    # --- staff: enrolment ----------------------------------------------------
    def enrol_child(self, actor: Actor, form: Enrolment) -> UUID:
        with clock.using(self.clock):
            access.check_may_record(actor, "enrolment", form.school_id)
            form.validate(self._now())
            if self.is_enrolled(form.child_code):
                raise ChildAlreadyEnrolled(f"{form.child_code} is already enrolled.")
            fields = form.as_event_fields()
            fields["code"] = fields.pop("child_code")
            meta = self._meta(actor, fields.pop("school_id"), fields.pop("occurred_at"))
            child = Child.enrol(**fields, **meta)
            self._save(child, conflict=ChildAlreadyEnrolled(f"{form.child_code} is already enrolled."))
            return child.id

    def transfer_child(self, actor: Actor, code: str, to_school_id: str, reason: str,
                       expected_version: int | None = None) -> None:
        with clock.using(self.clock):
            child = self._child_for(actor, "transfer", code, expected_version)
            problems = _Problems()
            if not to_school_id or to_school_id == child.school_id:
                problems.add("to_school_id", "choose the school the child moves to.")
            if not reason.strip():
                problems.add("reason", "please give the reason for the transfer.")
            problems.raise_if_any()
            child.transfer(to_school_id=to_school_id, reason=reason,
                           **self._meta(actor, child.school_id, None))
            self._save(child)

    def close_enrolment(self, actor: Actor, code: str, reason: str,
                        expected_version: int | None = None) -> None:
        with clock.using(self.clock):
            child = self._child_for(actor, "closure", code, expected_version)
            if not reason.strip():
                raise InvalidEntry([FieldProblem("reason", "please give the reason for closing.")])
            child.close(reason=reason, **self._meta(actor, child.school_id, None))
            self._save(child)

    # --- staff: entries ------------------------------------------------------
    def _involved(self, actor: Actor, what: str, subject: Child,
                  participants: Sequence[Participant]) -> list[Child]:
        others = []
        for part in participants:
            other = self.child(part.child_code)
            access.check_may_record(actor, what, other.school_id)
            other.check_open()
            others.append(other)
        return others

    def _record_incident(self, actor: Actor, what: str, code: str,
                         form: ConflictReport | PeerIncidentReport,
                         event_class: type[KopirAggregate.Event],
                         expected_version: int | None, entry_id: str | None) -> str:
        with clock.using(self.clock):
            if self._already_recorded(code, entry_id):
                return entry_id  # type: ignore[return-value]
            subject = self._child_for(actor, what, code, expected_version)
            form.problems(self._now(), subject=code).raise_if_any()
            others = self._involved(actor, what, subject, form.participants)
            incident_id = str(self.new_id())
            fields = form.as_event_fields()
            occurred_at = fields.pop("occurred_at")
            everyone = [(subject, form.child_role.value if hasattr(form.child_role, "value")
                         else form.child_role)]
            everyone += [(o, p.role.value if hasattr(p.role, "value") else p.role)
                         for o, p in zip(others, form.participants, strict=False)]
            codes = {c.code: r for c, r in everyone}
            entry_ids = []
            first = entry_id or str(self.new_id())
            for child, role in everyone:
                entry_id = first if child is subject else str(uuid5(UUID(first), child.code))
                entry_ids.append(entry_id)
                fields_for_child = {
                    **fields,
                    "child_role": role,
                    "participants": [{"child_code": c, "role": r}
                                     for c, r in codes.items() if c != child.code],
                }
                child.record(event_class, entry_id=entry_id, incident_id=incident_id,
                             **fields_for_child,
                             **self._meta(actor, child.school_id, occurred_at))
            self._save(subject, *others)
            return entry_ids[0]

    def _already_recorded(self, code: str, entry_id: str | None) -> bool:
        """True when an entry with this id is already in the child's record: a form sent
        twice (a double click, a retried request) records once."""
        if entry_id is None:
            return False
        child = self.child(code)
        return entry_id in child.entries or entry_id in child.corrections

    def record_conflict(self, actor: Actor, code: str, form: ConflictReport,
                        expected_version: int | None = None,
                        entry_id: str | None = None) -> str:
        """Record a conflict; returns the entry id in the subject child's record."""
        return self._record_incident(actor, "conflict", code, form, Child.ConflictRecorded,
                                     expected_version, entry_id)

    def record_peer_incident(self, actor: Actor, code: str, form: PeerIncidentReport,
                             expected_version: int | None = None,
                             entry_id: str | None = None) -> str:
        return self._record_incident(actor, "peer_incident", code, form,
                                     Child.PeerIncidentRecorded, expected_version, entry_id)

    def record_counselling_session(self, actor: Actor, code: str, form: CounsellingSession,
                                   expected_version: int | None = None,
                                   entry_id: str | None = None) -> str:
        with clock.using(self.clock):
            if self._already_recorded(code, entry_id):
                return entry_id  # type: ignore[return-value]
            child = self._child_for(actor, "counselling", code, expected_version)
            form.validate(self._now())
            fields = form.as_event_fields()
            entry_id = entry_id or str(self.new_id())
            child.record(Child.CounsellingSessionRecorded, entry_id=entry_id,
                         **self._meta(actor, child.school_id, fields.pop("occurred_at")),
                         **fields)
            self._save(child)
            return entry_id

    def raise_concern(self, actor: Actor, code: str, form: Concern,
                      expected_version: int | None = None,
                      entry_id: str | None = None) -> UUID:
        """A psychologist raises a concern by hand: it goes straight to the escalation queue."""
        with clock.using(self.clock):
            if entry_id is not None and self._already_recorded(code, entry_id):
                return uuid5(UUID(entry_id), "escalation")
            child = self._child_for(actor, "concern", code, expected_version)
            form.validate(self._now())
            fields = form.as_event_fields()
            entry_id = entry_id or str(self.new_id())
            escalation_id = uuid5(UUID(entry_id), "escalation")
            meta = self._meta(actor, child.school_id, fields.pop("occurred_at"))
            child.record(Child.ConcernRaised, entry_id=entry_id,
                         escalation_id=str(escalation_id), **fields, **meta)
            escalation = Escalation.raise_(
                escalation_id, child_id=str(child.id), child_code=child.code,
                level=fields["level"], rule_id="manual", rule_version=1,
                reason=fields["reason"], triggering_entries=[entry_id],
                acknowledge_by=self._now() + ACK_DEADLINES[fields["level"]],
                due_at=self._now(), detection_delay_seconds=0, **meta,
            )
            self._save(child, escalation)
            return escalation_id

    # --- staff: corrections --------------------------------------------------
    def amend_entry(self, actor: Actor, code: str, correction: Correction,
                    expected_version: int | None = None, entry_id: str | None = None) -> str:
        with clock.using(self.clock):
            if self._already_recorded(code, entry_id):
                return entry_id  # type: ignore[return-value]
            child = self._child_for(actor, "correction", code, expected_version)
            correction.validate(self._now())
            kind = child.check_correctable(correction.entry_id)
            self._check_changes(kind, self.entry_fields(child, correction.entry_id),
                                correction.changes)
            changes = {k: plain(v) for k, v in correction.changes.items()}
            entry_id = entry_id or str(self.new_id())
            child.amend(entry_id=entry_id, amends=correction.entry_id, changes=changes,
                        reason=correction.reason, **self._meta(actor, child.school_id, None))
            self._save(child)
            return entry_id

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

    def _check_changes(self, kind: str, original: dict[str, Any], changes: dict[str, Any]) -> None:
        payload_class, allowed = AMENDABLE[kind]
        problems = [FieldProblem(k, "this field cannot be amended.")
                    for k in changes if k not in allowed]
        if not changes:
            problems.append(FieldProblem("changes", "an amendment must change something."))
        if problems:
            raise InvalidEntry(problems)
        merged = {k: v for k, v in original.items()
                  if k in payload_class.__dataclass_fields__}
        merged.update(changes)
        if isinstance(merged.get("wellbeing"), dict):
            merged["wellbeing"] = Wellbeing(**merged["wellbeing"])
        if "follow_up_on" in merged and isinstance(merged["follow_up_on"], str):
            merged["follow_up_on"] = datetime.fromisoformat(merged["follow_up_on"]).date()
        merged.pop("participants", None)
        payload_class(**merged).validate(self._now())

    def retract_entry(self, actor: Actor, code: str, correction: Correction,
                      expected_version: int | None = None, entry_id: str | None = None) -> str:
        with clock.using(self.clock):
            if self._already_recorded(code, entry_id):
                return entry_id  # type: ignore[return-value]
            child = self._child_for(actor, "correction", code, expected_version)
            correction.validate(self._now())
            child.check_correctable(correction.entry_id)
            entry_id = entry_id or str(self.new_id())
            child.retract(entry_id=entry_id, retracts=correction.entry_id,
                          reason=correction.reason, **self._meta(actor, child.school_id, None))
            self._save(child)
            return entry_id

    # --- supervisors: escalations --------------------------------------------
    def _escalation_for(self, actor: Actor, escalation_id: UUID) -> Escalation:
        try:
            escalation: Escalation = self._get(escalation_id)
        except AggregateNotFoundError:
            raise UnknownEscalation(f"No escalation {escalation_id}.") from None
        school_id = escalation.school_id
        access.check_may_handle_escalations(actor, school_id)
        return escalation

    def acknowledge_escalation(self, actor: Actor, escalation_id: UUID, note: str = "") -> None:
        """Acknowledge with a rationale: what will happen next, or why nothing will."""
        with clock.using(self.clock):
            escalation = self._escalation_for(actor, escalation_id)
            _require_rationale(note)
            escalation.acknowledge(note=note, **self._meta(actor, escalation.school_id, None))
            self._save(escalation)

    def assign_escalation(self, actor: Actor, escalation_id: UUID, assignee: str,
                          note: str = "") -> None:
        with clock.using(self.clock):
            escalation = self._escalation_for(actor, escalation_id)
            if not assignee.strip():
                raise InvalidEntry([FieldProblem("assignee", "choose who takes this on.")])
            _require_rationale(note)
            escalation.assign(assignee=assignee, note=note,
                              **self._meta(actor, escalation.school_id, None))
            self._save(escalation)

    def resolve_escalation(self, actor: Actor, escalation_id: UUID, form: Resolution) -> None:
        with clock.using(self.clock):
            escalation = self._escalation_for(actor, escalation_id)
            form.validate(self._now())
            escalation.resolve(**form.as_event_fields(),
                               **self._meta(actor, escalation.school_id, None))
            self._save(escalation)

    # --- administrators --------------------------------------------------------
    def register_school(self, actor: Actor, school_id: str, name: str, region: str) -> None:
        with clock.using(self.clock):
            access.check_may_administer(actor)
            problems = _Problems()
            if not school_id.strip():
                problems.add("school_id", "a school needs an id.")
            if not name.strip():
                problems.add("name", "a school needs a name.")
            problems.raise_if_any()
            school = School._create(School.SchoolRegistered, id=school_uuid(school_id),
                                    name=name, region=region,
                                    **self._meta(actor, school_id, None))
            self._save(school, conflict=InvalidEntry(
                [FieldProblem("school_id", f"school {school_id} already exists.")]))

    def register_account(self, actor: Actor, user_id: str, display_name: str, role: Role,
                         school_ids: Sequence[str], password: str) -> None:
        with clock.using(self.clock):
            access.check_may_administer(actor)
            problems = _Problems()
            if not user_id.strip():
                problems.add("user_id", "a user needs a login name.")
            if len(password) < 8:
                problems.add("password", "a password needs at least 8 characters.")
            problems.raise_if_any()
            account = StaffAccount._create(
                StaffAccount.AccountRegistered, id=user_id_uuid(user_id), user_id=user_id,
                display_name=display_name, user_role=Role(role).value,
                school_ids=list(school_ids), password_hash=hash_password(password),
                **self._meta(actor, "*", None),
            )
            self._save(account, conflict=InvalidEntry(
                [FieldProblem("user_id", f"user {user_id} already exists.")]))

    def log_in(self, user_id: str, password: str) -> Actor:
        """The actor for a user id and password; UnknownUser when either is wrong."""
        try:
            account: StaffAccount = self.repository.get(user_id_uuid(user_id))
        except AggregateNotFoundError:
            raise UnknownUser("Unknown user name or wrong password.") from None
        if not account.is_active or not verify_password(password, account.password_hash):
            raise UnknownUser("Unknown user name or wrong password.")
        return self.actor(account)

    def actor_for(self, user_id: str) -> Actor:
        try:
            return self.actor(self.repository.get(user_id_uuid(user_id)))
        except AggregateNotFoundError:
            raise UnknownUser(f"Unknown user {user_id}.") from None

    @staticmethod
    def actor(account: StaffAccount) -> Actor:
        return Actor(user_id=account.user_id, role=Role(account.user_role),
                     school_ids=frozenset(account.school_ids),
                     display_name=account.display_name)

    # --- administrators: erasure ----------------------------------------------------
    def erase_personal_data(self, actor: Actor, code: str, legal_basis: str) -> int:
        """Crypto-shredding: record PersonalDataErased, then destroy the child's data keys
        (and those of their escalations). Returns how many keys were destroyed."""
        with clock.using(self.clock):
            access.check_may_administer(actor)
            if not isinstance(self.mapper, KopirMapper) or not self.mapper.encrypts:
                raise MissingMasterKey("Erasure destroys a child's key: it needs encryption "
                                       "(KOPIR_CIPHER_KEY).")
            if not legal_basis.strip():
                raise InvalidEntry([FieldProblem("legal_basis",
                                                 "say on what lawful request the data is erased.")])
            child = self.child(code)
            child.erase(legal_basis=legal_basis, **self._meta(actor, child.school_id, None))
            self._save(child)
            return self.mapper.keyring.destroy(str(child.id))  # type: ignore[union-attr]

    # --- tamper evidence ---------------------------------------------------------
    def record_checkpoint(self, position: int, count: int, head: str, public_key: str,
                          signature: str) -> UUID:
        """Store a signed checkpoint of the hash chain (kopir/ledger.py) as an event."""
        with clock.using(self.clock):
            checkpoint = LedgerCheckpoint._create(
                LedgerCheckpoint.Checkpointed, id=self.new_id(), position=position,
                count=count, head=head, public_key=public_key, signature=signature,
                **self._meta(SYSTEM, "*", None))
            self._save(checkpoint)
            return checkpoint.id

    # --- reading the log -------------------------------------------------------
    def record_access(self, actor: Actor, code: str, purpose: str, fields: Sequence[str],
                      as_of: datetime | None = None) -> UUID:
        """Log one read of a child's record (who, which child, which fields, why)."""
        with clock.using(self.clock):
            child = self.child(code)
            entry = AccessEntry._create(
                AccessEntry.RecordViewed, id=self.new_id(), child_id=str(child.id),
                child_code=code, purpose=purpose, fields=sorted(set(fields)),
                as_of=as_of.isoformat() if as_of else "",
                **self._meta(actor, child.school_id, None))
            self._save(entry)
            return entry.id

    def child_events(self, actor: Actor, code: str,
                     as_of: datetime | None = None) -> list[KopirAggregate.Event]:
        """A child's events as recorded by `as_of` (store time), after an access check."""
        child = self.child(code)
        access.check_may_read_child(actor, child.school_id)
        events = list(self.events.get(child.id))
        if as_of is not None:
            events = [e for e in events if e.timestamp <= as_of]
        return events  # type: ignore[return-value]


def _require_rationale(note: str) -> None:
    """Raised (InvalidEntry) when an escalation decision comes without its reasons."""
    if not note.strip():
        raise InvalidEntry([FieldProblem(
            "note", "please write your reasons; a decision not to act is recorded too.")])


SYSTEM = Actor(user_id="system", role=Role.ADMIN, school_ids=frozenset({"*"}),
               display_name="Köpir set-up")
