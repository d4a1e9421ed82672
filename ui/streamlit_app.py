"""Köpir's Streamlit app: language, login, session expiry, a session and language kept
across a refresh (ui.session_cookie), and navigation built from the user's role. Pages a
role may not use are not in its navigation, and the application refuses them anyway.
`kopir/web.py` runs `main()` with the runtime it provides."""

from __future__ import annotations

import time

import streamlit as st

from domain.access import Actor
from domain.errors import KopirError, PasswordChangeRequired, UnknownUser
from infrastructure.settings import settings
from ui import forms, local_time, reads, services, session_cookie
from ui import names as ui_names
from ui.i18n import LANGUAGES, current_language, t
from ui.navigation import PAGES, SECTIONS, page_file


def language_picker(where: object) -> None:
    current = current_language()
    choice = where.selectbox(  # type: ignore[attr-defined]
        "🌐", list(LANGUAGES), index=list(LANGUAGES).index(current),
        format_func=LANGUAGES.get, key="language_picker", label_visibility="collapsed",
        placeholder=t("widget.choose_option"))
    if choice != current:
        st.session_state["language"] = choice
        st.rerun()


def login() -> None:
    language_picker(st)
    if "password_change" in st.session_state:
        change_password()
        return
    st.title(t("login.title"))
    st.caption(t("login.intro"))
    if settings().auth == "oidc":
        # Production: single sign-on through the identity provider in .streamlit/secrets.toml.
        if st.button(t("login.oidc"), type="primary", key="login_oidc"):
            st.login()
        return
    with st.form("login"):
        user = st.text_input(t("login.user"), key="login_user")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        if st.form_submit_button(t("login.submit"), type="primary"):
            try:
                st.session_state["actor"] = services.log_in(user.strip(), password)
            except PasswordChangeRequired:
                # Kept on the server for the next form only: the new password comes first.
                st.session_state["password_change"] = (user.strip(), password)
                st.rerun()
            except UnknownUser:
                st.error(t("login.failed"))
            else:
                st.session_state["seen_at"] = time.time()
                st.rerun()


def change_password() -> None:
    """After a one-time password: a new password before anything else."""
    user, one_time = st.session_state["password_change"]
    st.title(t("login.change_title"))
    st.info(t("login.change_intro"), icon=":material/key:")
    with st.form("change_password"):
        new = st.text_input(t("field.new_password"), type="password", key="new_password")
        repeated = st.text_input(t("field.repeated"), type="password", key="repeated_password")
        if st.form_submit_button(t("login.change_submit"), type="primary"):
            try:
                actor = services.change_password(user, one_time, new, repeated)
            except UnknownUser:
                st.session_state.pop("password_change", None)
                st.error(t("login.failed"))
            except KopirError as error:
                forms.show_refusal(error)
            else:
                st.session_state.pop("password_change", None)
                st.session_state["actor"], st.session_state["seen_at"] = actor, time.time()
                st.rerun()
    if st.button(t("login.change_cancel"), key="change_cancel"):
        st.session_state.pop("password_change", None)
        st.rerun()


def oidc_actor() -> Actor | None:
    """With OIDC, the identity provider's user (by e-mail) must have a Köpir account."""
    if settings().auth != "oidc" or not getattr(st.user, "is_logged_in", False):
        return None
    try:
        return services.actor_for(str(st.user.get("email", "")))
    except UnknownUser:
        st.error(t("login.no_account"))
        st.stop()


def expired() -> bool:
    """Sessions end after `KOPIR_SESSION_MINUTES` without activity."""
    seen = st.session_state.get("seen_at", time.time())
    if time.time() - seen > settings().session_minutes * 60:
        return True
    st.session_state["seen_at"] = time.time()
    return False


def sign_out() -> None:
    language = st.session_state.get("language")
    st.session_state.clear()
    session_cookie.signed_out()  # the next run tells the browser to drop the session cookie
    if language:
        st.session_state["language"] = language
    if settings().auth == "oidc" and getattr(st.user, "is_logged_in", False):
        st.logout()


def sign_in_pages() -> list[st.Page]:
    """The sign-in page at every page's address: a link opened while signed out keeps its
    path and query (?child=…, ?concern=…), and the page opens after sign-in."""
    title = t("login.title")
    return [st.Page(login, title=title, default=True),
            *(st.Page(login, title=title, url_path=name) for name in PAGES)]


def main() -> None:
    session_cookie.start()  # a refresh keeps the language
    st.set_page_config(page_title=t("app.title"), page_icon=":material/diversity_3:",
                       layout="wide")
    actor: Actor | None = st.session_state.get("actor") or oidc_actor() \
        or session_cookie.restored()
    if actor is not None and expired():
        sign_out()
        st.session_state["expired"] = True
        actor = None
    if actor is None:
        if st.session_state.pop("expired", False):
            st.info(t("login.expired"))
        st.navigation(sign_in_pages(), position="hidden").run()
        session_cookie.keep(None, current_language())
        return
    actor = services.in_office(actor)  # a delegation begins and ends on time
    st.session_state["actor"] = actor
    with st.sidebar:
        language_picker(st)
        st.caption(t("signed_in_as", name=forms.escape(ui_names.actor(actor)),
                     role=t(f"role.{actor.role.value}")))
        for standing in actor.standing_in:
            st.caption(t("delegation.standing_in", supervisor=forms.escape(standing.supervisor)))
        local_time.sidebar()
        if st.button(t("logout"), key="logout", icon=":material/logout:"):
            sign_out()
            st.rerun()
        session_cookie.keep(actor, current_language())
    pages = {t(section): [st.Page(page_file(name), title=t(f"nav.{name}"),
                                  icon=PAGES[name][1],
                                  url_path=name) for name in names]
             for section, names in SECTIONS[actor.role].items()}
    page = st.navigation(pages, expanded=True)  # every page in view, none behind "View more"
    reads.page_opened(page.url_path)
    page.run()
