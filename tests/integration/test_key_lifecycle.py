"""The life of the keys (SQLite and PostgreSQL): an erasure reaches every process within a
second, and rotating the master key leaves a backup made before an erasure unable to
open the erased child, once the old master key is destroyed."""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, insert, select

from infrastructure import key_rotation
from infrastructure.errors import WrongMasterKey
from infrastructure.keyring import Keyring, child_key
from infrastructure.settings import Settings
from kopir import bootstrap, cli
from tests import forms

pytestmark = pytest.mark.backends("sqlite", "postgres")
ROOT = Path(__file__).resolve().parents[2]

READER = """
import sys, time
from domain.access import Actor, Role
from kopir import bootstrap
app = bootstrap.application()
auditor = Actor("aud", Role.AUDITOR, frozenset({"*"}))
code = sys.argv[1]
def description():
    return app.child_events(auditor, code)[1].description
assert description().startswith("cnry"), description()
print("opened", flush=True)
deadline = time.time() + 20
while time.time() < deadline:
    if description() == "":
        print("erased", time.time(), flush=True)
        break
    time.sleep(0.01)
"""


def key_text() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def enrol(world, *codes: str) -> None:  # type: ignore[no-untyped-def]
    for code in codes:
        world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(hours=1)))
        world.app.record_conflict(world.teacher, code, forms.conflict(
            world.later(hours=1), description=f"cnry {code} pushed in the queue"))


def description(config: Settings, code: str, world) -> str:  # type: ignore[no-untyped-def]
    return descriptions(config, [code], world)[0]


def descriptions(config: Settings, codes: list[str], world) -> list[str]:  # type: ignore[no-untyped-def]
    app = bootstrap.application(config)
    try:
        return [app.child_events(world.auditor, code)[1].description for code in codes]
    finally:
        app.close()


def test_an_erasure_reaches_a_reader_in_another_process_within_a_second(encrypted_world,
                                                                         settings):
    world = encrypted_world
    enrol(world, "AST-0001")
    master = base64.b64encode(world.app.mapper.keyring.master).decode()
    # A reader in another process opens the child's record, and keeps its key in memory.
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, "AST-0001"], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, env={**os.environ, "KOPIR_DATABASE_URL": settings.database_url,
                                     "KOPIR_CIPHER_KEY": master})
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline().strip() == "opened"
        # The child is erased here, in this process.
        started = time.time()
        world.app.erase_personal_data(world.admin, "AST-0001", "Mother's written request")
        keys_gone = time.time()
        line = reader.stdout.readline().split()
    finally:
        reader.kill()
        reader.wait()
    # The reader no longer decrypts the record: within a second, not after its key cache.
    assert line and line[0] == "erased", line
    latency = float(line[1]) - keys_gone
    print(f"\nerasure seen by another process {latency * 1000:.0f} ms after the keys were "
          f"destroyed ({(float(line[1]) - started) * 1000:.0f} ms after the erasure began)")
    assert latency < 1.0


def backup(settings: Settings, target: Path, postgres_databases) -> Settings:  # type: ignore[no-untyped-def]
    """A copy of the store as a backup would hold it: the SQLite file, or every row of
    the PostgreSQL database copied into another one."""
    url = settings.events_url()
    if url.startswith("sqlite"):
        copy = sqlite3.connect(target)
        sqlite3.connect(url[len("sqlite:///"):]).backup(copy)
        copy.close()
        return Settings(database_url=f"sqlite:///{target}")
    other = postgres_databases()
    source, into = create_engine(url), create_engine(Settings(database_url=other).events_url())
    tables = MetaData()
    tables.reflect(source)
    tables.create_all(into)
    with source.connect() as reading, into.begin() as writing:
        for table in tables.sorted_tables:
            rows = [dict(row._mapping) for row in reading.execute(select(table))]
            if rows:
                writing.execute(insert(table), rows)
    source.dispose()
    into.dispose()
    return Settings(database_url=other)


