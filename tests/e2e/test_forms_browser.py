"""The recording forms in a real browser, in the English interface: the language guard
warns in English whatever the language of the sentence, and the "quoting" box is where
the warning says; a wellbeing area nobody assessed is not saved as a score; a form's
problems appear above its Save button; the amendment form names its fields for what they
are."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from typing import Any

from tests.e2e.test_browser import ROLES, go, sign_in

# A demo of its own: it records English sentences on the first child of the list, which the
# Kazakh and Russian pages of the shared demo would show.
FRESH_DEMO = True
QUOTING = "I am quoting the exact words that were used"
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def pick_child(page: Any, code: str | None = None) -> str:
    """Choose a child in the page's child picker (the first, or the one with `code`)."""
    page.get_by_role("combobox", name="Child", exact=True).click()
    options = page.get_by_role("option")
    option = options.filter(has_text=code).first if code else options.first
    chosen = option.inner_text().split("·")[0].strip()
    option.click()
    return chosen


def box(locator: Any) -> dict[str, float]:
    locator.wait_for()
    found = locator.bounding_box()
    assert found is not None
    return found


def above(upper: Any, lower: Any) -> bool:
    """True when `upper` ends on screen before `lower` starts."""
    top, bottom = box(upper), box(lower)
    return top["y"] + top["height"] <= bottom["y"] + 1


def chronology_fields(folder: Any, summary: str, timeout: float = 15.0) -> dict[str, Any]:
    """The fields of the entry with this summary, as the read model holds them (polled:
    the projection runs beside the server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(folder / "kopir-views.db") as db:
            row = db.execute("SELECT fields FROM rm_chronology WHERE fields LIKE ?",
                             (f"%{summary}%",)).fetchone()
        if row:
            return dict(json.loads(row[0]))
        time.sleep(0.2)
    raise AssertionError(f"no entry with the summary {summary!r} in the chronology")


def test_the_guard_warns_in_english_and_the_quoting_box_is_where_it_says(browser, server):
    # The screen is in English; the teacher writes the sentence in Kazakh, as it was said.
    teacher = sign_in(browser, server, ROLES["teacher"])
    go(teacher, "Record a peer interaction")
    code = pick_child(teacher)
    teacher.get_by_label("What happened").fill("Сыныптастары оны «террорист» деп атайды.")
    teacher.get_by_role("button", name="Save").click()
    warning = teacher.get_by_test_id("stAlertContentWarning")
    warning.wait_for()
    said = warning.inner_text()
    # The advice and the neutral wording are English; only the quoted word is Kazakh.
    assert "террорист" in said and "hurtful nickname" in said
    assert not CYRILLIC.search(said.replace("террорист", "")), said
    # The warning names the box and says it is just below it, above Save: and so it is.
    assert QUOTING in said and "just below this message, above the Save button" in said
    quoting = teacher.get_by_role("checkbox", name=QUOTING)
    save = teacher.get_by_role("button", name="Save")
    label = teacher.get_by_text(QUOTING, exact=True)
    assert above(warning, label) and above(label, save)
    # Ticking that box records the words as quoted.
    quoting.check(force=True)
    save.click()
    teacher.get_by_text(f"Recorded for {code}").wait_for()
    teacher.close()


def test_a_form_error_appears_above_the_save_button(browser, server):
    teacher = sign_in(browser, server, ROLES["teacher"])
    go(teacher, "Record a conflict")
    pick_child(teacher)
    teacher.get_by_label("What happened").wait_for()
    teacher.get_by_role("button", name="Save").click()  # nothing written: refused
    error = teacher.get_by_test_id("stAlertContentError")
    assert "Please check the form" in error.inner_text()
    problem = teacher.get_by_text(re.compile("What happened: .*empty"))
    assert above(error, teacher.get_by_role("button", name="Save"))
    assert above(problem, teacher.get_by_role("button", name="Save"))
    teacher.close()


def test_untouched_wellbeing_is_not_saved_and_one_assessed_area_is(browser, server, folder):
    psychologist = sign_in(browser, server, ROLES["psychologist"])
    go(psychologist, "Record a counselling session")
    code = pick_child(psychologist)
    # Nobody touches the four areas: they say "not assessed" and nothing is stored.
    for area in ("Social ties", "School engagement", "Emotional state", "Family support"):
        assert "not assessed" in psychologist.get_by_test_id("stSlider").filter(
            has_text=area).inner_text()
    psychologist.get_by_label("Summary").fill("Talked about the reading group, untouched.")
    psychologist.get_by_role("button", name="Save").click()
    psychologist.get_by_text(f"Recorded for {code}: counselling session").wait_for()
    fields = chronology_fields(folder, "Talked about the reading group, untouched.")
    assert fields["wellbeing"] is None
    # Next session: only the emotional state is assessed (2); only it is stored.
    psychologist.get_by_role("button", name="Record another").click()
    pick_child(psychologist, code)
    slider = psychologist.get_by_test_id("stSlider").filter(has_text="Emotional state")
    thumb = slider.get_by_role("slider")
    thumb.focus()
    thumb.press("ArrowRight")
    thumb.press("ArrowRight")
    deadline = time.monotonic() + 10
    while "2" not in slider.inner_text() and time.monotonic() < deadline:
        psychologist.wait_for_timeout(100)
    psychologist.get_by_label("Summary").fill("Talked about a quarrel, one area scored.")
    psychologist.get_by_role("button", name="Save").click()
    psychologist.get_by_text(f"Recorded for {code}: counselling session").wait_for()
    fields = chronology_fields(folder, "Talked about a quarrel, one area scored.")
    assert fields["wellbeing"] == {"emotional_state": 2}
    # The amendment form then names the entry's text and the reason for what they are.
    go(psychologist, "Correct an entry")
    pick_child(psychologist, code)
    psychologist.get_by_role("combobox", name="Entry", exact=True).click()
    psychologist.get_by_role("option").filter(has_text="Talked about a quarrel").first.click()
    why = psychologist.get_by_role("textbox", name="Why is this corrected?", exact=True)
    why.wait_for()
    corrected = psychologist.get_by_role("textbox", name="Summary (corrected text)")
    assert corrected.input_value().startswith("Talked about a quarrel")
    assert not psychologist.get_by_role("textbox", name="Reason", exact=True).count()
    assert above(corrected, why)
    psychologist.get_by_text("Retract", exact=True).click()
    psychologist.get_by_role("textbox", name="Why is it withdrawn?").wait_for()
    psychologist.close()
