"""Accounts: an administrator adds them, disables and enables them, resets a password (a
one-time password, shown once, to change at the next sign-in), and changes a role and
schools. Each is an event; administrators still read no case records."""

from __future__ import annotations

import secrets
from typing import Any, Callable

import pandas as pd
import streamlit as st

from domain.access import ALL_SCHOOLS, Role
from domain.checks import SHORT_TEXT
from domain.errors import KopirError
from ui import forms, services
from ui import names as ui_names
from ui.i18n import t

me = forms.actor()
st.title(t("nav.accounts"))
try:
    people = services.admin().accounts(me)
    schools = [ALL_SCHOOLS] + [s["school_id"] for s in services.staff().schools(me)]
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
school_label = {ALL_SCHOOLS: t("accounts.every_school")}.get


def done(message: str, one_time: str = "") -> None:
    st.session_state["accounts_done"] = (message, one_time)
    st.rerun()


def act(call: Callable[[], Any], message: Callable[[Any], str], shows_password: bool = False,
        who: str | None = "") -> None:
    """One command; its confirmation (and a one-time password) after the page reloads."""
    if who is None:  # a form about a person, and nobody chosen
        st.error(t("accounts.choose"))
        return
    try:
        result = services.record(call)
    except KopirError as error:
        forms.show_refusal(error)
    else:
        done(message(result), result if shows_password else "")


# The last action's confirmation, once; a one-time password is shown only here, now.
if finished := st.session_state.pop("accounts_done", None):
    st.success(finished[0], icon=":material/check_circle:")
    if finished[1]:
        st.code(finished[1], language=None)
        st.caption(t("accounts.one_time_once"))

if people:
    st.dataframe(pd.DataFrame([{
        t("admin.user_id"): p["user_id"], t("admin.display_name"): ui_names.person(p),
        t("admin.role"): t(f"role.{p['role']}"),
        t("admin.school_ids"): ", ".join(school_label(s) or s for s in p["school_ids"]),
        t("accounts.status"): t("accounts.active" if p["active"] else "accounts.disabled"),
    } for p in people]), hide_index=True, width="stretch")
names = {p["user_id"]: f"{ui_names.person(p)} ({p['user_id']})" for p in people}
add, status, password, role = st.tabs([t("accounts.add"), t("accounts.access"),
                                       t("accounts.reset"), t("accounts.set_role")])

with add, st.form("account_add"):
    user_id = st.text_input(t("admin.user_id"), max_chars=64, key="account_user")
    name = st.text_input(t("admin.display_name"), max_chars=SHORT_TEXT, key="account_name")
    new_role = st.selectbox(t("admin.role"), [r.value for r in Role], key="account_role",
                            format_func=forms.labeller("role."),
                            placeholder=t("widget.choose_option"))
    chosen = st.multiselect(t("admin.school_ids"), schools, key="account_schools",
                            format_func=lambda s: school_label(s) or s,
                            placeholder=t("widget.choose_options"))
    if st.form_submit_button(t("accounts.add"), type="primary"):
        def create() -> str:
            app = services.app()
            app.register_account(me, user_id.strip(), name, new_role, chosen,
                                 secrets.token_urlsafe(24))  # replaced at once, never shown
            return app.reset_password(me, user_id.strip())
        act(create, lambda _: t("accounts.added", user=forms.escape(user_id.strip())),
            shows_password=True)

with status, st.form("account_access"):
    who = st.selectbox(t("accounts.person"), list(names), index=None, format_func=names.get,
                       placeholder=t("accounts.choose"), key="access_user")
    left, right = st.columns(2)
    if left.form_submit_button(t("accounts.disable"), icon=":material/block:"):
        act(lambda: services.app().disable_account(me, who or ""),
            lambda _: t("accounts.disabled_done", user=forms.escape(who or "")), who=who)
    if right.form_submit_button(t("accounts.enable"), icon=":material/check:"):
        act(lambda: services.app().enable_account(me, who or ""),
            lambda _: t("accounts.enabled_done", user=forms.escape(who or "")), who=who)

with password, st.form("account_reset"):
    who = st.selectbox(t("accounts.person"), list(names), index=None, format_func=names.get,
                       placeholder=t("accounts.choose"), key="reset_user")
    st.caption(t("accounts.reset_help"))
    if st.form_submit_button(t("accounts.reset"), type="primary"):
        act(lambda: services.app().reset_password(me, who or ""),
            lambda _: t("accounts.reset_done", user=forms.escape(who or "")),
            shows_password=True, who=who)

with role, st.form("account_role"):
    who = st.selectbox(t("accounts.person"), list(names), index=None, format_func=names.get,
                       placeholder=t("accounts.choose"), key="role_user")
    new_role = st.selectbox(t("admin.role"), [r.value for r in Role], key="role_role",
                            format_func=forms.labeller("role."),
                            placeholder=t("widget.choose_option"))
    chosen = st.multiselect(t("admin.school_ids"), schools, key="role_schools",
                            format_func=lambda s: school_label(s) or s,
                            placeholder=t("widget.choose_options"))
    st.caption(t("accounts.next_sign_in"))
    if st.form_submit_button(t("accounts.set_role"), type="primary"):
        act(lambda: services.app().change_role(me, who or "", new_role, chosen),
            lambda _: t("accounts.role_done", user=forms.escape(who or "")), who=who)
st.caption(t("admin.no_case_records"))