def test_after_a_rotation_an_old_backup_cannot_open_an_erased_child(encrypted_world, settings,
                                                                     tmp_path,
                                                                     postgres_databases):
    world = encrypted_world
    old = base64.b64encode(world.app.mapper.keyring.master).decode()
    enrol(world, "AST-0001", "AST-0002", "AST-0003")
    # (1) A backup is taken; (2) a child is erased from the live store.
    saved = backup(settings, tmp_path / "backup.db", postgres_databases)
    world.app.erase_personal_data(world.admin, "AST-0001", "Mother's written request")
    erased_id = str(world.app.child("AST-0001").id)

    # (3) The master key is rotated from the command line, and the old one destroyed.
    new_file = tmp_path / "new.key"
    patch = pytest.MonkeyPatch()
    patch.setenv("KOPIR_DATABASE_URL", settings.database_url)
    patch.setenv("KOPIR_CIPHER_KEY", old)
    from infrastructure.settings import settings as configured
    configured.cache_clear()
    try:
        assert cli.main(["keys", "rotate", "--new-key-file", str(new_file), "--as", "ops"]) == 0
    finally:
        patch.undo()
        configured.cache_clear()
    new = new_file.read_text().strip()
    old_key, old = base64.b64decode(old), None  # only the backup's check below keeps it

    # (4) The backup with the new key opens nothing of the erased child...
    engine = create_engine(saved.events_url())
    with pytest.raises(WrongMasterKey):
        Keyring(engine, base64.b64decode(new)).key(child_key(erased_id))
    # ...while with the old key it would have: the rotation is what protects it.
    assert Keyring(engine, old_key).key(child_key(erased_id))
    engine.dispose()
    assert description(saved.model_copy(update={"cipher_key": base64.b64encode(old_key)
                                                .decode()}), "AST-0001", world) \
        == "cnry AST-0001 pushed in the queue"
    # With the new key alone, the live store opens every other child, and not the erased.
    live = settings.model_copy(update={"cipher_key": new})
    assert description(live, "AST-0002", world) == "cnry AST-0002 pushed in the queue"
    assert description(live, "AST-0003", world) == "cnry AST-0003 pushed in the queue"
    assert description(live, "AST-0001", world) == ""
    # The rotation is written down: who, and how many keys.
    engine = create_engine(settings.events_url())
    [done] = key_rotation.history(engine)
    engine.dispose()
    assert done["by_whom"] == "ops" and done["rewrapped"] >= 3 and done["finished_at"]


class Interrupted(Exception):
    pass


def test_an_interrupted_rotation_finishes_when_run_again(encrypted_world, settings):
    world = encrypted_world
    old = world.app.mapper.keyring.master
    enrol(world, *(f"AST-{i:04d}" for i in range(1, 7)))
    new = os.urandom(32)
    engine = create_engine(settings.events_url())
    total = len(Keyring(engine, old).owners())

    def stop(done: int, total: int) -> None:
        raise Interrupted()  # the process dies after its first batch

    with pytest.raises(Interrupted):
        key_rotation.rotate(engine, new, [old], "ops", batch=3, progress=stop)
    halfway = key_rotation.remaining(engine, new)
    assert 0 < halfway < total + 6
    # Meanwhile a process given both keys opens every child; one with either key alone
    # does not.
    ids = [str(world.app.child(f"AST-{i:04d}").id) for i in range(1, 7)]
    both = Keyring(engine, new, [old])
    assert all(both.key(child_key(i)) for i in ids)
    for alone in (old, new):
        with pytest.raises(WrongMasterKey):
            for i in ids:
                Keyring(engine, alone).key(child_key(i))
    # So does an application configured with the new key and the previous one.
    during = settings.model_copy(update={"cipher_key": base64.b64encode(new).decode(),
                                         "cipher_previous_keys": base64.b64encode(old).decode()})
    codes = [f"AST-{i:04d}" for i in range(1, 7)]
    assert descriptions(during, codes, world) == [f"cnry {c} pushed in the queue" for c in codes]
    # Run again, it finishes: what was re-wrapped already is passed over.
    done = key_rotation.rotate(engine, new, [old], "ops", batch=3)
    assert done.complete and done.skipped == 3 and done.rewrapped == done.total - 3
    assert all(Keyring(engine, new).key(child_key(i)) for i in ids)
    assert [row["finished_at"] is not None for row in key_rotation.history(engine)] == \
        [True, False]
    engine.dispose()
