"""The auditor's pages in a real browser: one visit to a child's event log is one read in
the access log, however often the page reruns; the log reads as sentences (no JSON, no
identifiers); the verified ledger counts its checkpoints in the right plural and names
its key by a fingerprint; the access log names fields in words.

The demo is shared with other modules, which may have read the same child: the reads of
this visit are counted on top of those the access log held before it."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

PASSWORD = "kopir-demo"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# Streamlit saves a table through the browser's file picker when it has one; without it,
# as an ordinary download Playwright can read.
NO_FILE_PICKER = "delete window.showSaveFilePicker; window.showSaveFilePicker = undefined;"


@pytest.fixture(scope="module")
def auditor(browser, server):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.add_init_script(NO_FILE_PICKER)
    page.goto(server)
    page.get_by_label("User name").fill("auditor")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebar").wait_for()
    yield page
    page.close()


def go(page, title):  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title).wait_for()


def table(page, index: int = 0) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The rows of a table on the page, as the table's own CSV download gives them."""
    frame = page.get_by_test_id("stDataFrame").nth(index)
    frame.wait_for(timeout=90_000)  # a long log takes a while to lay out on a busy machine
    frame.hover()
    with page.expect_download() as download:
        frame.get_by_role("button", name="Download as CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    return list(csv.DictReader(io.StringIO(text)))


def reads_of(page, code: str, settle: float = 3.0) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The access log's rows for a child, once the log has taken in the latest reads."""
    time.sleep(settle)  # the access log is a read model, a moment behind the store
    go(page, "Access log")
    page.get_by_label("Child code").fill(code)
    page.get_by_label("Child code").press("Enter")
    page.get_by_text(re.compile(r"reads?, newest first")).wait_for()
    deadline = time.monotonic() + 30
    while True:  # every child's reads show until the page has rerun with the code
        rows = table(page)
        if all(row["Child code"] == code for row in rows) or time.monotonic() > deadline:
            return rows
        page.wait_for_timeout(500)


def reads_so_far(folder: Path, settle: float = 3.0) -> Counter[str]:
    """Per child, the reads the access log holds (the read model next to the store), once
    the reads of whoever came before have reached it."""
    time.sleep(settle)
    with sqlite3.connect(folder / "kopir-views.db") as db:
        return Counter(dict(db.execute(
            "SELECT child_code, count(*) FROM rm_access_log GROUP BY child_code")))


def test_one_visit_to_the_event_log_is_one_read_and_it_reads_in_words(auditor, folder):
    page = auditor
    before = reads_so_far(folder)
    go(page, "Event log")
    page.get_by_role("combobox", name="Child", exact=True).click()
    option = page.get_by_role("option").first
    code = option.inner_text().split(" ")[0].strip()
    option.click()
    page.get_by_text(re.compile(r"stored events, oldest first")).wait_for()

    # The content column reads as sentences: no raw JSON, no identifiers.
    events = table(page)
    assert len(events) > 5
    contents = [row["Content"] for row in events]
    assert not [c for c in contents if "{" in c or UUID.search(c)], contents[:5]
    assert any(": " in c for c in contents)
    assert not [row["Recorded by"] for row in events if re.fullmatch(r"[a-z]+\.[a-z0-9-]+",
                                                                      row["Recorded by"])]

    # Reruns of the page: verifying the whole log (not a read of this child), and
    # showing one event as stored.
    page.get_by_role("button", name="Verify the whole log").click()
    verified = page.get_by_text(re.compile(r"The whole log verifies"))
    verified.wait_for(timeout=60_000)
    said = verified.inner_text()
    checkpoints = int(re.search(r"sealed by ([\d,]+) signed checkpoint", said).group(1)  # type: ignore[union-attr]
                      .replace(",", ""))
    assert f"{checkpoints} signed checkpoint{'' if checkpoints == 1 else 's'}." in said
    assert not re.search(r"\b[0-9a-f]{16}\b", said), said  # no raw key id
    assert re.search(r"fingerprints? (is|are) [0-9A-F]{4} [0-9A-F]{4}", said), said
    covered = re.search(r"([\d,]+) of ([\d,]+) events? (is|are) covered", said)
    assert covered, said
    if covered.group(1) != covered.group(2):
        assert "recorded after the last checkpoint" in said
        assert "checked against the hash chain" in said
    page.get_by_text("Show one event as stored").click()
    page.get_by_role("combobox", name="Event", exact=True).wait_for()

    # Exactly one read of the child for the whole visit (the newest), its fields in words.
    rows = reads_of(page, code)
    assert len(rows) == before[code] + 1, rows
    assert rows[0]["Purpose"] == "event log" and rows[0]["Viewed by"] == "auditor"
    fields = rows[0]["Fields shown"]
    assert "_" not in fields, fields
    assert "When it happened" in fields and "Recorded by" in fields, fields

    # Pressing "Verify integrity" is a deliberate read of its own: one more.
    go(page, "Event log")
    page.get_by_role("combobox", name="Child", exact=True).click()
    page.get_by_role("option", name=re.compile(code)).first.click()
    page.get_by_text(re.compile(r"stored events, oldest first")).wait_for()
    page.get_by_role("button", name="Verify integrity").click(timeout=90_000)
    page.get_by_text(re.compile(r"events read back intact")).wait_for(timeout=30_000)
    rows = reads_of(page, code)
    assert len(rows) == before[code] + 3, rows
    purposes = sorted(row["Purpose"] for row in rows[:3])  # newest first: this visit's
    assert purposes == ["event log", "event log", "integrity check"], purposes
