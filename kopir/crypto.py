"""Per-child encryption of stored events, and erasure by destroying a key.

Every event's state is split in two. Personal content (free text and personal fields,
`PERSONAL`) is encrypted with AES-GCM under the data key of the child it is about;
everything else under the store's system data key. Data keys are random, kept in the
table `kopir_data_keys` wrapped (AES-GCM) by the master key, which comes from the
environment or a key file and never from the database or the repository. Each
ciphertext is bound to its event as associated data (stream id, version, event type,
part), so a stored state moved to another row, or altered by one bit, fails to decrypt.

Erasure deletes the child's data keys. The events stay; their personal content reads
back as empty text, and everything else (kinds, dates, severities, who recorded what)
stays readable, so aggregates load, projections rebuild, and the hash chain (over the
stored ciphertext) still verifies.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from sqlalchemy import Column, LargeBinary, MetaData, String, Table, delete, insert, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

MAGIC = b"KP1"
SYSTEM_KEY = "system"
PERSONAL = frozenset({"description", "action_taken", "summary", "confidential_notes", "reason",
                      "support_needs", "returned_from", "personal_name", "note", "rationale"})
NESTED = ("changes",)  # dicts whose personal keys are personal too (amendments)
KEY_CACHE_SECONDS = 30.0

metadata = MetaData()
data_keys = Table(
    "kopir_data_keys", metadata,
    Column("key_id", String(80), primary_key=True),
    Column("owner", String(64), nullable=False, index=True),
    Column("wrapped", LargeBinary, nullable=False),
)


class KeyDestroyed(Exception):
    """Raised inside the mapper when a data key no longer exists (erased)."""


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-GCM: a random 96-bit nonce, then the ciphertext with its 128-bit tag."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Raised (InvalidTag) when the sealed bytes, the key or the associated data differ."""
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)


class Keyring:
    """Data keys in the store's database, wrapped by the master key; a short cache, so a
    key destroyed by another process stops being usable here within seconds."""

    def __init__(self, engine: Engine, master_key: bytes) -> None:
        if len(master_key) not in (16, 24, 32):
            raise ValueError("the master key must be 16, 24 or 32 bytes")
        self.engine = engine
        self.master = master_key
        self._cache: dict[str, tuple[float, bytes | None]] = {}
        self._lock = threading.Lock()
        metadata.create_all(engine, tables=[data_keys])

    def key(self, key_id: str, owner: str | None = None) -> bytes:
        """The data key; created when `owner` is given and it does not exist yet."""
        cached = self._cache.get(key_id)
        if cached is not None and time.monotonic() - cached[0] < KEY_CACHE_SECONDS:
            if cached[1] is not None:
                return cached[1]
            if owner is None:  # known to be destroyed (or never made)
                raise KeyDestroyed(key_id)
        found = self._load(key_id)
        if found is None and owner is not None:
            found = self._create(key_id, owner)
        with self._lock:
            self._cache[key_id] = (time.monotonic(), found)
        if found is None:
            raise KeyDestroyed(key_id)
        return found

    def _load(self, key_id: str) -> bytes | None:
        with self.engine.connect() as connection:
            wrapped = connection.execute(select(data_keys.c.wrapped)
                                         .where(data_keys.c.key_id == key_id)).scalar()
        return None if wrapped is None else open_sealed(self.master, bytes(wrapped),
                                                        key_id.encode())

    def _create(self, key_id: str, owner: str) -> bytes:
        fresh = os.urandom(32)
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(data_keys).values(
                    key_id=key_id, owner=owner, wrapped=seal(self.master, fresh, key_id.encode())))
        except IntegrityError:  # another writer created it first: use theirs
            found = self._load(key_id)
            assert found is not None
            return found
        return fresh

    def destroy(self, owner: str) -> int:
        """Delete every data key of an owner (a child, and their escalations)."""
        with self.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA secure_delete = ON")
            gone = connection.execute(delete(data_keys).where(or_(
                data_keys.c.owner == owner, data_keys.c.key_id == child_key(owner)))).rowcount
        with self._lock:
            self._cache.clear()
        return int(gone or 0)

    def exists(self, key_id: str) -> bool:
        return self._load(key_id) is not None


