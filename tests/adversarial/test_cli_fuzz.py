"""Finding 15: the command line speaks Python. Every invocation here, on good and broken
stores, with garbage arguments and bad environment values, must answer like a tool for
people: exit 0, or exit non-zero with exactly one line `kopir: …` that names no Python
exception and shows no traceback. The long-running followers are run as processes: on a
store they cannot read they exit non-zero in one sentence instead of living on.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from domain.rules.loader import RULES_FILE
from infrastructure.keyring import new_key_file
from infrastructure.settings import settings
from kopir import bootstrap, cli
from kopir.cli.parser import OPERATOR

PYTHON_SPEAK = re.compile(
    r"Traceback|\b[A-Z]\w*(Error|Exception|Warning|NotRegistered)\b|sqlalchemy|psycopg|"
    r"pydantic|sqlite3\.|File \"|line \d+, in |<class |errors\.pydantic\.dev")
PROGRESS = re.compile(r"^\w+ \[[#.]+\] +[\d.]+% ")  # progress bars on stderr are fine
CODE = "{code}"  # stands for a child of the demo store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A small seeded store (with its master key and signing key beside it) and a code."""
    folder = tmp_path_factory.mktemp("fuzz-demo")
    patch = pytest.MonkeyPatch()
    patch.setenv("KOPIR_DATABASE_URL", f"sqlite:///{folder}/kopir.db")
    settings.cache_clear()
    try:
        assert cli.main(["demo", "--children", "3", "--seed", "4", "--until", "2026-04-30"]) == 0
        rt = bootstrap.build(settings())
        code = rt.staff().children(OPERATOR)[0]["code"]
        rt.close()
    finally:
        settings.cache_clear()
        patch.undo()
    yield folder, code


