"""The erasure requests page (AppTest): an administrator asks, the data-protection officer
approves (the steps show, the child's data is erased) or rejects (nothing is erased);
the one who asked cannot decide; nobody else gets the page's data."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from domain.access import Actor, Role
from tests.ui.test_app import LOOKS_LIKE_A_KEY, UI, open_page
from ui import services
from ui.forms import escape

AUDITOR = Actor("aud", Role.AUDITOR, frozenset({"*"}))


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def ask(app_test, code: str, reason: str) -> AppTest:  # type: ignore[no-untyped-def]
    at = open_page(app_test, "admin", "erasures")
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.text_input(key="erasure_code").input(code)
    at.text_area(key="erasure_reason").input(reason)
    at = click(at, "Ask for the erasure")
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [
        f"Erasure of {escape(code)} requested: a second person decides it."]
    return at


def test_an_administrator_asks_and_the_dpo_approves_with_the_steps_shown(app_test):
    app = services._runtime().app
    code = services._runtime().staff().children(AUDITOR)[0]["code"]
    at = ask(app_test, code, "Mother's written request of 3 March")
    # The one who asked sees it waiting for someone else, with no button to decide.
    assert "another person" in " ".join(c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "Approve and erase"]
    # An unknown child is refused in a sentence.
    at.text_input(key="erasure_code").input("AST-9999")
    at = click(at, "Ask for the erasure")
    assert [e.value for e in at.error] == [f"No child with code {escape('AST-9999')} is enrolled in Köpir."]
    # The data-protection officer approves, with a reason: the steps run, the data is gone.
    dpo = open_page(app_test, "dpo", "erasures")
    assert not dpo.exception and not dpo.error
    [request] = [r for r in app.erasure_requests(Actor("x", Role.DPO))
                 if r["status"] == "pending"]
    dpo.text_input(key=f"erasure_note_{request['request_id']}").input("Signed request checked.")
    dpo = click(dpo, "Approve and erase")
    assert not dpo.exception and not dpo.error, [e.value for e in dpo.error]
    assert dpo.success and dpo.success[0].value.startswith("Approved: the personal data of")
    assert app.child(code).is_erased
    table = dpo.dataframe[0].value
    assert list(table["Decision"]) == ["approved, erased"] and list(table["Decided by"]) == ["dpo"]


def test_a_rejection_erases_nothing_and_others_get_no_data(app_test):
    app = services._runtime().app
    code = services._runtime().staff().children(AUDITOR)[-1]["code"]
    ask(app_test, code, "A phone call, not in writing")
    dpo = open_page(app_test, "dpo", "erasures", language="ru")
    [request] = [r for r in app.erasure_requests(Actor("x", Role.DPO))
                 if r["status"] == "pending"]
    # Without a reason the decision is refused; with one, rejected and nothing erased.
    dpo = click(dpo, "Отклонить")
    assert [e.value for e in dpo.error] == ["Пожалуйста, проверьте форму:"]
    assert "укажите, почему" in " ".join(m.value for m in dpo.markdown)
    dpo.text_input(key=f"erasure_note_{request['request_id']}").input("Нужно письменное заявление.")
    dpo = click(dpo, "Отклонить")
    assert not dpo.error and dpo.success[0].value.startswith("Отклонено")
    assert not app.child(code).is_erased
    # A teacher opening the page gets a refusal and none of its data.
    at = AppTest.from_file(str(UI / "admin" / "erasures.py"), default_timeout=30)
    at.session_state["language"] = "en"
    at.session_state["actor"] = app.actor_for("teacher.ast-12")
    at.run()
    assert "data-protection officer" in " ".join(e.value for e in at.error)
    assert not at.dataframe and not at.text_input


def test_the_page_reads_in_each_language_for_each_role_that_has_it(app_test):
    # The server runs the retention schedule beside the other followers (nothing is due
    # in the demo: its children come of age years from now).
    retention = services._runtime().retention
    assert retention is not None and retention.error is None and not retention.due()
    for user in ("admin", "dpo"):
        for language in ("kk", "ru", "en"):
            at = open_page(app_test, user, "erasures", language)
            assert not at.exception and not at.error, (user, language)
            shown = [e.value for e in (*at.title, *at.subheader, *at.caption, *at.info)]
            assert shown and not [x for x in shown if LOOKS_LIKE_A_KEY.match(x)]
