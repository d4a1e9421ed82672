"""Erasure requests, by four eyes: an administrator asks for a child's personal data to be
erased, with the lawful request it answers; a data-protection officer (or another
administrator) approves or rejects it with a reason. Only an approval erases, and its
steps show as they happen. Nobody decides their own request."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from domain.access import ADMINS_DECIDE_ERASURE, POLICY
from domain.checks import TEXT
from domain.errors import KopirError
from processes.erasure import FILES, KEYS, READ_MODELS
from ui import forms, services
from ui.i18n import fmt_datetime, t

STEPS = (KEYS, READ_MODELS, FILES)
RECENT = 20  # decisions shown

me = forms.actor()
policy = POLICY[me.role]
may_ask = policy.administers
may_decide = policy.decides_erasure or (ADMINS_DECIDE_ERASURE and policy.administers)
st.title(t("nav.erasures"))
try:
    rows = services.app().erasure_requests(me)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()


def done(message: str) -> None:
    st.session_state["erasures_done"] = message
    st.rerun()


def approve(request: dict[str, Any], note: str) -> None:
    """Approve and erase, each step shown as it happens."""
    with st.status(t("erasure.working", child=forms.escape(request["child_code"])),
                   expanded=True) as status:
        bar = st.progress(0.0)

        def step(code: str) -> None:
            bar.progress((STEPS.index(code) + 1) / len(STEPS), text=t(code))

        try:
            destroyed = services.approve_erasure(me, request["request_id"], note, step)
        except KopirError as error:
            status.update(label=t("erasure.not_done"), state="error")
            forms.show_refusal(error)
            return
        status.update(label=t("erasure.erased", child=forms.escape(request["child_code"]),
                              keys=destroyed), state="complete")
    done(t("erasure.erased", child=forms.escape(request["child_code"]), keys=destroyed))


def reject(request: dict[str, Any], note: str) -> None:
    try:
        services.record(services.app().reject_erasure, me, request["request_id"], note)
    except KopirError as error:
        forms.show_refusal(error)
    else:
        done(t("erasure.rejected_done", child=forms.escape(request["child_code"])))


# The last action's confirmation, once.
if finished := st.session_state.pop("erasures_done", None):
    st.success(finished, icon=":material/check_circle:")

pending = [r for r in rows if r["status"] == "pending"]
decided = [r for r in rows if r["status"] != "pending"][:RECENT]
st.subheader(t("erasure.pending"))
if not pending:
    st.info(t("erasure.none_pending"))
for r in pending:
    rid = r["request_id"]
    with st.container(border=True):
        st.markdown(t("erasure.asked", child=forms.escape(r["child_code"]),
                      by=forms.escape(r["requested_by"]),
                      when=fmt_datetime(r["requested_at"], length="medium")))
        st.text(r["reason"])  # as typed: never read as markdown
        if r["requested_by"] == me.user_id:
            st.caption(t("erasure.waits_for_second"))
        elif may_decide:
            note = st.text_input(t("erasure.note"), max_chars=TEXT, key=f"erasure_note_{rid}")
            left, right = st.columns(2)
            if left.button(t("erasure.approve"), key=f"erasure_approve_{rid}", type="primary"):
                approve(r, note)
            if right.button(t("erasure.reject"), key=f"erasure_reject_{rid}"):
                reject(r, note)

if may_ask:
    st.subheader(t("erasure.new"))
    with st.form("erasure_request", clear_on_submit=False):
        code = st.text_input(t("erasure.child_code"), max_chars=20, key="erasure_code")
        reason = st.text_area(t("erasure.reason"), max_chars=TEXT, key="erasure_reason",
                              help=t("erasure.reason_help"))
        if st.form_submit_button(t("erasure.ask"), type="primary"):
            try:
                services.record(services.app().request_erasure, me, code.strip(), reason)
            except KopirError as error:
                forms.show_refusal(error)
            else:
                done(t("erasure.asked_done", child=forms.escape(code.strip())))

st.subheader(t("erasure.decisions"))
if not decided:
    st.info(t("erasure.none_decided"))
else:
    st.dataframe(pd.DataFrame([{
        t("erasure.child_code"): r["child_code"], t("erasure.status"): t(f"erasure.{r['status']}_status"),
        t("erasure.requested_by"): r["requested_by"], t("erasure.reason"): r["reason"],
        t("erasure.decided_by"): r["decided_by"],
        t("erasure.decided_at"): fmt_datetime(r["decided_at"], length="medium"),
        t("erasure.note"): r["note"]} for r in decided]), hide_index=True, width="stretch")
st.caption(t("erasure.four_eyes"))
