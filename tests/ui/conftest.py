"""AppTest fixtures: a seeded SQLite store and a fresh app runtime per test module."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from infrastructure.settings import settings
from kopir import bootstrap, cli
from ui import services

APP = str(Path(__file__).resolve().parents[2] / "kopir" / "web.py")


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('ui')}/kopir.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("KOPIR_DATABASE_URL", url)
    mp.setenv("KOPIR_LANGUAGE", "en")
    settings.cache_clear()
    assert cli.main(["demo", "--children", "10", "--seed", "2",
                     "--until", str(date.today())]) == 0
    st.cache_resource.clear()
    services.provide(bootstrap.build)  # pages run alone get the runtime kopir/web.py gives
    yield url
    st.cache_resource.clear()
    settings.cache_clear()
    mp.undo()


@pytest.fixture
def app_test(seeded_store: str):  # type: ignore[no-untyped-def]
    def start(user: str | None = None, language: str = "en") -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        at.session_state["language"] = language
        if user is not None:
            from ui import services

            at.session_state["actor"] = services._runtime().app.actor_for(user)
        return at.run()

    return start
