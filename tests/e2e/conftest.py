"""A real `kopir serve` on localhost over a seeded SQLite store, and Debian's Chromium
driven by Playwright. Nothing is mocked: the browser talks to the server over HTTP and
WebSocket, and the server runs the projections and the escalation engine in-process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

from tests.mail import Mailbox, smtp_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KOPIR_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("KOPIR_SCREENSHOTS", ROOT / "docs" / "screenshots"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture(scope="module")
def server(folder: Path, mailbox: tuple[Mailbox, int]) -> Iterator[str]:
    env = {**os.environ, "KOPIR_DATABASE_URL": f"sqlite:///{folder}/kopir.db",
           "KOPIR_LANGUAGE": "en", "KOPIR_VIEWS_URL": "", "KOPIR_SMTP_HOST": "127.0.0.1",
           "KOPIR_SMTP_PORT": str(mailbox[1]), "KOPIR_SMTP_TLS": "none"}
    kopir = [sys.executable, "-m", "kopir.cli"]
    subprocess.run([*kopir, "demo", "--children", "12", "--seed", "3", "--until",
                    str(date.today())], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    log = open(folder / "serve.log", "w")
    process = subprocess.Popen([*kopir, "serve", "--port", str(port)], env=env, cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"kopir serve did not start: {(folder / 'serve.log').read_text()}")
        time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium` "
                    "(.ci/run does it), or set KOPIR_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
