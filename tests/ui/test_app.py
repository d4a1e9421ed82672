"""The Streamlit app, page by page and role by role (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from domain.access import Role
from ui import services

UI = Path(__file__).resolve().parents[2] / "ui"

PASSWORD = "kopir-demo"



def test_every_page_is_behind_login(app_test):
    at = app_test()
    assert [t.value for t in at.title] == ["Sign in to Köpir"]
    assert not at.selectbox  # no form, no data before login


def test_a_wrong_password_is_refused_in_plain_words(app_test):
    at = app_test()
    at.text_input[0].input("teacher.ast-12")
    at.text_input[1].input("not-the-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Unknown user name or wrong password."]
    assert "actor" not in at.session_state


def test_a_teacher_records_a_conflict_and_sees_it_in_the_chronology(app_test):
    at = app_test()
    at.text_input[0].input("teacher.ast-12")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["actor"].role == Role.TEACHER
    assert [t.value for t in at.title] == ["Record a conflict"]
    child = at.selectbox(key="conflict_child").value
    at.text_area(key="conflict_description").input("Argument in the lunch queue; both calmed down.")
    at.button(key="FormSubmitter:conflict-Save").click().run()
    assert not at.exception
    assert at.success and at.success[0].value.startswith(f"Recorded for {child}")
    at.switch_page("staff/chronology.py").run()
    at.selectbox(key="chronology_child").select(child).run()
    table = at.dataframe[0].value
    assert "Argument in the lunch queue; both calmed down." in list(table["Summary"])


def test_an_invalid_form_keeps_what_was_typed_and_says_what_is_wrong(app_test):
    at = app_test("teacher.ast-12")
    at.text_area(key="conflict_action").input("Talked with both pupils.")
    at.button(key="FormSubmitter:conflict-Save").click().run()
    assert at.error[0].value == "Please check the form:"
    assert any("What happened" in m.value and "cannot be empty" in m.value for m in at.markdown)
    # Nothing typed is lost.
    assert at.text_area(key="conflict_action").value == "Talked with both pupils."
    assert not at.success


def test_an_auditor_sees_no_form_and_can_replay_a_past_moment(app_test):
    at = app_test("auditor")
    assert [t.value for t in at.title] == ["Chronology"]
    assert not at.text_area
    at.toggle(key="chronology_past").set_value(True).run()
    assert not at.exception
    assert any("entries recorded later are not shown" in c.value for c in at.caption)


def test_an_auditor_cannot_open_the_conflict_form(app_test):
    at = app_test("auditor")
    # The navigation built for an auditor has no such page.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("staff/conflict.py")


def test_a_page_reached_without_the_role_is_refused_by_the_application(seeded_store):
    # Even run directly, the escalation page asks the application, which refuses a teacher.
    at = AppTest.from_file(str(UI / "supervisor" / "escalations.py"), default_timeout=30)
    at.session_state["actor"] = services._runtime().app.actor_for("teacher.ast-12")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["The escalation queue is for supervisors and psychologists."]
    assert not at.dataframe


def test_a_supervisor_sees_the_escalation_queue_without_session_notes(app_test):
    at = app_test("coordinator")
    assert [t.value for t in at.title] == ["Escalations"]
    assert not at.exception
    at.switch_page("staff/chronology.py").run()
    assert not any("Confidential" in e.label for e in at.expander)


def test_a_teacher_cannot_open_the_escalation_queue(app_test):
    at = app_test("teacher.ast-12")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("supervisor/escalations.py")


def test_a_psychologist_reads_confidential_notes(app_test):
    at = app_test("psych.ast-12")
    at.switch_page("staff/chronology.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Chronology"]


def test_an_admin_manages_schools_and_reads_no_case_records(app_test):
    at = app_test("admin")
    assert [t.value for t in at.title] == ["Schools"]
    assert len(at.dataframe[0].value) == 6
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("staff/chronology.py")


def test_the_supervisor_sees_why_an_escalation_was_raised(app_test):
    at = app_test("coordinator")
    assert not at.exception
    assert at.selectbox(key="why_escalation").options
    texts = " ".join(m.value for m in at.markdown)
    assert "**Rule** `" in texts or "Raised by hand" in " ".join(m.value for m in at.markdown)
