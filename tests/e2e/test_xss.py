"""Script injection: a corpus of XSS payloads goes into every free-text field (typed into
the forms in the browser, and recorded through the application for the fields forms
fill less often), then every page of every role is opened in Chromium. No payload may
run: each one would set `window.__xss` or open a dialog."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from tests.e2e.test_browser import ROLES, click_until, go, sign_in

ROOT = Path(__file__).resolve().parents[2]
# A demo of its own: the payloads go into every page, and their child sorts first in every
# list of children.
FRESH_DEMO = True
CORPUS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "<svg onload=\"window.__xss=1\"></svg>",
    "\"><script>window.__xss=1</script>",
    "'><img src=x onerror=window.__xss=1>",
    "<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
    "[click me](javascript:window.__xss=1)",
    "![x](javascript:window.__xss=1)",
    "<a href=\"javascript:window.__xss=1\">x</a>",
    "<details open ontoggle=\"window.__xss=1\">",
    "<body onload=window.__xss=1>",
    "javascript:window.__xss=1",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "<style>@import 'javascript:window.__xss=1';</style>",
    ":red[<img src=x onerror=window.__xss=1>]",
    "$$\\href{javascript:window.__xss=1}{x}$$",
    "<video><source onerror=\"window.__xss=1\"></video>",
    "<input autofocus onfocus=\"window.__xss=1\">",
]
TEXT = " ".join(CORPUS)
SHORT = " ".join(CORPUS[:4])  # names and origin are short fields (200 characters)
CODE = "AAA-0001"  # sorts first in every list of children
PAGES = {
    "teacher": ["Record a conflict", "Record a peer interaction", "Enrol a child",
                "Correct an entry", "Chronology"],
    "psychologist": ["Record a counselling session", "Raise a concern", "Chronology",
                     "Live monitor", "Caseload", "Children by risk", "Support plan",
                     "Family work"],
    "supervisor": ["Live monitor", "Caseload", "Chronology", "Children by risk"],
    "auditor": ["Replay a record", "Event log and export", "Access log"],
    "admin": ["Schools and accounts"],
}


def record_payloads(folder: Path) -> None:
    """The fields the forms rarely fill, through the application in its own process."""
    script = f"""
from domain.commands import *
from domain.vocabulary import *
from kopir import bootstrap
from domain.concern import concern_id
from domain.model import child_id
from datetime import timedelta
rt = bootstrap.build(); app = rt.app
psych = app.actor_for("psych.ast-12"); teacher = app.actor_for("teacher.ast-12")
now = app.clock.now() - timedelta(hours=2)
app.enrol_child(psych, Enrolment({CODE!r}, "AST-12", 5, now.year - 11, now,
    support_needs={TEXT!r}, returned_from={SHORT!r}, personal_name={SHORT!r}))
entry = app.record_peer_incident(teacher, {CODE!r}, PeerIncidentReport(now, PeerIncidentKind.BULLYING,
    {TEXT!r}, severity=2, action_taken={TEXT!r}))
app.record_counselling_session(psych, {CODE!r}, CounsellingSession(now, SessionType.INDIVIDUAL,
    Attendance.ATTENDED, Wellbeing(3, 3, 3, 3), summary={TEXT!r}, confidential_notes={TEXT!r}))
app.amend_entry(teacher, {CODE!r}, Correction(entry, {TEXT!r}, {{"description": {TEXT!r}}}))
app.raise_concern(psych, {CODE!r}, Concern(now, Level.HIGH, {TEXT!r}))
concern = concern_id(str(child_id({CODE!r})))
app.acknowledge_concern(app.actor_for("supervisor.astana"), concern, {TEXT!r})
rt.runner.process_available()
"""
    env = {**os.environ, "KOPIR_DATABASE_URL": f"sqlite:///{folder}/kopir.db"}
    import subprocess

    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)


def pick_the_child(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing is preselected: choose the child with the payloads where a page asks."""
    page.wait_for_timeout(1000)  # the page has drawn its widgets
    picker = page.get_by_role("combobox", name="Child", exact=True)
    if picker.count():
        picker.first.click()
        page.get_by_role("option", name=re.compile(re.escape(CODE))).first.click()
        page.wait_for_timeout(500)


def no_script_ran(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(700)
    assert page.evaluate("window.__xss") is None, page.url


def test_no_typed_or_stored_payload_runs_on_any_page(browser, server, folder):
    # The detector works: the same payloads rendered as raw HTML do run in this browser.
    control = browser.new_page()
    control.set_content(f"<html><body>{CORPUS[1]}{CORPUS[2]}</body></html>")
    control.wait_for_function("window.__xss === 1", timeout=5_000)
    control.close()
    record_payloads(folder)
    # Typed into the forms' free-text fields, as a teacher and a psychologist would.
    teacher = sign_in(browser, server, ROLES["teacher"])
    typed_dialogs: list[str] = []
    teacher.on("dialog", lambda d: (typed_dialogs.append(d.message), d.dismiss()))
    for title, fields in (("Record a conflict", ["What happened", "What was done"]),
                          ("Record a peer interaction", ["What happened", "What was done"])):
        go(teacher, title)
        pick_the_child(teacher)
        for label in fields:
            teacher.get_by_label(label).fill(TEXT)
        teacher.get_by_role("button", name="Save").click()
        teacher.get_by_text("Recorded for").wait_for()
        no_script_ran(teacher)
    assert not typed_dialogs
    teacher.close()
    # Every page of every role, with the payloads on screen.
    for role, titles in PAGES.items():
        page = sign_in(browser, server, ROLES[role])
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for n, title in enumerate(titles):
            if n == 0:  # the role's landing page (an only page has no navigation)
                page.get_by_role("heading", name=title).wait_for()
            else:
                go(page, title)
            pick_the_child(page)
            no_script_ran(page)
            if title == "Live monitor":
                click_until(page.locator("[class*='st-key-open_']").first.get_by_role("button"),
                            page.get_by_text("Why?").first)
                no_script_ran(page)
            if title == "Chronology":
                with page.expect_download() as download:
                    page.get_by_role("button", name="Printable page").click()
                printed = Path(download.value.path()).read_text(encoding="utf-8")
                assert "<script>window" not in printed  # escaped, not markup
                viewer = browser.new_page()
                viewer.set_content(printed)
                no_script_ran(viewer)
                viewer.close()
        assert not dialogs, (role, dialogs)
        page.close()
