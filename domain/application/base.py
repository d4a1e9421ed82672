"""What every command of the application stands on: the transaction (one per command,
or one for a batch), the clock, the stamp every event carries, and loading aggregates.

The application gets its recorders and its mapper (encryption included) from the
persistence module its environment names; it asks of them only what eventsourcing's
interfaces, and the `Shredding` port of erasure, say.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any, Callable, Iterator, Sequence, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    JSONTranscoder,
    MapperDeserialisationError,
    Transcoding,
)

from domain import access, checks, clock
from domain.access import Actor, Role, Standing
from domain.errors import Problems, RecordChanged, SubmissionReused, UnknownChild
from domain.model import (
    Child,
    KopirAggregate,
    StaffAccount,
    Stamp,
    child_id,
    school_uuid,
    user_id_uuid,
)
from domain.submission import Submission, submission_uuid

Command = TypeVar("Command", bound=Callable[..., Any])


def command(method: Command) -> Command:
    """A command runs on its application's clock: the store's timestamp of every event it
    records comes from that clock (history recorded "as it happened", tests that move
    time), and so do its checks of "now"."""
    @functools.wraps(method)
    def on_the_applications_clock(self: "Base", *args: Any, **kwargs: Any) -> Any:
        with clock.using(self.clock):
            return method(self, *args, **kwargs)
    return cast(Command, on_the_applications_clock)


class SetAsList(Transcoding):
    """Sets as sorted lists, so a snapshot of an aggregate can be stored."""

    type = set
    name = "set"

    def encode(self, obj: set[Any]) -> list[Any]:
        return sorted(obj, key=str)

    def decode(self, data: list[Any]) -> set[Any]:
        return set(data)


class Snapshots(EventStore[UUID]):
    """Snapshots: a snapshot stands for replaying its events, so one that cannot be
    opened (sealed under an erased child's key, or altered) is passed over and the
    events, the truth, are replayed instead."""

    def get(self, originator_id: UUID, *, gt: int | None = None, lte: int | None = None,
            desc: bool = False, limit: int | None = None
            ) -> Iterator[DomainEventProtocol[UUID]]:
        try:
            return iter(list(super().get(originator_id, gt=gt, lte=lte, desc=desc,
                                         limit=limit)))
        except MapperDeserialisationError:
            return iter(())


class Base(Application[UUID]):
    # Commands load a child, check, and save: keep recent aggregates in memory and
    # fast-forward them from the store (other writers' events included) instead of
    # replaying whole streams on every command.
    env = {"AGGREGATE_CACHE_MAXSIZE": "5000", "AGGREGATE_CACHE_FASTFORWARD": "y"}
    # A child's record is loaded from its latest snapshot and the events since (replay of
    # a 1,000-event child: bench/replay_snapshots.py). The mapper seals each snapshot
    # under the child's key, as it seals their events' personal content.
    snapshotting_intervals = {Child: 100}

    def __init__(self, env: dict[str, str] | None = None, *, clock_: clock.Clock | None = None,
                 ids: Callable[[], UUID] = uuid4):
        super().__init__(env)
        self.clock: clock.Clock = clock_ or clock.SYSTEM_CLOCK
        self.new_id = ids
        self._pending: list[DomainEventProtocol[UUID]] | None = None
        self._pending_aggregates: dict[UUID, KopirAggregate] = {}

    def construct_snapshot_store(self) -> EventStore[UUID]:
        return Snapshots(mapper=self.mapper, recorder=self.factory.aggregate_recorder(
            purpose="snapshots"))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(SetAsList())  # aggregate state (a snapshot) holds sets

    # --- transactions ----------------------------------------------------------------
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
        # snapshots them at its intervals.
        try:
            self.save(*events, *aggregates)
        except IntegrityError as e:
            raise (conflict or RecordChanged(code="record_changed.any")) from e
        repository = self.repository
        if repository.cache is not None and repository.fastforward:
            # What was just recorded is the latest: cached, the next command's load finds
            # nothing newer to decode (the library caches on save only without fast-forward,
            # which other processes writing to the same store need).
            for aggregate in aggregates:
                repository.cache.put(aggregate.id, aggregate)

    def _get(self, aggregate_id: UUID) -> Any:
        pending = self._pending_aggregates.get(aggregate_id)
        if pending is not None:
            return pending
        return self.repository.get(aggregate_id)

    # --- stamps and aggregates ----------------------------------------------------------
    def _now(self) -> datetime:
        return self.clock.now()

    def _stamp(self, actor: Actor, school_id: str, occurred_at: datetime | None = None) -> Stamp:
        return Stamp(actor.user_id, actor.role.value, school_id, occurred_at or self._now())

    def child(self, code: str) -> Child:
        if not isinstance(code, str) or not checks.CHILD_CODE.match(code):
            raise UnknownChild(child="?")  # no child was ever enrolled under such a code
        try:
            return self._get(child_id(code))
        except AggregateNotFoundError:
            raise UnknownChild(child=code) from None

    def is_school(self, school_id: str) -> bool:
        """True when a school with this id is registered."""
        if not isinstance(school_id, str) or not checks.SCHOOL_ID.match(school_id):
            return False
        try:
            self._get(school_uuid(school_id))
        except AggregateNotFoundError:
            return False
        return True

    def is_enrolled(self, code: str) -> bool:
        try:
            self.child(code)
        except UnknownChild:
            return False
        return True

    def _child_for(self, actor: Actor, what: str, code: str) -> Child:
        """The child, once the actor may record `what` for them (a child of a school they
        do not work with answers as an unknown one)."""
        child = self.child(code)
        access.check_in_scope(actor, child.school_id, code, f"record {what}")
        access.check_may_record(actor, what, child.school_id)
        return child

    @staticmethod
    def _check_version(child: Child, expected_version: int | None) -> None:
        """Raised when someone saved the child's record since the form was opened."""
        if expected_version is not None and child.version != expected_version:
            raise RecordChanged(child=child.code)

    # --- record once --------------------------------------------------------------------
    def _already_recorded(self, child: Child, entry_id: str | None) -> bool:
        """True when this submission is already recorded for the child: a form sent twice
        (a double click, a retried request) records once. Raised (SubmissionReused) when
        the submission id was recorded for another child."""
        if entry_id is None:
            return False
        problems = Problems()
        checks.submission(problems, "entry_id", entry_id)
        problems.raise_if_any()
        if entry_id in child.entries or entry_id in child.corrections:
            return True
        claimant = self._claimant(entry_id)
        if claimant is not None and claimant != str(child.id):
            raise SubmissionReused()
        return claimant is not None

    def _claimant(self, entry_id: str) -> str | None:
        """The child a submission id was recorded for, if it was."""
        try:
            return str(self._get(submission_uuid(entry_id)).child_id)
        except AggregateNotFoundError:
            return None

    def _save_entry(self, subject: Child, entry_id: str | None, stamp: Stamp,
                    *aggregates: KopirAggregate) -> bool:
        """Save an entry with the claim of its submission id, in one transaction; False when
        a request with the same id was recorded first (the store let only one claim in)."""
        claims = [Submission.claim(entry_id, str(subject.id), stamp)] if entry_id else []
        try:
            self._save(subject, *aggregates, *claims)
        except RecordChanged:
            # Who got in first? The store knows: `subject` carries this request's entry.
            claimant = self._claimant(entry_id) if entry_id is not None else None
            if claimant == str(subject.id):
                return False
            if claimant is not None:
                raise SubmissionReused() from None
            raise
        return True

    def _record_one(self, actor: Actor, what: str, code: str, form: Any,
                    event_class: type[Child.Entry], expected_version: int | None,
                    entry_id: str | None) -> str:
        """Record an entry of one child from its form (a session, a family contact), once
        per submission id; returns the entry's id."""
        child = self._child_for(actor, what, code)
        if entry_id is not None and self._already_recorded(child, entry_id):
            return entry_id
        self._check_version(child, expected_version)
        form.validate(self._now())
        content = form.as_event_fields()
        submitted, entry_id = entry_id, entry_id or str(self.new_id())
        stamp = self._stamp(actor, child.school_id, content.pop("occurred_at"))
        child.record_entry(event_class, entry_id, content, stamp)
        self._save_entry(child, submitted, stamp)
        return entry_id

    # --- who acts -------------------------------------------------------------------------
    def actor(self, account: StaffAccount) -> Actor:
        return Actor(user_id=account.user_id, role=Role(account.user_role),
                     school_ids=frozenset(account.school_ids),
                     display_name=account.display_name, standing_in=self._standing(account),
                     display_names=tuple(sorted(account.display_names.items())))

    def _standing(self, account: StaffAccount) -> tuple[Standing, ...]:
        """The delegations the person holds now, on the application's clock: each one
        active, of a supervisor still active, with that supervisor's schools."""
        held = []
        for _, delegation in account.delegations_at(self._now(), "deputy"):
            try:
                supervisor = self._get(user_id_uuid(delegation["supervisor"]))
            except AggregateNotFoundError:
                continue
            if isinstance(supervisor, StaffAccount) and supervisor.is_active and \
                    supervisor.user_role == Role.SUPERVISOR.value:
                held.append(Standing(supervisor.user_id, frozenset(supervisor.school_ids)))
        return tuple(held)

    def in_office(self, actor: Actor) -> Actor:
        """The actor with the delegations they hold now, whatever the actor held when it was
        made: a deputy's extra caseload begins and ends on time, and ends when it is ended."""
        try:
            account = self._get(user_id_uuid(actor.user_id))
        except AggregateNotFoundError:
            return replace(actor, standing_in=())
        if not isinstance(account, StaffAccount):
            return replace(actor, standing_in=())
        return replace(actor, standing_in=self._standing(account))


SYSTEM = Actor(user_id="system", role=Role.ADMIN, school_ids=frozenset({"*"}),
               display_name="Köpir set-up")
