"""`kopir accounts add|disable|enable|reset|set-role` on a SQLite store: each is an event,
each answers in one sentence, a refusal is one line and a non-zero exit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from domain.access import Role
from domain.errors import PasswordChangeRequired, UnknownUser
from infrastructure.settings import settings
from kopir import bootstrap, cli


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path}/kopir.db"
    monkeypatch.setenv("KOPIR_DATABASE_URL", url)
    settings.cache_clear()
    yield url
    settings.cache_clear()


def kopir(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_time_password(sentence: str) -> str:
    found = re.search(r"password (?:of \S+ )?is (\S+?)[: ]", sentence)
    assert found, sentence
    return found.group(1)


def test_an_account_made_and_managed_from_the_command_line(store, capsys):
    # Added with a one-time password, printed once, in one sentence.
    code, out, _ = kopir(capsys, "accounts", "add", "psy.new", "--name", "Dana New",
                         "--role", "psychologist", "--schools", "AST-12,AST-45")
    assert code == 0 and len(out.strip().splitlines()) == 1
    first = one_time_password(out)
    app = bootstrap.application()
    try:
        with pytest.raises(PasswordChangeRequired):
            app.log_in("psy.new", first)
        # Reset: a new one-time password; the first no longer works.
        code, out, _ = kopir(capsys, "accounts", "reset", "psy.new")
        second = one_time_password(out)
        assert code == 0 and second != first
        with pytest.raises(UnknownUser):
            app.log_in("psy.new", first)
        actor = app.change_password("psy.new", second, "my own password")
        assert actor.role == Role.PSYCHOLOGIST and actor.school_ids == {"AST-12", "AST-45"}
        # A new role and schools, from the next sign-in.
        code, out, _ = kopir(capsys, "accounts", "set-role", "psy.new", "--role", "supervisor",
                             "--schools", "AST-12")
        assert code == 0 and "supervisor" in out
        assert app.log_in("psy.new", "my own password").role == Role.SUPERVISOR
        # Disabled: no sign-in; enabled: again.
        assert kopir(capsys, "accounts", "disable", "psy.new")[0] == 0
        with pytest.raises(UnknownUser):
            app.log_in("psy.new", "my own password")
        assert kopir(capsys, "accounts", "enable", "psy.new")[0] == 0
        assert app.log_in("psy.new", "my own password").user_id == "psy.new"
    finally:
        app.close()


def test_the_author_can_be_an_administrators_own_account_and_only_that(store, capsys):
    out = kopir(capsys, "accounts", "add", "boss", "--name", "Boss", "--role", "admin",
                "--schools", "*")[1]
    assert one_time_password(out)
    kopir(capsys, "accounts", "add", "t.one", "--name", "T", "--role", "teacher",
          "--schools", "S1")
    code, _, err = kopir(capsys, "accounts", "disable", "t.one", "--by", "t.one")
    assert code == 1 and "Only administrators" in err
    code, _, err = kopir(capsys, "accounts", "disable", "boss", "--by", "boss")
    assert code == 1 and "your own account" in err
    assert kopir(capsys, "accounts", "disable", "t.one", "--by", "boss")[0] == 0
    app = bootstrap.application()
    try:
        events = list(app.events.get(app.account("t.one").id))
        assert events[-1].recorded_by == "boss"
    finally:
        app.close()


@pytest.mark.parametrize("args,message", [
    (["accounts", "disable", "nobody"], "Unknown user nobody"),
    (["accounts", "set-role", "nobody", "--role", "wizard", "--schools", "S1"], "invalid choice"),
    (["accounts", "set-role", "nobody", "--role", "teacher", "--schools", "S 1"],
     "choose the schools"),
    (["accounts", "add", "x y", "--name", "X", "--role", "teacher", "--schools", "S1"],
     "a login name is"),
])
def test_a_refusal_is_one_line_and_never_a_traceback(store, args, message):
    result = subprocess.run([sys.executable, "-m", "kopir.cli", *args], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
