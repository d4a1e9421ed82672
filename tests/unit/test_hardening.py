"""Streamlit hardening that a reading of the code can prove: nothing a person typed is
rendered as HTML, XSRF protection and hidden error details are on, no secret is kept
in the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_page_renders_raw_html():
    sources = {p: p.read_text() for p in (ROOT / "ui").rglob("*.py")}
    assert sources
    for path, text in sources.items():
        assert "unsafe_allow_html" not in text, path
        assert not re.search(r"\bst\.html\(", text), path
        assert "components.html" not in text, path


def test_the_server_runs_with_xsrf_protection_and_without_error_details(monkeypatch):
    import os

    from kopir import cli

    seen: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda exe, argv: seen.append(argv))
    cli.main(["serve", "--port", "8599"])
    [argv] = seen
    options = dict(zip(argv[::2], argv[1::2], strict=False)) | \
        {argv[i]: argv[i + 1] for i in range(len(argv) - 1)}
    assert options["--server.enableXsrfProtection"] == "true"
    assert options["--client.showErrorDetails"] == "none"


def test_no_key_or_secret_is_tracked_by_git():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    assert tracked, "not a git checkout"
    assert not [p for p in tracked if p.endswith((".key", ".pem")) or "secrets.toml" in p]
