"""Master key rotation: every data key re-wrapped under a new master key, online and
resumable, and each rotation written down (who, when, how many).

The data keys themselves do not change, so nothing sealed under them is touched and the
processes' caches stay valid. A wrapped key names its master key by fingerprint
(`infrastructure.keyring`): a process given the new master key and the previous one
(KOPIR_CIPHER_PREVIOUS_KEY_FILES) opens keys of either while the rotation runs.

The keys are re-wrapped in batches of `batch`, one transaction each, in key order; a
key already under the new master key is passed over, so a rotation interrupted midway
and run again finishes the work. A key is replaced only if it is still what was read:
one destroyed meanwhile (an erasure) stays destroyed. Once no process uses the previous
master key any more, destroying it leaves every copy of the store made before the
rotation (a backup) unreadable for the children erased since: their data keys exist
there only under the previous master key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Sequence

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Engine

from infrastructure.keyring import data_keys, fingerprint, master_keys, unwrap, wrap, wrapped_under

BATCH = 500

metadata = MetaData()
rotations = Table(
    "kopir_key_rotations", metadata,
    Column("rotation_id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("by_whom", String(120), nullable=False),
    Column("to_key", String(16), nullable=False),  # the new master key's fingerprint (hex)
    Column("rewrapped", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("remaining", Integer, nullable=True),  # still under another key at the end
)


@dataclass
class Rotation:
    """What one run of a rotation did."""

    to_key: str
    total: int
    rewrapped: int = 0
    skipped: int = 0  # already under the new master key (an earlier, interrupted run)
    remaining: int = 0  # wrapped under another key by a process that has not the new one

    @property
    def complete(self) -> bool:
        return self.remaining == 0


def rotate(engine: Engine, new: bytes, previous: Sequence[bytes], by_whom: str,
           batch: int = BATCH, progress: Callable[[int, int], None] | None = None,
           now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Rotation:
    """Re-wrap every data key under `new`, opening them with `previous` (or `new`)."""
    masters = master_keys(new, previous)
    target = fingerprint(new)
    metadata.create_all(engine, tables=[rotations])
    if not inspect(engine).has_table(data_keys.name):
        return Rotation(target.hex(), 0)
    with engine.begin() as connection:
        total = connection.execute(select(func.count()).select_from(data_keys)).scalar() or 0
        rotation_id = connection.execute(insert(rotations).values(
            started_at=now(), by_whom=by_whom[:120], to_key=target.hex())).inserted_primary_key[0]
    done = Rotation(target.hex(), int(total))
    after = ""
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                select(data_keys.c.key_id, data_keys.c.wrapped)
                .where(data_keys.c.key_id > after).order_by(data_keys.c.key_id)
                .limit(batch)).all()
            for key_id, wrapped in rows:
                wrapped = bytes(wrapped)
                if wrapped_under(wrapped) == target:
                    done.skipped += 1
                    continue
                fresh = wrap(new, key_id, unwrap(masters, key_id, wrapped))
                changed = connection.execute(
                    update(data_keys).where(data_keys.c.key_id == key_id,
                                            data_keys.c.wrapped == wrapped)
                    .values(wrapped=fresh)).rowcount
                done.rewrapped += int(changed or 0)
            _record(connection, rotation_id, done)
        if not rows:
            break
        after = rows[-1][0]
        if progress is not None:
            progress(done.rewrapped + done.skipped, done.total)
    done.remaining = remaining(engine, new)
    with engine.begin() as connection:
        _record(connection, rotation_id, done, finished=now())
    return done


def remaining(engine: Engine, new: bytes) -> int:
    """How many data keys are not (yet) wrapped under `new`."""
    target = fingerprint(new)
    with engine.connect() as connection:
        return sum(1 for (wrapped,) in connection.execute(select(data_keys.c.wrapped))
                   if wrapped_under(bytes(wrapped)) != target)


def history(engine: Engine) -> list[dict[str, object]]:
    """Every rotation recorded, the latest first."""
    if not inspect(engine).has_table(rotations.name):
        return []
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(
            select(rotations).order_by(rotations.c.rotation_id.desc()))]


def _record(connection: object, rotation_id: int, done: Rotation,
            finished: datetime | None = None) -> None:
    values: dict[str, object] = {"rewrapped": done.rewrapped, "skipped": done.skipped}
    if finished is not None:
        values.update(finished_at=finished, remaining=done.remaining)
    connection.execute(update(rotations)  # type: ignore[attr-defined]
                       .where(rotations.c.rotation_id == rotation_id).values(**values))
