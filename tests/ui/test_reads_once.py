"""A page that shows a child's record logs one read per visit, however often Streamlit
reruns it (every click reruns the page's script)."""

from __future__ import annotations

from ui import services
from ui.navigation import page_file


def reads(code: str, purpose: str) -> int:
    rt = services._runtime()
    rt.runner.process_available()
    auditor = rt.app.actor_for("auditor")
    return sum(1 for r in rt.audit().access_log(auditor, code) if r["purpose"] == purpose)


def a_child_of(school: str) -> str:
    rt = services._runtime()
    return next(c["code"] for c in rt.staff().children(rt.app.actor_for("auditor"))
                if c["school_id"] == school)


def test_the_plan_and_family_pages_log_one_read_per_visit(app_test):
    code = a_child_of("AST-12")
    before = reads(code, "plan")
    at = app_test("psych.ast-12").switch_page(page_file("plan")).run()
    at.selectbox(key="plan_child").select(code).run()
    at.run()
    at.run()  # two more runs of the same visit
    assert reads(code, "plan") == before + 1
    at.switch_page(page_file("family")).run()
    at.selectbox(key="family_child").select(code).run()
    at.run()
    assert reads(code, "plan") == before + 2  # the family page's consents: its own visit


def test_the_event_log_logs_one_read_per_visit_and_none_per_rerun(app_test):
    code = a_child_of("AST-12")
    before = reads(code, "events")
    at = app_test("auditor").switch_page(page_file("event_log")).run()
    at.selectbox(key="events_child").select(code).run()
    at.toggle(key="events_raw").set_value(True).run()
    at.run()
    assert not at.exception
    assert reads(code, "events") == before + 1
    # The content column reads as sentences, no JSON.
    content = at.dataframe[0].value.iloc[:, -1]
    assert not [c for c in content if "{" in c]


def test_the_names_in_the_pickers_are_logged_once_per_sign_in_not_per_page(app_test):
    # The psychologist sees the children's names in every picker; the same list on the
    # next page is not a new read of anybody's record.
    code = a_child_of("AST-12")
    before = reads(code, "names")
    at = app_test("psych.ast-12").switch_page(page_file("plan")).run()
    at.switch_page(page_file("family")).run()
    at.switch_page(page_file("chronology")).run()
    at.run()
    assert reads(code, "names") == before + 1
