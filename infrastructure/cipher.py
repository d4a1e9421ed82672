"""Per-child encryption of stored events, and erasure by destroying a key.

Every event's state is split in two. Personal content (free text and personal fields,
`domain.vocabulary.PERSONAL_FIELDS`) is encrypted with AES-GCM under the data key of
the child it is about; everything else under the store's system data key (the keys
are in `infrastructure.keyring`). Each ciphertext is bound to its event as associated
data (stream id, version, event type, part), so a stored state moved to another row,
or altered by one bit, fails to decrypt.

Erasure deletes the child's data keys. The events stay; their personal content reads
back as empty text, and everything else (kinds, dates, severities, who recorded what)
stays readable, so aggregates load, projections rebuild, and the hash chain (over the
stored ciphertext) still verifies.

Snapshots of an aggregate go through the same mapper: the aggregate's whole state is
sealed under the key its events' personal content is sealed under (a child's, for a
child), so erasure reaches them too; a snapshot that no longer opens is read as
erased, and the application replays the events instead.

The persistence modules build the application's mapper with `build_mapper`, the
factory hook eventsourcing gives: the application itself knows nothing of this.
"""

from __future__ import annotations

import base64
import os
import struct
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from eventsourcing.domain import CanSnapshotAggregate, DomainEventProtocol
from eventsourcing.persistence import (
    Mapper,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import Environment, get_topic, resolve_topic
from sqlalchemy.engine import Engine

from domain.errors import MissingMasterKey
from domain.vocabulary import NESTED_FIELDS, PERSONAL_FIELDS
from infrastructure.erasure_watch import ErasureWatch
from infrastructure.errors import KeyDestroyed, UnreadableRow
from infrastructure.keyring import SYSTEM_KEY, Keyring, child_key, open_sealed, seal

MAGIC = b"KP1"
ENCRYPTED_WITHOUT_KEY = ("This store is encrypted: set its master key (KOPIR_CIPHER_KEY or "
                         "KOPIR_CIPHER_KEY_FILE).")


def build_mapper(env: Environment, transcoder: Transcoder, keys: Engine | None,
                 events_table: str | None = None) -> "KopirMapper":
    """The application's mapper: encrypting with a keyring in `keys` when a master key is
    configured; refusing to start without one in production. Erasures other processes
    record are watched in `events_table`, the store's log (a store in memory has none)."""
    mapper = KopirMapper(transcoder=transcoder)
    master = env.get("KOPIR_MASTER_KEY")
    if master and keys is not None:
        previous = [base64.b64decode(key) for key in
                    (env.get("KOPIR_PREVIOUS_MASTER_KEYS") or "").split(",") if key.strip()]
        watch = None if events_table is None else ErasureWatch(keys, events_table)
        mapper.keyring = Keyring(keys, base64.b64decode(master), previous, watch)
        mapper.keyring.probe()
    elif (env.get("KOPIR_PRODUCTION") or "").lower() in ("1", "true", "yes"):
        raise MissingMasterKey("Köpir refuses to start in production without a master key: "
                               "set KOPIR_CIPHER_KEY or KOPIR_CIPHER_KEY_FILE.")
    elif keys is not None and Keyring.present(keys):
        raise MissingMasterKey(ENCRYPTED_WITHOUT_KEY)
    return mapper


def _split(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    personal: dict[str, Any] = {}
    rest = dict(state)
    for name in PERSONAL_FIELDS & state.keys():
        personal[name] = rest.pop(name)
    for name in NESTED_FIELDS:
        nested = rest.get(name)
        if isinstance(nested, dict):
            kept = dict(nested)
            for inner in PERSONAL_FIELDS & nested.keys():
                personal[f"{name}.{inner}"] = kept.pop(inner)
            rest[name] = kept
    return rest, personal


def _join(rest: dict[str, Any], personal: dict[str, Any]) -> dict[str, Any]:
    state = dict(rest)
    for path, value in personal.items():
        if "." in path:
            outer, inner = path.split(".", 1)
            state[outer] = {**state.get(outer, {}), inner: value}
        else:
            state[path] = value
    return state


class KopirMapper(Mapper[UUID]):
    """The eventsourcing mapper with per-child keys. Without a keyring (no master key
    configured) it stores plain transcoded state, like the library's own mapper."""

    keyring: Keyring | None = None

    @property
    def encrypts(self) -> bool:
        return self.keyring is not None

    def shred(self, owner: str) -> int:
        """Destroy every data key of an owner (a child, and their escalations): what was
        sealed under them reads back empty from now on."""
        return self._keys().destroy(owner)

    def _keys(self) -> Keyring:
        if self.keyring is None:  # the public methods look first: not reached
            raise RuntimeError("the mapper encrypts without a keyring")
        return self.keyring

    def scope(self, topic: str, originator_id: UUID, state: dict[str, Any]) -> tuple[str, str]:
        """(key id, owner) for the personal part of an event."""
        if ":Child." in topic:
            return child_key(str(originator_id)), str(originator_id)
        if ":Escalation." in topic or ":Concern." in topic:
            # The first event names the child, and its key is made then; later ones find
            # the owner by the key (a concern's notes are erased with the child).
            owner = str(state.get("child_id") or "")
            kind = "escalation" if ":Escalation." in topic else "concern"
            return f"{kind}:{originator_id}", owner
        return SYSTEM_KEY, SYSTEM_KEY

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if self.keyring is None:
            return super().to_stored_event(domain_event)
        topic = get_topic(domain_event.__class__)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        aad = f"{originator_id}|{version}|{topic}".encode()
        if isinstance(domain_event, CanSnapshotAggregate):
            return self._snapshot(topic, originator_id, version, state, aad)
        rest, personal = _split(state)
        rest["__personal__"] = sorted(personal)
        key_id, owner = self.scope(topic, originator_id, state)
        if owner and not personal and key_id.startswith("concern:"):
            self._keys().key(key_id, owner)  # made now, so later events find their owner
        if personal:
            rest["__personal_key__"] = key_id  # authenticated: the part cannot be re-pointed
        parts = [self._part(SYSTEM_KEY, SYSTEM_KEY, rest, aad + b"|system")]
        if personal:
            owner = owner or self.keyring.owner_of(key_id)
            parts.append(self._part(key_id, owner, personal, aad + b"|personal"))
        return StoredEvent(originator_id=originator_id, originator_version=version, topic=topic,
                           state=MAGIC + b"".join(parts))

    def _snapshot(self, topic: str, originator_id: UUID, version: int, state: dict[str, Any],
                  aad: bytes) -> StoredEvent:
        """A snapshot: the aggregate's state sealed whole under the key of whom it is
        about. Never a key made anew: an erased child's snapshot is sealed under a key
        nobody keeps (reading it replays the events)."""
        key_id, owner = self.scope(f"{state['topic']}.Snapshot", originator_id, {})
        rest, personal = state, {}
        if key_id != SYSTEM_KEY:
            personal = {"state": rest.pop("state")}
            rest.update(__personal__=["state"], __personal_key__=key_id)
        parts = [self._part(SYSTEM_KEY, SYSTEM_KEY, rest, aad + b"|system")]
        if personal:
            try:
                key = self._keys().key(key_id)
            except KeyDestroyed:
                key = os.urandom(32)
            parts.append(self._part(key_id, owner, personal, aad + b"|personal", key))
        return StoredEvent(originator_id=originator_id, originator_version=version, topic=topic,
                           state=MAGIC + b"".join(parts))

    def _part(self, key_id: str, owner: str, values: dict[str, Any], aad: bytes,
              key: bytes | None = None) -> bytes:
        key = key if key is not None else self._keys().key(key_id, owner)
        sealed = seal(key, self.transcoder.encode(values), aad)
        name = key_id.encode()
        return struct.pack(">H", len(name)) + name + struct.pack(">I", len(sealed)) + sealed

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        state = stored_event.state
        if self.keyring is None:
            if bytes(state[:3]) == MAGIC:
                raise MissingMasterKey(ENCRYPTED_WITHOUT_KEY)
            return super().to_domain_event(stored_event)
        if bytes(state[:3]) != MAGIC:  # with a master key every row is sealed: not this one
            raise UnreadableRow(
                f"Stored event {stored_event.originator_id} v{stored_event.originator_version} "
                f"({stored_event.topic}) is not encrypted: it was written behind the "
                "application's back")
        try:
            event_state = self._decode(stored_event)
        except (InvalidTag, ValueError, KeyError, TypeError, struct.error) as error:
            raise UnreadableRow(
                f"Stored event {stored_event.originator_id} v{stored_event.originator_version} "
                f"({stored_event.topic}) does not decrypt: it was altered or moved "
                f"({type(error).__name__})") from error
        cls = resolve_topic(stored_event.topic)
        if issubclass(cls, CanSnapshotAggregate) and not isinstance(event_state.get("state"),
                                                                    dict):
            raise UnreadableRow(f"The snapshot of {stored_event.originator_id} "
                                f"v{stored_event.originator_version} is sealed under an "
                                "erased key")
        event_state["originator_id"] = stored_event.originator_id \
            if isinstance(stored_event.originator_id, UUID) else UUID(str(stored_event.originator_id))
        event_state["originator_version"] = stored_event.originator_version
        class_version = getattr(cls, "class_version", 1)
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", event_state)
        return domain_event

    def _decode(self, stored_event: StoredEvent) -> dict[str, Any]:
        keys = self._keys()
        data = bytes(stored_event.state)
        aad = (f"{stored_event.originator_id}|{stored_event.originator_version}|"
               f"{stored_event.topic}").encode()
        offset = len(MAGIC)
        parts = []
        while offset < len(data):
            (n,) = struct.unpack_from(">H", data, offset)
            key_id = data[offset + 2:offset + 2 + n].decode()
            (size,) = struct.unpack_from(">I", data, offset + 2 + n)
            if offset + 6 + n + size > len(data) or size < 28:
                raise ValueError("a part's length does not match the stored state")
            sealed = data[offset + 6 + n:offset + 6 + n + size]
            parts.append((key_id, sealed))
            offset += 6 + n + size
        (system_id, system_sealed), *personal_parts = parts
        if system_id != SYSTEM_KEY:
            raise ValueError("the first part is not the system part")
        rest = self.transcoder.decode(open_sealed(keys.key(SYSTEM_KEY), system_sealed,
                                                  aad + b"|system"))
        names = rest.pop("__personal__", [])
        expected = rest.pop("__personal_key__", None)
        personal: dict[str, Any] = {name: "" for name in names}  # erased: empty text
        if [key_id for key_id, _ in personal_parts] != ([expected] if expected else []):
            raise ValueError("the personal part does not belong to this event")
        for key_id, sealed in personal_parts:
            try:
                key = keys.key(key_id)
            except KeyDestroyed:
                continue
            personal.update(self.transcoder.decode(open_sealed(key, sealed,
                                                               aad + b"|personal")))
        return _join(rest, personal)
