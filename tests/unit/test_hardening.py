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
        assert "components.html" not in text, path
        if path.name == "local_time.py":
            continue  # the one fixed script, checked below
        assert not re.search(r"\.html\(", text), path
        assert "unsafe_allow_javascript" not in text, path


def test_the_one_script_of_ours_carries_only_a_locale_from_a_fixed_table():
    # The calendar's locale is set by a script of ours: nothing a user typed goes into it,
    # only one of the fixed browser locales, as a JSON string.
    from ui import local_time
    from ui.i18n import BROWSER_LOCALES

    text = (ROOT / "ui" / "local_time.py").read_text()
    assert text.count(".html(") == 1
    assert "SCRIPT.format(locale=json.dumps(locale))" in text
    assert "locale = BROWSER_LOCALES.get(current_language(), BROWSER_LOCALES[\"en\"])" in text
    assert all(re.fullmatch(r"[a-z]{2}-[A-Z]{2}-u-fw-mon", v) for v in BROWSER_LOCALES.values())
    assert local_time.SCRIPT.count("{locale}") == 1


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
