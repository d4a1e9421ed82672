"""The support plan in a real browser: a psychologist enrols a child, drafts a plan with
two goals and two measures, the supervisor approves it, the psychologist reviews it
beside the wellbeing trend, and the plan's item sits on "My work". Screenshots of the
plan page in Kazakh, Russian and English are saved for the README."""

from __future__ import annotations

import re

import pytest

from kopir.seed.demo_cast import PEOPLE
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_browser import LANGUAGES, choose, sign_in

# A demo of its own: its child sorts first in every list of the school's children, and its
# plan (English targets, a supervisor's approval) would be on other modules' pages.
FRESH_DEMO = True
CODE = "AST-9901"


def go(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title, exact=True).wait_for()


def pick(page, label: str, option: str, many: bool = False) -> None:  # type: ignore[no-untyped-def]
    """An option of a selectbox or a multiselect (whose list is then closed), by its
    label and the option's text. Escape would clear a selectbox that has no default."""
    box = page.get_by_role("combobox", name=label, exact=True)
    wanted = page.get_by_role("option", name=re.compile(re.escape(option))).first
    for _ in range(4):  # a dropdown opened while the page redraws closes again
        box.click()
        try:
            wanted.click(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - a Playwright timeout: open it again
            page.keyboard.press("Escape")
    else:
        raise AssertionError(f"{option!r} not among {page.get_by_role('option').all_inner_texts()}")
    if many:
        page.keyboard.press("Escape")


def saved(page, text: str) -> None:  # type: ignore[no-untyped-def]
    try:
        page.get_by_test_id("stAlertContentSuccess").filter(has_text=text).wait_for()
    except Exception:
        raise AssertionError(page.inner_text("body")[-3000:]) from None


def test_a_plan_is_drafted_approved_and_reviewed_in_a_browser(browser, server):
    psych = sign_in(browser, server, "psych.ast-12")
    go(psych, "Enrol a child")
    psych.get_by_role("textbox", name="Child code").fill(CODE)
    psych.get_by_role("button", name="Save").click()
    psych.get_by_text(re.compile(f"{CODE} is enrolled")).wait_for()

    go(psych, "Support plan")
    choose(psych, "Child", CODE)
    psych.get_by_text("This child has no support plan yet.").wait_for()
    pick(psych, "Goals in these wellbeing areas", "Social ties", many=True)
    pick(psych, "Goals in these wellbeing areas", "Family support", many=True)
    psych.get_by_label("Target for Social ties").fill("Two friends in class by spring")
    psych.get_by_label("Target for Family support").fill("The mother joins a programme")
    psych.get_by_role("button", name="Save the draft").click()
    saved(psych, f"The support plan of {CODE} is drafted")
    for kind, person in (("Peer mentor or buddy", PEOPLE["teacher.ast-12"][2]),
                         ("Mother or family support", PEOPLE["psych.ast-12"][2])):
        psych.get_by_role("tab", name="Add a measure").click()
        pick(psych, "Measure", kind)
        pick(psych, "Responsible", person)
        psych.get_by_role("button", name="Add a measure").click()
        saved(psych, "The measure is added to the plan.")
    psych.get_by_text("Draft: waits for approval").wait_for()

    supervisor = sign_in(browser, server, "supervisor.astana")
    go(supervisor, "My work")
    # (table cells are drawn on a canvas: the text is in the page, not visible as such)
    supervisor.get_by_text("a support plan waits for your approval").first.wait_for(
        state="attached")
    go(supervisor, "Support plan")
    choose(supervisor, "Child", CODE)
    supervisor.get_by_role("button", name="Approve the plan").click()
    saved(supervisor, f"The support plan of {CODE} is approved.")
    supervisor.close()

    psych.close()
    psych = sign_in(browser, server, "psych.ast-12")
    go(psych, "Support plan")
    choose(psych, "Child", CODE)
    psych.get_by_text("Approved").first.wait_for()
    psych.get_by_role("tab", name="Review the plan").click()
    psych.get_by_role("radiogroup").nth(1).wait_for()  # the tab's form is drawn
    for group in psych.get_by_role("radiogroup").all()[:2]:
        group.get_by_text("Better").click()
    psych.get_by_role("button", name="Save the review").click()
    saved(psych, "The review is recorded")
    psych.get_by_text("Reviews and the wellbeing trend").wait_for()
    assert psych.get_by_text("Better").count()  # in the table of reviews
    psych.screenshot(path=SCREENSHOTS / "story-5-support-plan.png", full_page=True)
    go(psych, "My work")
    psych.get_by_text("the support plan you drafted is due for review").first.wait_for(
        state="attached")
    assert not psych.get_by_test_id("stException").count()
    psych.close()


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_plan_page_in_every_language(browser, server, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = sign_in(browser, server, "psych.ast-12")
    go(page, "Support plan")
    if language != "en":
        page.get_by_test_id("stSidebar").get_by_role("combobox").click()
        page.get_by_role("option", name=LANGUAGES[language]).click()
        page.wait_for_function("t => !document.body.innerText.includes(t)",
                               arg="Support plan", timeout=10_000)
    page.wait_for_timeout(1000)  # let the chart finish drawing
    assert not page.get_by_test_id("stException").count()
    page.screenshot(path=SCREENSHOTS / f"plan-{language}.png", full_page=True)
    page.close()
