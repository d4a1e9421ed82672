"""Local time and localized widgets in a real browser in Asia/Almaty, against a server
whose own clock runs in UTC: a form opened at 20:12 in Almaty says 20:12; the calendar
starts its weeks on Monday; in the Russian UI the charts name the months in Russian and
no widget asks to "Choose options"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from playwright.sync_api import expect

from tests.e2e.test_browser import LANGUAGES, PASSWORD, ROLES

ALMATY = ZoneInfo("Asia/Almaty")
ENGLISH_MONTHS = re.compile(r"\b(January|February|March|April|May|June|July|August|September|"
                            r"October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|"
                            r"Nov|Dec)\b")


@pytest.fixture(scope="module", autouse=True)
def server_clock_in_utc():
    """The server's own clock in UTC, as on most hosts: local time must not come from it.
    (The shared demo's server is started so whichever module starts it: see conftest.)"""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TZ", "UTC")
        env.delenv("KOPIR_TIMEZONE", raising=False)
        env.delenv("KOPIR_SCHOOL_TIMEZONES", raising=False)
        yield


@pytest.fixture(scope="module")
def almaty(browser):  # type: ignore[no-untyped-def]
    """Browser windows in Almaty whose own language is US English (weeks from Sunday),
    each with its own cookies (a signed-in session survives in its window)."""
    contexts = []

    def open_window():  # type: ignore[no-untyped-def]
        contexts.append(browser.new_context(timezone_id="Asia/Almaty", locale="en-US",
                                            viewport={"width": 1400, "height": 900}))
        return contexts[-1]
    yield open_window
    for context in contexts:
        context.close()


def sign_in(window, server, user):  # type: ignore[no-untyped-def]
    page = window().new_page()
    page.goto(server)
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebar").wait_for(state="attached")
    return page


def to_russian(page, heading: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebar").get_by_role("combobox").first.click()
    page.get_by_role("option", name=LANGUAGES["ru"]).click()
    page.wait_for_function("t => !document.body.innerText.includes(t)", arg=heading,
                           timeout=10_000)


def conflict_form(page, child: str = "Child"):  # type: ignore[no-untyped-def]
    """The conflict form for the first child offered; its "when it happened" field."""
    field = page.locator(".st-key-conflict_when")
    for _ in range(5):  # a rerun may redraw the list under the click: pick again
        try:
            page.get_by_role("combobox", name=child, exact=True).click(timeout=10_000)
            page.get_by_role("option").first.click(timeout=10_000)
            field.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - a Playwright timeout: try once more
            page.keyboard.press("Escape")
    # Drawn, and showing its default (a time) rather than still empty.
    expect(field.get_by_test_id("stDateTimeInputField")).to_contain_text(
        re.compile(r"\d{2}\s*:\s*\d{2}"), timeout=20_000)
    return field


def test_a_form_opened_in_almaty_defaults_to_almaty_time(almaty, server):
    teacher = sign_in(almaty, server, ROLES["teacher"])
    teacher.get_by_role("heading", name="Record a conflict").wait_for()
    shown = conflict_form(teacher).get_by_test_id("stDateTimeInputField").inner_text()
    now = datetime.now(ALMATY)
    # The browser's own clock agrees that it is in Almaty, and the server's is not.
    assert teacher.evaluate("new Date().getTimezoneOffset()") == -300
    hour, minute = re.search(r"(\d{1,2})\s*:\s*(\d{2})", shown).groups()  # type: ignore[union-attr]
    day = re.search(r"(\d{4})\D+(\d{2})\D+(\d{2})", shown).groups()  # type: ignore[union-attr]
    default = datetime(*map(int, day), int(hour), int(minute), tzinfo=ALMATY)
    assert abs(default - now) <= timedelta(minutes=2), (shown, now)
    teacher.close()


def test_the_calendar_starts_the_week_on_monday(almaty, server):
    teacher = sign_in(almaty, server, ROLES["teacher"])
    teacher.get_by_role("heading", name="Record a conflict").wait_for()
    conflict_form(teacher).get_by_test_id("stDateTimeInputCalendarButton").click()
    calendar = teacher.get_by_role("grid").first
    calendar.wait_for()
    # The first column's days are Mondays (read from the days the calendar names).
    first_column = calendar.evaluate("""grid => [...grid.querySelectorAll('tbody tr')]
        .map(row => row.querySelector('td [aria-label], td[aria-label]'))
        .filter(Boolean).map(cell => cell.getAttribute('aria-label'))""")
    assert first_column, calendar.inner_html()[:2000]
    assert all("Monday" in label for label in first_column), first_column
    teacher.close()


def test_the_russian_ui_names_months_in_russian_and_asks_in_russian(almaty, server):
    teacher = sign_in(almaty, server, ROLES["teacher"])
    teacher.get_by_role("heading", name="Record a conflict").wait_for()
    to_russian(teacher, "Record a conflict")
    field = conflict_form(teacher, "Ребёнок").get_by_test_id("stDateTimeInputField").inner_text()
    teacher.wait_for_timeout(500)
    asked = teacher.evaluate("[...document.querySelectorAll('[placeholder]')]"
                             ".map(e => e.getAttribute('placeholder'))")
    text = teacher.locator("body").inner_text() + " ".join(asked)
    assert "Choose options" not in text and "Choose an option" not in text, asked
    assert "Выберите…" in asked  # the multiselects of the other children
    compact = re.sub(r"\s", "", field)
    assert re.match(r"\d{2}\.\d{2}\.\d{4},\d{2}:\d{2}", compact), field  # not YYYY/MM/DD
    teacher.close()

    # A psychologist's chronology of a child: the charts' axes are in Russian.
    psychologist = sign_in(almaty, server, ROLES["psychologist"])
    psychologist.get_by_role("heading", name="Record a counselling session").wait_for()
    to_russian(psychologist, "Record a counselling session")
    psychologist.get_by_test_id("stSidebarNav").get_by_role("link", name="Хронология").click()
    child = psychologist.get_by_role("combobox", name="Ребёнок", exact=True)
    child.wait_for()
    labels: list[str] = []
    for attempt in range(4):  # a child with incidents and sessions: both charts drawn
        try:  # a rerun may redraw the list under the click: the next attempt picks again
            child.click(timeout=10_000)
            psychologist.get_by_role("option").nth(attempt).click(timeout=10_000)
        except Exception:  # noqa: BLE001 - a Playwright timeout
            psychologist.keyboard.press("Escape")
            continue
        charts = psychologist.get_by_test_id("stVegaLiteChart")
        try:
            charts.nth(1).locator("svg text").first.wait_for(timeout=90_000)
        except Exception:  # noqa: BLE001 - a Playwright timeout: a child without both charts
            continue
        psychologist.wait_for_timeout(1_000)
        labels = [t for t in charts.locator("svg text").all_text_contents() if t.strip()]
        break
    russian = [str(m) for m in Locale.parse("ru").months["stand-alone"]["abbreviated"].values()]
    russian += [str(m) for m in Locale.parse("ru").months["stand-alone"]["wide"].values()]
    assert labels, "no chart text in SVG"
    assert any(month.lower() in " ".join(labels).lower() for month in russian), labels
    assert not ENGLISH_MONTHS.search(" ".join(labels)), labels
    assert "Месяц" in labels  # the axis title, through t()
    assert "Choose options" not in psychologist.locator("body").inner_text()
    psychologist.close()
