"""Transfers between schools: a psychologist proposes a move (with the family's consent to
share the record), and the receiving school accepts, or rejects with a reason. Until it
accepts, the receiving school sees only the child's code and where they come from."""

from __future__ import annotations

import streamlit as st

from domain.access import Role
from ui import forms, services
from ui import names as ui_names
from ui.i18n import fmt_datetime, t
from ui.staff import plan_parts as parts

me = forms.actor()
st.title(t("nav.transfers"))
parts.saved()

waiting = services.staff().transfers_waiting(me)
st.subheader(t("transfer.waiting"))
if not waiting:
    st.caption(t("transfer.none_waiting"))
for row in waiting:
    with st.container(border=True):
        st.write(t("transfer.line", code=row["child_code"], school=row["from_school_id"],
                   at=fmt_datetime(row["proposed_at"])))
        with st.form(f"transfer_{row['child_code']}"):
            reason = st.text_input(t("transfer.reject_reason"),
                                   key=f"transfer_reason_{row['child_code']}")
            yes, no = st.columns(2)
            if yes.form_submit_button(t("transfer.accept"), type="primary"):
                parts.run(services.app().accept_transfer, me, row["child_code"],
                          done=t("transfer.accepted", code=row["child_code"]))
            if no.form_submit_button(t("transfer.reject")):
                parts.run(services.app().reject_transfer, me, row["child_code"], reason,
                          done=t("transfer.rejected", code=row["child_code"]))

if me.role != Role.PSYCHOLOGIST:
    st.stop()
st.subheader(t("transfer.propose"))
children = services.children(me, open_only=True)
if not children:
    st.info(t("empty.children"))
    st.stop()
schools = {s["school_id"]: f"{ui_names.school(s)} ({ui_names.region(s['region'])})"
           for s in services.staff().registered_schools()}
with st.form("transfer_propose"):
    code = forms.pick_child(children, "transfer_child", required=False)
    to_school = st.selectbox(t("transfer.to_school"), list(schools), index=None,
                             format_func=lambda s: schools.get(s, s), key="transfer_to",
                             placeholder=t("transfer.choose_school"),
                             help=t("transfer.to_school_help"))
    reason = st.text_area(t("transfer.reason"), key="transfer_why")
    submitted = st.form_submit_button(t("transfer.propose"), type="primary")
    if submitted and not code:
        st.error(t("pick.prompt"))
    elif submitted:
        parts.run(services.app().transfer_child, me, code, to_school or "", reason,
                  done=t("transfer.proposed", code=code, school=schools.get(to_school or "", "")))