def child_key(child_id: str) -> str:
    return f"child:{child_id}"


def _split(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    personal: dict[str, Any] = {}
    rest = dict(state)
    for name in PERSONAL & state.keys():
        personal[name] = rest.pop(name)
    for name in NESTED:
        nested = rest.get(name)
        if isinstance(nested, dict):
            kept = dict(nested)
            for inner in PERSONAL & nested.keys():
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

    def scope(self, topic: str, originator_id: UUID, state: dict[str, Any]) -> tuple[str, str]:
        """(key id, owner) for the personal part of an event."""
        if ":Child." in topic:
            return child_key(str(originator_id)), str(originator_id)
        if ":Escalation." in topic:
            owner = str(state.get("child_id") or "")
            return f"escalation:{originator_id}", owner
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
        rest, personal = _split(state)
        rest["__personal__"] = sorted(personal)
        aad = f"{originator_id}|{version}|{topic}".encode()
        key_id, owner = self.scope(topic, originator_id, state)
        if personal:
            rest["__personal_key__"] = key_id  # authenticated: the part cannot be re-pointed
        parts = [self._part(SYSTEM_KEY, SYSTEM_KEY, rest, aad + b"|system")]
        if personal:
            owner = owner or self._owner_of(key_id)
            parts.append(self._part(key_id, owner, personal, aad + b"|personal"))
        return StoredEvent(originator_id=originator_id, originator_version=version, topic=topic,
                           state=MAGIC + b"".join(parts))

    def _owner_of(self, key_id: str) -> str:
        assert self.keyring is not None
        with self.keyring.engine.connect() as connection:
            owner = connection.execute(select(data_keys.c.owner)
                                       .where(data_keys.c.key_id == key_id)).scalar()
        return owner or SYSTEM_KEY

    def _part(self, key_id: str, owner: str, values: dict[str, Any], aad: bytes) -> bytes:
        assert self.keyring is not None
        sealed = seal(self.keyring.key(key_id, owner), self.transcoder.encode(values), aad)
        name = key_id.encode()
        return struct.pack(">H", len(name)) + name + struct.pack(">I", len(sealed)) + sealed

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        state = stored_event.state
        if self.keyring is None or not bytes(state[:3]) == MAGIC:
            return super().to_domain_event(stored_event)
        try:
            event_state = self._decode(stored_event)
        except (InvalidTag, ValueError, KeyError, TypeError, struct.error) as error:
            raise MapperDeserialisationError(
                f"Stored event {stored_event.originator_id} v{stored_event.originator_version} "
                f"({stored_event.topic}) does not decrypt: it was altered or moved "
                f"({type(error).__name__})") from error
        cls = resolve_topic(stored_event.topic)
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
        assert self.keyring is not None
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
        rest = self.transcoder.decode(open_sealed(self.keyring.key(SYSTEM_KEY), system_sealed,
                                                  aad + b"|system"))
        names = rest.pop("__personal__", [])
        expected = rest.pop("__personal_key__", None)
        personal: dict[str, Any] = {name: "" for name in names}  # erased: empty text
        if [key_id for key_id, _ in personal_parts] != ([expected] if expected else []):
            raise ValueError("the personal part does not belong to this event")
        for key_id, sealed in personal_parts:
            try:
                key = self.keyring.key(key_id)
            except KeyDestroyed:
                continue
            personal.update(self.transcoder.decode(open_sealed(key, sealed,
                                                               aad + b"|personal")))
        return _join(rest, personal)


def scrub(engine: Engine) -> None:
    """After an erasure, leave no old page of a SQLite file holding what was removed:
    checkpoint the write-ahead log, rewrite the file, truncate the log. (PostgreSQL keeps
    dead rows until VACUUM reuses their space; dumps and queries never show them.)"""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