class Runs:
    """Invokes `kopir` in-process and keeps what each invocation did wrong."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                 code: str) -> None:
        self.monkeypatch, self.capsys, self.code = monkeypatch, capsys, code
        self.count = 0
        self.wrong: list[str] = []
        self.said = ""  # what the last invocation wrote to stderr

    def __call__(self, argv: list[str], env: dict[str, str], ok: bool | None = None) -> int:
        argv = [self.code if a == CODE else a for a in argv]
        with self.monkeypatch.context() as patch:
            for name in [n for n in os.environ if n.startswith("KOPIR_")]:
                patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
            settings.cache_clear()
            self.capsys.readouterr()
            try:
                code = cli.main(argv)
            except BaseException as error:  # noqa: BLE001 - escaping main is the finding
                code = -1
                self.wrong.append(f"{argv} {env}: escaped main: {type(error).__name__}")
            finally:
                settings.cache_clear()
            out = self.capsys.readouterr()
        self.count += 1
        self.said = out.err
        self.judge(argv, env, code, out.out, out.err, ok)
        return code

    def judge(self, argv: list[str], env: dict[str, str], code: int, out: str, err: str,
              ok: bool | None) -> None:
        where = f"{' '.join(argv)[:80]!r} {env}"
        lines = [line for line in err.splitlines() if line.strip() and not PROGRESS.match(line)]
        if code != 0:
            if len(lines) != 1 or not lines[0].startswith("kopir: "):
                self.wrong.append(f"{where}: exit {code} with {len(lines)} lines: {err[:300]!r} "
                                  f"(out {out[-200:]!r})")
            elif len(lines[0]) < 20:
                self.wrong.append(f"{where}: not a sentence: {lines[0]!r}")
        if PYTHON_SPEAK.search(err) or PYTHON_SPEAK.search(out):
            self.wrong.append(f"{where}: speaks Python: {(err or out)[:300]!r}")
        if ok is True and code != 0:
            self.wrong.append(f"{where}: expected to succeed, exit {code}: {err[:200]!r}")
        if ok is False and code == 0:
            self.wrong.append(f"{where}: expected to be refused, exit 0")


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         demo: tuple[Path, str], tmp_path: Path) -> Runs:
    monkeypatch.chdir(tmp_path)  # whatever a command leaves in var/ stays in the test's folder
    return Runs(monkeypatch, capsys, demo[1])


def copy_of(demo: Path, into: Path) -> Path:
    into.mkdir()
    for item in demo.iterdir():
        if item.is_file():
            shutil.copy2(item, into / item.name)
    return into


def sqlite(folder: Path) -> dict[str, str]:
    return {"KOPIR_DATABASE_URL": f"sqlite:///{folder}/kopir.db"}


def stores(demo: Path, tmp: Path) -> dict[str, tuple[dict[str, str], bool | None]]:
    """Stores of every kind an operator may point Köpir at, and whether reads succeed."""
    made: dict[str, tuple[dict[str, str], bool | None]] = {}
    good = copy_of(demo, tmp / "good")
    made["good"] = sqlite(good), None

    read_only = copy_of(demo, tmp / "read-only")
    for item in read_only.iterdir():
        item.chmod(stat.S_IRUSR | stat.S_IRGRP)
    made["read-only"] = {**sqlite(read_only), "KOPIR_READ_ONLY": "1"}, None

    no_key = copy_of(demo, tmp / "no-key")
    (no_key / "master.key").unlink()
    made["no master key"] = sqlite(no_key), False

    wrong_key = copy_of(demo, tmp / "wrong-key")
    (wrong_key / "master.key").unlink()
    new_key_file(wrong_key / "master.key")
    made["wrong master key"] = sqlite(wrong_key), False

    corrupt = copy_of(demo, tmp / "corrupt")
    data = bytearray((corrupt / "kopir.db").read_bytes())
    for at in range(100, len(data), 997):
        data[at] ^= 0x5A
    (corrupt / "kopir.db").write_bytes(bytes(data))
    made["corrupt"] = sqlite(corrupt), False

    truncated = copy_of(demo, tmp / "truncated")
    data = (truncated / "kopir.db").read_bytes()
    (truncated / "kopir.db").write_bytes(data[: len(data) // 3])
    made["truncated"] = sqlite(truncated), False

    (tmp / "folder" / "kopir.db").mkdir(parents=True)
    made["a folder"] = sqlite(tmp / "folder"), False

    (tmp / "text").mkdir()
    (tmp / "text" / "kopir.db").write_text("these are the minutes of the parents' meeting\n" * 50)
    made["a text file"] = sqlite(tmp / "text"), False

    (tmp / "plain").write_text("not a folder")
    made["under a file"] = {"KOPIR_DATABASE_URL": f"sqlite:///{tmp}/plain/kopir.db"}, False
    made["refused postgres"] = {"KOPIR_DATABASE_URL": "postgresql://kopir@127.0.0.1:9/kopir"}, \
        False
    made["another database"] = {"KOPIR_DATABASE_URL": "mysql://kopir@127.0.0.1/kopir"}, False
    made["not an address"] = {"KOPIR_DATABASE_URL": "the school's server"}, False
    return made


# Commands an operator runs on a store; `None` lets the store decide the outcome.
STORE_COMMANDS: list[list[str]] = [
    ["children"], ["children", "--json"], ["children", "--school", "NOPE"],
    ["chronology", CODE], ["chronology", CODE, "--json"],
    ["chronology", CODE, "--as-of", "2025-01-01T00:00:00+05:00"], ["chronology", "NOSUCH"],
    ["verify-log"], ["verify-log", "--json"], ["integrity", CODE], ["integrity"],
    ["rules", "backtest", str(RULES_FILE), "--from", "2025-01-01T00:00:00+05:00"],
    ["erase", CODE, "--reason", "a test", "--as", "nobody"],
    ["demo", "--children", "2"],
    ["rebuild", "--verify"], ["ledger", "checkpoint"],
    ["concerns"], ["concerns", "--json"], ["concerns", "--school", "NOPE"],
]

# Reads that must succeed on a good store and on a read-only one.
READS_OK = [["children"], ["children", "--json"], ["verify-log"], ["integrity", CODE],
            ["integrity"], ["concerns"], ["concerns", "--json"]]


def test_every_store_answers_in_one_sentence(demo: tuple[Path, str], tmp_path: Path,
                                             runs: Runs) -> None:
    for name, (env, reads) in stores(demo[0], tmp_path).items():
        for argv in STORE_COMMANDS:
            expected = reads
            if name in ("good", "read-only") and argv in READS_OK:
                expected = True
            if argv[0] in ("erase", "demo") or "NOSUCH" in argv or "NOPE" in argv:
                expected = False  # refused on every store
            if argv[0] in ("children", "concerns") and "NOPE" not in argv \
                    and "KOPIR_DATABASE_URL" in env \
                    and "sqlite" in env["KOPIR_DATABASE_URL"] and "/folder" not in str(env) \
                    and "/text" not in str(env) and "/plain" not in str(env):
                expected = None  # the list comes from the read models, which are intact
            if name == "corrupt" and argv[0] == "chronology" and "NOSUCH" not in argv:
                # The child loads from its latest snapshot, which the damage may have
                # missed, and the entries come from the intact read models (integrity
                # and verify-log, which read every row, refuse this store).
                expected = None
            runs(argv, env, ok=expected)
    assert runs.count >= 12 * len(STORE_COMMANDS)
    assert not runs.wrong, "\n".join(runs.wrong)


def test_missing_and_wrong_keys_are_named(demo: tuple[Path, str], tmp_path: Path,
                                          runs: Runs) -> None:
    made = stores(demo[0], tmp_path)
    runs(["chronology", CODE], made["no master key"][0], ok=False)
    assert "master key" in runs.said and "KOPIR_CIPHER_KEY" in runs.said
    runs(["chronology", CODE], made["wrong master key"][0], ok=False)
    assert "master key" in runs.said and "not the key" in runs.said
    assert not runs.wrong, "\n".join(runs.wrong)


def huge(n: int) -> str:
    return "ж" * n


ARGUMENTS: list[list[str]] = [
    [], ["nonsense"], ["--nonsense"], [huge(20_000)], ["\u202echildren"], ["children\udc80"],
    ["children", "--school"], ["children", "--school", huge(10_000)],
    ["children", "--school", "\u202eS01\u202c"], ["children", "--school", "S01\udc80"],
    ["children", "--json", "--json", "extra"],
    ["chronology"], ["chronology", huge(10_000)], ["chronology", "\u202eKZ-0001"],
    ["chronology", "KZ\udc80"], ["chronology", "", "--json"], ["chronology", "'; DROP TABLE"],
    ["chronology", CODE, "--as-of"], ["chronology", CODE, "--as-of", "yesterday"],
    ["chronology", CODE, "--as-of", "0001-01-01T03:00+14:00"],
    ["chronology", CODE, "--as-of", "9999-12-31T23:59:59"],
    ["chronology", CODE, "--as-of", "2026-02-30"], ["chronology", CODE, "--as-of", huge(5000)],
    ["demo", "--children", "0"], ["demo", "--children", "-5"], ["demo", "--children", "1e9"],
    ["demo", "--children", "99999999999999999999"], ["demo", "--children", "два"],
    ["demo", "--until", "2099-01-01"], ["demo", "--until", "9999-12-31"],
    ["demo", "--until", "1991-01-01"], ["demo", "--until", "0001-01-01"],
    ["demo", "--until", "2026-13-01"], ["demo", "--seed", "x"], ["demo", "--reset", "--bogus"],
    ["generate", "--events", "0"], ["generate", "--preset", "galactic"],
    ["generate", "--children", "10", "--schools", "10", "--events", "5"],
    ["rules"], ["rules", "check"], ["rules", "check", "/no/such/rules.toml"],
    ["rules", "check", "/"], ["rules", "check", "/bin/sh"], ["rules", "check", huge(5000)],
    ["rules", "backtest", str(RULES_FILE), "--from", "2026-01-01", "--to", "2020-01-01"],
    ["rules", "backtest", str(RULES_FILE), "--from", "garbage"],
    ["verify-log", "--file", "/no/such/export"], ["verify-log", "--file", "/"],
    ["verify-log", "--file", "/bin/sh"], ["verify-log", "--trust", "zz"],
    ["verify-log", "--expect-head", "garbage"], ["verify-log", "--expect-head", "5:zz"],
    ["verify-log", "--expect-head", "-1:" + "a" * 64],
    ["erase", CODE], ["erase", CODE, "--reason", "x"], ["erase", "--as", "admin"],
    ["serve", "--port", "70000"], ["serve", "--port", "abc"], ["serve", "--port", "0"],
    ["ledger"], ["ledger", "bogus"], ["rebuild", "--bogus"], ["dlq"], ["dlq", "bogus"],
    ["integrity", CODE, "extra"], ["integrity", "NOSUCH"], ["integrity", huge(3000)],
    ["engine", "--bogus"], ["project", "extra"],
    ["import"], ["import", "rows.csv"], ["import", "/no/such/rows.csv", "--as", "admin"],
    ["import", "/", "--as", "admin"], ["import", "/bin/sh", "--as", "admin"],
    ["import", huge(5000) + ".csv", "--as", "admin"], ["import", "/etc", "--as", "\u202e"],
]


def test_garbage_arguments(demo: tuple[Path, str], tmp_path: Path, runs: Runs) -> None:
    env = sqlite(copy_of(demo[0], tmp_path / "store"))
    for argv in ARGUMENTS:
        runs(argv, env, ok=False)
    assert runs.count == len(ARGUMENTS) >= 60
    assert not runs.wrong, "\n".join(runs.wrong)


BAD_ENVIRONMENTS: list[dict[str, str]] = [
    {"KOPIR_BATCH_SIZE": "0"}, {"KOPIR_BATCH_SIZE": "many"}, {"KOPIR_BATCH_SIZE": "-3"},
    {"KOPIR_POLL_INTERVAL": "-1"}, {"KOPIR_POLL_INTERVAL": "soon"},
    {"KOPIR_AUTH": "magic"}, {"KOPIR_KAFKA_PARTITIONS": "0"},
    {"KOPIR_KAFKA_PARTITIONS": "many"}, {"KOPIR_KAFKA_SESSION_TIMEOUT_MS": "5"},
    {"KOPIR_DEBUG": "perhaps"}, {"KOPIR_READ_ONLY": "perhaps"},
    {"KOPIR_EMBEDDED_PROJECTIONS": "sometimes"},
    {"KOPIR_CIPHER_KEY": "not base64 at all"}, {"KOPIR_CIPHER_KEY": "c2hvcnQ="},
    {"KOPIR_CIPHER_KEY_FILE": "/no/such/master.key"}, {"KOPIR_CIPHER_KEY_FILE": "/"},
    {"KOPIR_CIPHER_KEY_FILE": "/bin/sh"},
    {"KOPIR_LEDGER_TRUSTED_KEYS": "zz"}, {"KOPIR_LEDGER_SIGNING_KEY_FILE": "/bin/sh"},
    {"KOPIR_CHECKPOINT_EVERY": "0"}, {"KOPIR_CHECKPOINT_MINUTES": "-5"},
    {"KOPIR_SESSION_MINUTES": "0"}, {"KOPIR_MONITOR_REFRESH_SECONDS": "0"},
    {"KOPIR_VIEWS_URL": "the other server"}, {"KOPIR_VIEWS_URL": "mysql://x@127.0.0.1/y"},
]


def test_bad_environment_values(demo: tuple[Path, str], tmp_path: Path, runs: Runs) -> None:
    env = sqlite(copy_of(demo[0], tmp_path / "store"))
    for bad in BAD_ENVIRONMENTS:
        for argv in (["children"], ["verify-log"]):
            runs(argv, {**env, **bad}, ok=None)
    assert runs.count == 2 * len(BAD_ENVIRONMENTS)
    assert not runs.wrong, "\n".join(runs.wrong)
    # A value out of range is refused by name, not run with (a batch of 0 projects nothing).
    runs.capsys.readouterr()
    assert runs(["children"], {**env, "KOPIR_BATCH_SIZE": "0"}) == 1


@pytest.mark.parametrize("command", ["project", "engine", "checkpointer", "notify"])
@pytest.mark.parametrize("store", ["no master key", "wrong master key", "corrupt"])
def test_followers_that_cannot_go_on_exit_in_one_sentence(
        demo: tuple[Path, str], tmp_path: Path, command: str, store: str) -> None:
    env, _ = stores(demo[0], tmp_path)[store]
    folder = Path(env["KOPIR_DATABASE_URL"][len("sqlite:///"):]).parent
    (folder / "kopir-views.db").unlink()  # so the projection has the whole log to read
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KOPIR_")}
    environment.update(env)
    done = subprocess.run([sys.executable, "-m", "kopir.cli", command], env=environment,
                          capture_output=True, text=True, timeout=60)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0
    assert len(lines) == 1 and lines[0].startswith("kopir: "), done.stderr[-1000:]
    assert not PYTHON_SPEAK.search(done.stderr), done.stderr[-1000:]
