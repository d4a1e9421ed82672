"""The ministry analyst's page in a real browser, in Kazakh, Russian and English: figures
by region and term only, small numbers shown as "<5", and a CSV of the same suppressed
tables. Screenshots for the README (docs/screenshots/ministry-<language>.png)."""

from __future__ import annotations

import csv
import re
import sqlite3

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_browser import LANGUAGES, sign_in
from ui.i18n import translate

CODES = re.compile(r"\b[A-Z]{2,4}-[A-Z0-9]{1,8}\b")  # child and school codes


def below_the_region(folder) -> set[str]:  # type: ignore[no-untyped-def]
    """What must never reach the analyst: children's codes, schools' ids and names."""
    with sqlite3.connect(folder / "kopir-views.db") as db:
        words = {r[0] for r in db.execute("SELECT code FROM rm_children")}
        words |= {w for r in db.execute("SELECT school_id, name FROM rm_schools") for w in r}
    return {w for w in words if w}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_analyst_sees_only_suppressed_aggregates_in_each_language(browser, server, folder,
                                                                      language, tmp_path):
    # The analyst signs in and lands on the overview; the page speaks the chosen language.
    page = sign_in(browser, server, "analyst", height=2400)  # every table in the picture
    page.get_by_role("heading", name=translate("nav.ministry", "en")).wait_for()
    if language != "en":
        page.get_by_test_id("stSidebar").get_by_role("combobox").click()
        page.get_by_role("option", name=LANGUAGES[language]).click()
    title = translate("nav.ministry", language)
    page.get_by_role("heading", name=title).wait_for()
    page.get_by_role("heading", name=translate("ministry.incidents", language)).wait_for()
    page.wait_for_timeout(800)  # let the tables and charts finish drawing
    assert not page.get_by_test_id("stException").count()
    text = page.inner_text("body")
    assert translate("ministry.intro", language)[:40] in text
    private = below_the_region(folder)
    assert not [w for w in private if w in text]
    assert not CODES.search(text)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"ministry-{language}.png")
    # The export holds the same suppressed numbers: "<5" where a cell is small, never a
    # count under 5, nothing below the region.
    with page.expect_download() as download:
        page.get_by_role("button", name=translate("ministry.download", language)).click()
    path = tmp_path / "ministry.csv"
    download.value.save_as(path)
    content = path.read_text(encoding="utf-8")
    assert not [w for w in private if w in content]
    rows = list(csv.reader(content.splitlines()))[1:]
    assert rows and any(r[-1] == "<5" for r in rows)
    counts = [r[-1] for r in rows if r[1] != "wellbeing" and r[3] != "positive_per_child"]
    assert all(v == "<5" or float(v) >= 5 for v in counts)
    page.close()
