"""Data keys: one per child (and per escalation), wrapped by the master key, destroyable.

Data keys are random, kept in the table `kopir_data_keys` wrapped (AES-GCM) by the
master key, which comes from the environment or a key file and never from the
database or the repository. Destroying a child's keys is how their personal content
is erased (crypto-shredding).

Each wrapped key names (by fingerprint) the master key that wrapped it, so a process
given the new master key and the previous one while the keys are re-wrapped
(`infrastructure.key_rotation`) opens either. A process learns of an erasure made
elsewhere within a quarter of a second (`infrastructure.erasure_watch`): the keys it
holds of that child are dropped at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from pathlib import Path
from typing import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    insert,
    inspect,
    or_,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from infrastructure.erasure_watch import ErasureWatch
from infrastructure.errors import KeyDestroyed, WrongMasterKey

SYSTEM_KEY = "system"
KEY_CACHE_SECONDS = 30.0
WRAPPED = b"KW1"  # a wrapped key: this marker, its master key's fingerprint, the sealed key

metadata = MetaData()
data_keys = Table(
    "kopir_data_keys", metadata,
    Column("key_id", String(80), primary_key=True),
    Column("owner", String(64), nullable=False, index=True),
    Column("wrapped", LargeBinary, nullable=False),
)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-GCM: a random 96-bit nonce, then the ciphertext with its 128-bit tag."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Raised (InvalidTag) when the sealed bytes, the key or the associated data differ."""
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)


def new_key_file(path: Path, size: int = 32) -> None:
    """A fresh random key (base64) in a file only its owner can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(base64.b64encode(os.urandom(size)).decode() + "\n")
    path.chmod(0o600)


def child_key(child_id: str) -> str:
    return f"child:{child_id}"


def fingerprint(master: bytes) -> bytes:
    """Eight bytes that name a master key without telling anything of it."""
    return hmac.new(master, b"kopir master key fingerprint", hashlib.sha256).digest()[:8]


def wrap(master: bytes, key_id: str, data_key: bytes) -> bytes:
    return WRAPPED + fingerprint(master) + seal(master, data_key, key_id.encode())


def wrapped_under(wrapped: bytes) -> bytes | None:
    """The fingerprint of the master key a wrapped key names (None: wrapped before keys
    were named)."""
    return wrapped[3:11] if wrapped[:3] == WRAPPED and len(wrapped) > 39 else None


def unwrap(masters: dict[bytes, bytes], key_id: str, wrapped: bytes) -> bytes:
    """The data key, opened with whichever of the master keys (by fingerprint) wrapped it;
    WrongMasterKey when none of them did."""
    named = wrapped_under(wrapped)
    tries = [(masters[named], wrapped[11:])] if named in masters else []
    tries += [(master, wrapped) for master in masters.values()]  # named by no key: older rows
    for master, sealed in tries:
        try:
            return open_sealed(master, sealed, key_id.encode())
        except InvalidTag:
            continue
    raise WrongMasterKey()


def master_keys(primary: bytes, previous: Iterable[bytes] = ()) -> dict[bytes, bytes]:
    """The master keys by fingerprint, the one that wraps new keys first."""
    masters: dict[bytes, bytes] = {}
    for master in (primary, *previous):
        if len(master) not in (16, 24, 32):
            raise ValueError("a master key must be 16, 24 or 32 bytes")
        masters.setdefault(fingerprint(master), master)
    return masters


class Keyring:
    """Data keys in the store's database, wrapped by the master key; a short cache, so a
    key destroyed by another process stops being usable here within seconds, and at
    once (a quarter of a second) when an erasure recorded in the log is watched."""

    def __init__(self, engine: Engine, master_key: bytes, previous: Iterable[bytes] = (),
                 watch: ErasureWatch | None = None) -> None:
        self.masters = master_keys(master_key, previous)
        self.engine = engine
        self.master = master_key
        self.watch = watch
        self._cache: dict[str, tuple[float, bytes | None, str]] = {}
        self._lock = threading.Lock()
        metadata.create_all(engine, tables=[data_keys])

    def key(self, key_id: str, owner: str | None = None) -> bytes:
        """The data key; created when `owner` is given and it does not exist yet."""
        if self.watch is not None and self.watch.due():
            self.forget(self.watch.erased_since())
        cached = self._cache.get(key_id)
        if cached is not None and time.monotonic() - cached[0] < KEY_CACHE_SECONDS:
            if cached[1] is not None:
                return cached[1]
            if owner is None:  # known to be destroyed (or never made)
                raise KeyDestroyed(key_id)
        found, holder = self._load(key_id)
        if found is None and owner is not None:
            found, holder = self._create(key_id, owner), owner
        with self._lock:
            self._cache[key_id] = (time.monotonic(), found, holder)
        if found is None:
            raise KeyDestroyed(key_id)
        return found

    def forget(self, owners: Iterable[str]) -> None:
        """Drop the keys of these owners (children erased elsewhere): reading with them is
        refused from now on, as it is once their rows are deleted."""
        gone = set(owners)
        if not gone:
            return
        now = time.monotonic()
        with self._lock:
            for owner in gone:  # even a key not loaded yet, while its row is being deleted
                self._cache[child_key(owner)] = (now, None, owner)
            for key_id, (_, _, holder) in list(self._cache.items()):
                if holder in gone:
                    self._cache[key_id] = (now, None, holder)

    def probe(self) -> None:
        """Open one stored data key, so a wrong master key is reported before any work."""
        with self.engine.connect() as connection:
            row = connection.execute(select(data_keys.c.key_id, data_keys.c.wrapped)
                                     .limit(1)).first()
        if row is not None:
            unwrap(self.masters, row.key_id, bytes(row.wrapped))

    @staticmethod
    def present(engine: Engine) -> bool:
        """True when the store holds wrapped data keys (it was written encrypted)."""
        if not inspect(engine).has_table(data_keys.name):
            return False
        with engine.connect() as connection:
            return connection.execute(select(data_keys.c.key_id).limit(1)).first() is not None

    def _load(self, key_id: str) -> tuple[bytes | None, str]:
        with self.engine.connect() as connection:
            row = connection.execute(select(data_keys.c.wrapped, data_keys.c.owner)
                                     .where(data_keys.c.key_id == key_id)).first()
        if row is None:
            return None, ""
        return unwrap(self.masters, key_id, bytes(row.wrapped)), row.owner

    def _create(self, key_id: str, owner: str) -> bytes:
        fresh = os.urandom(32)
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(data_keys).values(
                    key_id=key_id, owner=owner, wrapped=wrap(self.master, key_id, fresh)))
        except IntegrityError:  # another writer created it first: use theirs
            theirs, _ = self._load(key_id)
            if theirs is None:  # created and destroyed in between: erased
                raise KeyDestroyed(key_id) from None
            return theirs
        return fresh

    def owner_of(self, key_id: str) -> str:
        with self.engine.connect() as connection:
            owner = connection.execute(select(data_keys.c.owner)
                                       .where(data_keys.c.key_id == key_id)).scalar()
        return owner or SYSTEM_KEY

    def owners(self) -> set[str]:
        """Everyone who holds a data key (children by their stream id, and the system)."""
        with self.engine.connect() as connection:
            return set(connection.execute(select(data_keys.c.owner).distinct()).scalars())

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
