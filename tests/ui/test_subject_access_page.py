"""The subject-access page (AppTest): the data-protection officer types a child's code, gets
the export as JSON and as PDF, and finds it in the access log (which they read, though not
the raw event log); an unknown code is told in a sentence; nobody else gets the page."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from domain import access
from domain.access import Actor, Role
from domain.errors import NotAuthorised
from tests.ui.test_app import UI, open_page
from ui import services
from ui.forms import escape

AUDITOR = Actor("aud", Role.AUDITOR, frozenset({"*"}))


def exports_of(code: str) -> list[dict]:  # type: ignore[type-arg]
    return [r for r in services.audit().access_log(AUDITOR, code)
            if r["purpose"] == "subject_access"]


def export(app_test, code: str, language: str = "en") -> AppTest:  # type: ignore[no-untyped-def]
    at = open_page(app_test, "dpo", "subject_access")
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.text_input(key="subject_code").input(code)
    at.selectbox(key="subject_language").select(language)
    [button] = [b for b in at.button if b.label == "Make the export"]
    return button.click().run()


def test_the_dpo_gets_the_json_and_the_pdf_and_the_export_is_logged_once(app_test):
    code = services.staff().children(AUDITOR)[0]["code"]
    assert exports_of(code) == []
    # The officer types the code from the request (in lower case) and asks for a Russian PDF.
    at = export(app_test, f" {code.lower()} ", language="ru")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith(f"The export of {escape(code)} is ready")
    assert [b.label for b in at.get("download_button")] == ["Download JSON", "Download PDF"]
    ready = at.session_state["subject_export"]
    assert json.loads(ready["json"])["child"]["code"] == code
    assert ready["pdf"].startswith(b"%PDF")
    # One access entry, as the CLI logs it: the officer, purpose "subject_access".
    [entry] = exports_of(code)
    assert (entry["viewed_by"], entry["role"]) == ("dpo", "dpo")
    # The officer finds the export on the access-log page.
    log = open_page(app_test, "dpo", "access_log")
    log.text_input(key="access_child").input(code).run()
    assert not log.exception and not log.error, [e.value for e in log.error]
    table = log.dataframe[0].value
    assert list(table["Purpose"]).count("subject-access export") == 1


def test_an_unknown_code_is_told_in_a_sentence_and_nothing_is_made(app_test):
    at = export(app_test, "AST-9999")
    assert [e.value for e in at.error] == [
        f"No child with code {escape('AST-9999')} is enrolled in Köpir."]
    assert not at.get("download_button") and "subject_export" not in at.session_state
    assert exports_of("AST-9999") == []
    # Nothing typed: asked for the code, nothing read.
    at = export(app_test, "  ")
    assert [w.value for w in at.warning] == ["Type the child's code first."]
    assert not at.error and not at.get("download_button")


@pytest.mark.parametrize("user", ["teacher.ast-12", "auditor"])
def test_others_are_refused_by_the_application_not_only_the_menu(seeded_store, user):
    actor = services.app().actor_for(user)
    code = services.staff().children(AUDITOR)[1]["code"]
    # The page opened directly says who may export, with no form.
    at = AppTest.from_file(str(UI / "admin" / "subject_access.py"), default_timeout=30)
    at.session_state["language"] = "en"
    at.session_state["actor"] = actor
    at.run()
    assert not at.exception
    assert "Only the data-protection officer exports" in " ".join(e.value for e in at.error)
    assert not at.text_input and not at.get("download_button")
    # And the service the page calls refuses before reading or logging anything.
    with pytest.raises(NotAuthorised):
        services.subject_access(actor, code, "en")
    assert exports_of(code) == []


def test_the_dpo_reads_the_access_log_but_not_the_raw_event_log(app_test):
    dpo = services.app().actor_for("dpo")
    code = services.staff().children(AUDITOR)[2]["code"]
    services.audit().access_log(dpo)  # allowed: no refusal
    access.check_may_read_access_log(dpo)
    with pytest.raises(NotAuthorised):
        access.check_may_audit(dpo)
    for read in (lambda: services.audit().events(dpo, code),
                 lambda: services.audit().integrity(dpo, code),
                 lambda: services.audit().export(dpo, code)):
        with pytest.raises(NotAuthorised):
            read()
    # Other roles without audit or export rights still get no access log.
    for user in ("teacher.ast-12", "psych.ast-12", "coordinator", "admin", "analyst"):
        with pytest.raises(NotAuthorised) as refused:
            services.audit().access_log(services.app().actor_for(user))
        assert refused.value.code == "denied.access_log"
    # The access-log page opens for the officer; the raw event log page refuses them.
    log = open_page(app_test, "dpo", "access_log")
    assert not log.exception and not log.error, [e.value for e in log.error]
    at = AppTest.from_file(str(UI / "auditor" / "events.py"), default_timeout=30)
    at.session_state["language"] = "en"
    at.session_state["actor"] = dpo
    at.run()
    assert "The raw event log is for auditors." in [e.value for e in at.error]
