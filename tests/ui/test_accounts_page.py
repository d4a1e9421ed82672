"""The administrator's accounts page (AppTest): add an account and hand over its one-time
password, which signs in only as far as choosing a new one; disable it and it no longer
signs in; change a role; and nobody but an administrator gets the page's data."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from domain.access import Role
from tests.ui.test_app import UI, open_page
from ui import services


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def sign_in(app_test, user: str, password: str) -> AppTest:  # type: ignore[no-untyped-def]
    at = app_test()
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password)
    return at.button[0].click().run()


def test_an_account_added_on_the_page_signs_in_once_to_choose_a_password(app_test):
    at = open_page(app_test, "admin", "accounts")
    assert not at.exception and not at.error
    listed = at.dataframe[0].value
    assert "psych.ast-12" in set(listed["User name"]) and "Sign-in" in listed.columns
    # Add a psychologist of AST-12: the one-time password is shown once.
    at.text_input(key="account_user").input("psych.new")
    at.text_input(key="account_name").input("Dana Seitova")
    at.selectbox(key="account_role").select("psychologist")
    at.multiselect(key="account_schools").select("AST-12")
    at = click(at, "Add an account")
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == ["Account psych\\.new added."]
    one_time = at.code[0].value
    assert len(one_time) >= 12
    at.run()  # shown once only: the next run of the page no longer has it
    assert not at.code
    # The one-time password asks for a new password before anything else.
    login = sign_in(app_test, "psych.new", one_time)
    assert [t.value for t in login.title] == ["Choose a new password"]
    assert "actor" not in login.session_state
    login.text_input(key="new_password").input("dana's own words")
    login.text_input(key="repeated_password").input("dana's other words")
    login = click(login, "Save the new password")
    assert "the two new passwords are not the same" in " ".join(m.value for m in login.markdown)
    login.text_input(key="repeated_password").input("dana's own words")
    login = click(login, "Save the new password")
    assert login.session_state["actor"].role == Role.PSYCHOLOGIST
    # Disabled on the page: the new password no longer signs in.
    at = open_page(app_test, "admin", "accounts")
    at.selectbox(key="access_user").select("psych.new")
    at = click(at, "Disable")
    assert [s.value for s in at.success] == [
        "Account psych\\.new is disabled: it can no longer sign in."]
    table = at.dataframe[0].value.set_index("User name")
    assert table.loc["psych.new", "Sign-in"] == "disabled"
    refused = sign_in(app_test, "psych.new", "dana's own words")
    assert [e.value for e in refused.error] == ["Unknown user name or wrong password."]


def test_a_role_change_and_the_administrators_own_account(app_test):
    at = open_page(app_test, "admin", "accounts")
    at.selectbox(key="role_user").select("teacher.ast-45")
    at.selectbox(key="role_role").select("psychologist")
    at.multiselect(key="role_schools").select("AST-45")
    at = click(at, "Change role and schools")
    assert not at.error, [e.value for e in at.error]
    app = services._runtime().app
    assert app.account("teacher.ast-45").user_role == "psychologist"
    # An administrator cannot lock themselves out.
    at.selectbox(key="access_user").select("admin")
    at = click(at, "Disable")
    assert "cannot disable your own account" in " ".join(e.value for e in at.error)
    assert app.account("admin").is_active
    # Nobody chosen: the page says so and records nothing.
    at = click(at, "Reset the password")
    assert [e.value for e in at.error] == ["Choose a person first."]


def test_the_page_refuses_anyone_but_an_administrator(seeded_store):
    at = AppTest.from_file(str(UI / "admin" / "accounts.py"), default_timeout=30)
    at.session_state["language"] = "en"
    at.session_state["actor"] = services._runtime().app.actor_for("coordinator")
    at.run()
    assert "Only administrators" in " ".join(e.value for e in at.error)
    assert not at.dataframe and not at.text_input


def test_a_supervisor_names_a_deputy_and_ends_it_on_their_page(app_test):
    at = open_page(app_test, "supervisor.astana", "delegation")
    assert not at.exception and [i.value for i in at.info] == ["No deputy is named."]
    at.selectbox(key="delegation_deputy").select("supervisor.almaty")
    at = click(at, "Name a deputy")
    assert not at.error, [e.value for e in at.error]
    assert at.success and "is named as your deputy" in at.success[0].value
    assert "stands in for you now" in " ".join(m.value for m in at.markdown)
    # The deputy, signed in, stands in for the supervisor: the sidebar says so.
    deputy = app_test("supervisor.almaty")
    assert "Standing in for supervisor\\.astana" in [c.value for c in deputy.sidebar.caption]
    at = click(at, "End this delegation now")
    assert [s.value for s in at.success] == ["The delegation has ended."]
    assert services._runtime().app.delegations_of(
        services._runtime().app.actor_for("admin"), "supervisor.astana") == []
