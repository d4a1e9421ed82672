"""A SQLite store seeded by `kopir demo` for the tests of one module, with the
environment pointing at it while it is in use."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from infrastructure.settings import settings
from kopir import cli


@contextmanager
def demo_store(path: Path, *demo_arguments: str) -> Iterator[Path]:
    patch = pytest.MonkeyPatch()
    patch.setenv("KOPIR_DATABASE_URL", f"sqlite:///{path}/kopir.db")
    settings.cache_clear()
    try:
        assert cli.main(["demo", *demo_arguments]) == 0
        yield path
    finally:
        settings.cache_clear()
        patch.undo()
