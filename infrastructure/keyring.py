"""Data keys: one per child (and per escalation), wrapped by the master key, destroyable.

Data keys are random, kept in the table `kopir_data_keys` wrapped (AES-GCM) by the
master key, which comes from the environment or a key file and never from the
database or the repository. Destroying a child's keys is how their personal content
is erased (crypto-shredding).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from pathlib import Path

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

from infrastructure.errors import KeyDestroyed, WrongMasterKey

SYSTEM_KEY = "system"
KEY_CACHE_SECONDS = 30.0

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

    def probe(self) -> None:
        """Open one stored data key, so a wrong master key is reported before any work."""
        with self.engine.connect() as connection:
            row = connection.execute(select(data_keys.c.key_id, data_keys.c.wrapped)
                                     .limit(1)).first()
        if row is not None:
            try:
                open_sealed(self.master, bytes(row.wrapped), row.key_id.encode())
            except InvalidTag:
                raise WrongMasterKey() from None

    @staticmethod
    def present(engine: Engine) -> bool:
        """True when the store holds wrapped data keys (it was written encrypted)."""
        if not inspect(engine).has_table(data_keys.name):
            return False
        with engine.connect() as connection:
            return connection.execute(select(data_keys.c.key_id).limit(1)).first() is not None

    def _load(self, key_id: str) -> bytes | None:
        with self.engine.connect() as connection:
            wrapped = connection.execute(select(data_keys.c.wrapped)
                                         .where(data_keys.c.key_id == key_id)).scalar()
        if wrapped is None:
            return None
        try:
            return open_sealed(self.master, bytes(wrapped), key_id.encode())
        except InvalidTag:
            raise WrongMasterKey() from None

    def _create(self, key_id: str, owner: str) -> bytes:
        fresh = os.urandom(32)
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(data_keys).values(
                    key_id=key_id, owner=owner, wrapped=seal(self.master, fresh, key_id.encode())))
        except IntegrityError:  # another writer created it first: use theirs
            theirs = self._load(key_id)
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
