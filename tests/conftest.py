"""Shared fixtures: one test body runs in memory, on a SQLite file and on a real PostgreSQL.

The in-memory backend (eventsourcing's POPO recorders, SQLite `:memory:` read models)
is the fast tier (`make test-fast`, with the unit tests); a test that needs a real
database says which with `@pytest.mark.backends("sqlite", "postgres")`.

PostgreSQL comes from `scripts/services.sh start` (the Makefile and CI start it);
its address is read from KOPIR_TEST_POSTGRES_URL. A missing server fails the
test: it is never skipped.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest

from domain import clock
from domain.access import Actor, Role
from domain.application import SYSTEM
from infrastructure.settings import MEMORY, Settings
from kopir import bootstrap

UTC = timezone.utc

# Tests choose their own stores; an exported KOPIR_DATABASE_URL must not leak into them.
for _name in ("KOPIR_DATABASE_URL", "KOPIR_VIEWS_URL"):
    os.environ.pop(_name, None)
START = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)


def postgres_admin_url() -> str:
    url = os.environ.get("KOPIR_TEST_POSTGRES_URL")
    if not url:
        pytest.fail("KOPIR_TEST_POSTGRES_URL is not set: start PostgreSQL with "
                    "`scripts/services.sh start` and `eval \"$(scripts/services.sh env)\"` "
                    "(make test does both)")
    return url


@pytest.fixture
def postgres_databases() -> Iterator[Callable[[], str]]:
    """A factory of fresh, empty PostgreSQL databases; all dropped after the test."""
    import psycopg

    admin = postgres_admin_url()
    base = admin.rsplit("/", 1)[0]
    names: list[str] = []

    def create() -> str:
        name = f"kopir_t_{uuid.uuid4().hex[:12]}"
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
        except psycopg.OperationalError as error:
            pytest.fail(f"PostgreSQL at {admin} is not reachable: {error}")
        names.append(name)
        return f"{base}/{name}"

    yield create
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def postgres_database(postgres_databases: Callable[[], str]) -> str:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    return postgres_databases()


BACKENDS = ("memory", "sqlite", "postgres")
FAST = Path(__file__).parent / "unit"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses `settings` runs on each backend it allows."""
    if "settings" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        metafunc.parametrize("settings", marker.args if marker else BACKENDS, indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fast tier: unit tests, and every test body in its in-memory variant."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if FAST in item.path.parents or (callspec and callspec.params.get("settings") == "memory"):
            item.add_marker(pytest.mark.fast)


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh store on the backend of this run of the test."""
    if request.param == "memory":
        return Settings(database_url=MEMORY, poll_interval=0.02)
    if request.param == "sqlite":
        return Settings(database_url=f"sqlite:///{tmp_path}/kopir.db", poll_interval=0.02)
    url = request.getfixturevalue("postgres_database")
    return Settings(database_url=url, poll_interval=0.02)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/kopir.db", poll_interval=0.02)


@dataclass
class World:
    """A small school world: two schools, staff of each role, a clock that moves on demand."""

    rt: bootstrap.Runtime
    clock: clock.ManualClock
    teacher: Actor
    other_teacher: Actor
    psychologist: Actor
    supervisor: Actor
    auditor: Actor
    admin: Actor

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return self.rt.app

    def later(self, **delta: float) -> datetime:
        self.clock.advance(timedelta(**delta))
        return self.clock.now()

    def project(self) -> int:
        return self.rt.runner.process_available()


def make_world(config: Settings) -> World:
    manual = clock.ManualClock(START)
    rt = bootstrap.build(config, clock_=manual)
    rt.app.register_school(SYSTEM, "S1", "School One", "Astana")
    rt.app.register_school(SYSTEM, "S2", "School Two", "Almaty")
    return World(
        rt=rt, clock=manual,
        teacher=Actor("t.s1", Role.TEACHER, frozenset({"S1"})),
        other_teacher=Actor("t.s2", Role.TEACHER, frozenset({"S2"})),
        psychologist=Actor("p.s1", Role.PSYCHOLOGIST, frozenset({"S1"})),
        supervisor=Actor("sup", Role.SUPERVISOR, frozenset({"S1", "S2"})),
        auditor=Actor("aud", Role.AUDITOR, frozenset({"*"})),
        admin=Actor("adm", Role.ADMIN, frozenset({"*"})),
    )


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    w = make_world(settings)
    yield w
    w.rt.close()
    w.rt.view.datastore.engine.dispose()  # type: ignore[union-attr]


@pytest.fixture
def sqlite_world(sqlite_settings: Settings) -> Iterator[World]:
    w = make_world(sqlite_settings)
    yield w
    w.rt.close()


@pytest.fixture
def encrypted_world(settings: Settings) -> Iterator[World]:
    """A world whose store encrypts with per-child keys under a fresh master key."""
    import base64
    import os

    key = base64.b64encode(os.urandom(32)).decode()
    w = make_world(settings.model_copy(update={"cipher_key": key}))
    yield w
    w.rt.close()
    w.rt.view.datastore.engine.dispose()  # type: ignore[union-attr]
