"""The raw event log of a child (who recorded what, when, in which role), the integrity
check, and the audit export (JSON, CSV, printable HTML). Read-only."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from infrastructure.settings import settings
from ui import forms, printable, services
from ui import names as ui_names
from ui.auditor.event_text import Wording, ledger_sentences
from ui.i18n import fmt_datetime, fmt_number, t, tn
from ui.reads import first_read


def kind_label(kind: str) -> str:
    return t(f"kind.{kind}") if kind in printable.KINDS else kind


try:  # before any child is listed (a data-protection officer lists none)
    services.audit().check_may_audit(forms.actor())
except KopirError as error:
    st.title(t("nav.event_log"))
    forms.show_refusal(error)
    st.stop()
me, children = forms.reading_page("nav.event_log")
code = forms.pick_child(children, "events_child")
if not code:
    st.info(t("events.pick"))
    st.stop()

try:  # showing the chosen child's events is the visit's one read of the record
    log = services.audit().events(me, code, logged=first_read("events", code))
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
names = ui_names.staff(services.audit())
wording = Wording(log, names)
st.caption(tn("events.count", len(log)))
st.dataframe(pd.DataFrame([{
    t("events.version"): e["version"],
    t("events.type"): kind_label(e["type"]),
    t("col.recorded_at"): fmt_datetime(e["recorded_at"]),
    t("col.recorded_by"): names.get(e["recorded_by"], e["recorded_by"]),
    t("events.role"): t(f"role.{e['role']}"),
    t("col.when"): fmt_datetime(e["occurred_at"]),
    t("events.content"): wording.summary(e),
} for e in log]), hide_index=True, width="stretch")
if st.toggle(t("events.show_raw"), key="events_raw", help=t("events.show_raw.help")):
    by_version = {e["version"]: e for e in log}
    version = st.selectbox(t("events.raw_event"), list(by_version), index=None,
                           placeholder=t("events.raw_event.placeholder"),
                           format_func=lambda v: f"{v} · {kind_label(by_version[v]['type'])}",
                           key="events_raw_version")
    if version is not None:
        st.json(json.dumps(by_version[version]["fields"], ensure_ascii=False, default=str))

# Events the followers could not apply: this record is incomplete until they are retried.
parked = services.audit().parked(me, code)
if parked:
    st.warning(tn("events.parked", len(parked)), icon=":material/pending_actions:")
    st.dataframe(pd.DataFrame([{
        t("events.parked.event"): p["notification_id"],
        t("events.parked.by"): t(f"events.follower.{p['follower']}"),
        t("events.type"): kind_label(p["topic"].rsplit(".", 1)[-1]),
        t("events.parked.since"): fmt_datetime(p["parked_at"]),
        t("events.parked.reason"): p["reason"],
    } for p in parked]), hide_index=True, width="stretch")
if everywhere := services.audit().parked(me):
    st.caption(tn("events.parked.all", len(everywhere)))

left, right = st.columns(2)
with left:
    st.subheader(t("events.integrity"))
    st.caption(t("events.integrity.help"))
    if st.button(t("events.verify"), icon=":material/verified:", key="events_verify"):
        with st.status(t("events.verifying"), expanded=False) as status:
            result = services.audit().integrity(me, code, logged=True)
            status.update(label=t("events.verified") if result["ok"] else t("events.failed"),
                          state="complete" if result["ok"] else "error")
        if result["ok"]:
            st.success(tn("events.intact", result["events"]), icon=":material/verified_user:")
        else:
            st.error(t("events.problems", problems=forms.escape("; ".join(result["problems"]))))
    st.caption(t("events.ledger.help"))
    if st.button(t("events.ledger"), icon=":material/link:", key="events_ledger"):
        with st.status(t("events.verifying"), expanded=False) as status:
            verdict = services.verify_log(me, lambda n: status.update(
                label=t("events.ledger.progress", n=fmt_number(n))))
            status.update(label=t("events.verified") if verdict.ok else t("events.failed"),
                          state="complete" if verdict.ok else "error")
        if verdict.ok:
            st.success(" ".join(ledger_sentences(verdict, settings().checkpoint_every,
                                                 settings().checkpoint_minutes)),
                       icon=":material/verified_user:")
        else:
            st.error(t("events.problems", problems=forms.escape("; ".join(verdict.problems))))
with right:
    st.subheader(t("events.export"))
    st.caption(t("events.export.help"))
    if st.button(t("events.prepare"), icon=":material/inventory_2:", key="events_prepare"):
        with st.status(t("events.preparing"), expanded=True) as status:
            st.write(t("events.step.read"))
            bundle = services.audit().export(me, code)
            st.write(t("events.step.check"))
            table = printable.chronology_rows(bundle["chronology"])
            st.session_state["export"] = {
                "code": code,
                "json": printable.to_json(bundle),
                "csv": printable.to_csv(table),
                "html": printable.html_page(
                    t("chronology.print_title", code=code),
                    t("events.export.subtitle", user=me.user_id,
                      when=fmt_datetime(bundle["exported_at"]),
                      verdict=t("events.verified") if bundle["integrity"]["ok"]
                      else t("events.failed")), table)}
            status.update(label=t("events.ready"), state="complete")
    ready = st.session_state.get("export")
    if ready and ready["code"] == code:
        c1, c2, c3 = st.columns(3)
        c1.download_button("JSON", ready["json"], f"audit-{code}.json", "application/json",
                           key="export_json")
        c2.download_button("CSV", ready["csv"], f"audit-{code}.csv", "text/csv",
                           key="export_csv")
        c3.download_button("HTML", ready["html"], f"audit-{code}.html", "text/html",
                           key="export_html")
