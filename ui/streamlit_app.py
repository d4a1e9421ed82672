"""Köpir's Streamlit entry point: login, then navigation built from the user's role."""

from __future__ import annotations

import streamlit as st

from domain.access import Actor, Role
from domain.errors import UnknownUser
from ui import services
from ui.i18n import t

PAGES = {
    "record_conflict": ("staff/conflict.py", ":material/edit_note:"),
    "chronology": ("staff/chronology.py", ":material/timeline:"),
    "escalations": ("supervisor/escalations.py", ":material/notifications:"),
    "schools": ("admin/schools.py", ":material/school:"),
}
BY_ROLE = {
    Role.TEACHER: ["record_conflict", "chronology"],
    Role.PSYCHOLOGIST: ["record_conflict", "chronology", "escalations"],
    Role.SUPERVISOR: ["escalations", "chronology"],
    Role.AUDITOR: ["chronology"],
    Role.ADMIN: ["schools"],
}


def login() -> None:
    st.title(t("login.title"))
    with st.form("login"):
        user = st.text_input(t("login.user"))
        password = st.text_input(t("login.password"), type="password")
        if st.form_submit_button(t("login.submit"), type="primary"):
            try:
                st.session_state["actor"] = services.log_in(user.strip(), password)
            except UnknownUser:
                st.error(t("login.failed"))
            else:
                st.rerun()


def main() -> None:
    st.set_page_config(page_title=t("app.title"), page_icon=":material/diversity_3:",
                       layout="wide")
    actor: Actor | None = st.session_state.get("actor")
    if actor is None:
        st.navigation([st.Page(login, title=t("login.title"))], position="hidden").run()
        return
    with st.sidebar:
        st.caption(t("signed_in_as", name=actor.display_name or actor.user_id,
                     role=actor.role.value))
        if st.button(t("logout"), key="logout"):
            st.session_state.clear()
            st.rerun()
    pages = [st.Page(PAGES[name][0], title=t(f"nav.{name}"), icon=PAGES[name][1],
                     url_path=name) for name in BY_ROLE[actor.role]]
    st.navigation(pages).run()


main()
