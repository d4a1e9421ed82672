"""A real `kopir serve` on localhost over a seeded SQLite store, and Debian's Chromium
driven by Playwright. Nothing is mocked: the browser talks to the server over HTTP and
WebSocket, and the server runs the projections and the escalation engine in-process.

The demo is seeded once (`seeded_demo`); every served demo starts from a copy of its
folder. The modules of this package share one served demo (`shared_demo`: its own folder,
mailbox and server) and one Chromium; a module that needs a demo nobody else has touched
(it runs `make demo` again, writes what other modules would see, or restarts the server)
says so with `FRESH_DEMO = True` and gets its own copy and server. The `server`, `folder`
and `mailbox` fixtures are those of the module's demo, shared or fresh. A module that
writes to the shared demo writes about its own children, or asserts relative to what was
there before, so that the modules pass in any order.

The demos live in memory (/dev/shm, or KOPIR_E2E_TMP) where the machine has it: on a busy
disk, SQLite's syncs made seeding one demo take minutes instead of seconds."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.mail import Mailbox, smtp_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KOPIR_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("KOPIR_SCREENSHOTS", ROOT / "docs" / "screenshots"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
KOPIR = [sys.executable, "-m", "kopir.cli"]
# The shared server's own clock runs in UTC, as on most hosts (test_time_browser relies on
# it: local time must come from the browser, not from the server).
UTC_CLOCK = {"TZ": "UTC"}
NOT_INHERITED = ("KOPIR_TIMEZONE", "KOPIR_SCHOOL_TIMEZONES")
MEMORY = Path(os.environ.get("KOPIR_E2E_TMP", "/dev/shm"))


@dataclass(frozen=True)
class Demo:
    url: str
    folder: Path
    mailbox: tuple[Mailbox, int]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_env(folder: Path, smtp_port: int | None = None) -> dict[str, str]:
    env = {**os.environ, "KOPIR_DATABASE_URL": f"sqlite:///{folder}/kopir.db",
           "KOPIR_LANGUAGE": "en", "KOPIR_VIEWS_URL": ""}
    if smtp_port is not None:
        env.update({"KOPIR_SMTP_HOST": "127.0.0.1", "KOPIR_SMTP_PORT": str(smtp_port),
                    "KOPIR_SMTP_TLS": "none"})
    return env


def copy_of(template: Path, folder: Path) -> Path:
    """`folder`, holding the seeded demo: the stores and the keys beside them."""
    shutil.copytree(template, folder, dirs_exist_ok=True)
    return folder


@contextmanager
def served(folder: Path, smtp_port: int, **env: str) -> Iterator[str]:
    """`kopir serve` over the demo in `folder`, until the block ends; its address."""
    environment = {**demo_env(folder, smtp_port), **env}
    for name in NOT_INHERITED if env.get("TZ") else ():
        environment.pop(name, None)
    port = free_port()
    log = open(folder / "serve.log", "w")
    process = subprocess.Popen([*KOPIR, "serve", "--port", str(port)], env=environment,
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"kopir serve did not start: {(folder / 'serve.log').read_text()}")
            time.sleep(0.3)
        yield url
        process.terminate()
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()


@pytest.fixture(scope="package")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Path]]:
    """New folders for the demos, in memory where the machine has it (removed at the end)."""
    if not (MEMORY.is_dir() and os.access(MEMORY, os.W_OK)) or \
            shutil.disk_usage(MEMORY).free < 512 * 2**20:  # room for the demos, with a margin
        yield tmp_path_factory.mktemp
        return
    root = Path(tempfile.mkdtemp(prefix="kopir-e2e-", dir=MEMORY))
    yield lambda name: Path(tempfile.mkdtemp(prefix=f"{name}-", dir=root))
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="package")
def seeded_demo(scratch: Callable[[str], Path]) -> Path:
    """The demo, seeded once: 12 children, seed 3, its history up to today."""
    template = scratch("seeded")
    done = subprocess.run([*KOPIR, "demo", "--children", "12", "--seed", "3", "--until",
                           str(date.today())], env=demo_env(template), cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"kopir demo failed: {done.stderr[-3000:]}")
    return template


@pytest.fixture(scope="package")
def shared_demo(seeded_demo: Path, scratch: Callable[[str], Path]) -> Iterator[Demo]:
    """One served demo for every module of the package that does not ask for its own."""
    folder = copy_of(seeded_demo, scratch("shared"))
    with smtp_server() as mailbox, served(folder, mailbox[1], **UTC_CLOCK) as url:
        yield Demo(url, folder, mailbox)


@pytest.fixture(scope="module")
def demo(request: pytest.FixtureRequest, seeded_demo: Path,
         scratch: Callable[[str], Path]) -> Iterator[Demo]:
    """The module's demo: the shared one, or a fresh copy served for it alone."""
    if not getattr(request.module, "FRESH_DEMO", False):
        yield request.getfixturevalue("shared_demo")
        return
    folder = copy_of(seeded_demo, scratch(request.module.__name__.rsplit(".", 1)[-1]))
    with ExitStack() as stack:
        mailbox = stack.enter_context(smtp_server())
        yield Demo(stack.enter_context(served(folder, mailbox[1])), folder, mailbox)


@pytest.fixture(scope="module")
def folder(demo: Demo) -> Path:
    return demo.folder


@pytest.fixture(scope="module")
def mailbox(demo: Demo) -> tuple[Mailbox, int]:
    return demo.mailbox


@pytest.fixture(scope="module")
def server(demo: Demo) -> str:
    return demo.url


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """One Chromium for the package; each test opens its own pages and contexts."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium` "
                    "(.ci/run does it), or set KOPIR_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
