"""A child's chronology: what happened, in order, with late entries and corrections marked,
filters, the wellbeing trajectory and incident frequency, and a printable view."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from domain.access import Role
from domain.errors import KopirError
from ui import forms, printable, services
from ui.i18n import fmt_datetime, t

INCIDENTS = ("ConflictRecorded", "PeerIncidentRecorded")
me, children = forms.reading_page("nav.chronology")

top = st.columns([2, 3])
with top[0]:
    code = forms.pick_child(children, "chronology_child")
as_of = None
if me.role == Role.PSYCHOLOGIST:
    with top[1]:
        if st.toggle(t("chronology.past"), key="chronology_past"):
            as_of = forms.moment(t("chronology.as_of"), services.now() - timedelta(days=30),
                                 key="chronology_as_of")

try:
    record = services.staff().record(me, code, as_of=as_of)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
summary, rows, points = record["summary"], record["entries"], record["wellbeing"]

facts = [("col.grade", "grade"), ("col.age_band", "age_band"),
         ("col.open_escalations", "open_escalations"),
         ("col.sessions_attended", "sessions_attended")]
facts = [(label, summary[name]) for label, name in facts if name in summary]
for column, (label, value) in zip(st.columns(len(facts)), facts, strict=True):
    column.metric(t(label), value)
if me.role == Role.TEACHER:
    st.caption(t("chronology.own_entries"))

if not rows:
    st.info(t("empty.chronology"))
    st.stop()

with st.expander(t("chronology.filters"), icon=":material/filter_list:"):
    f1, f2, f3 = st.columns(3)
    kinds = sorted({r["kind"] for r in rows})
    chosen_kinds = f1.multiselect(t("col.what"), kinds, default=kinds,
                                  format_func=forms.labeller("kind."), key=forms.lk("chronology_kinds"))
    first = min(r["occurred_at"] for r in rows).astimezone().date()
    last = max(r["occurred_at"] for r in rows).astimezone().date()
    period = f2.date_input(t("chronology.period"), value=(first, last), key="chronology_period")
    authors = sorted({r["recorded_by"] for r in rows})
    chosen_authors = f3.multiselect(t("col.recorded_by"), authors, default=authors,
                                    key="chronology_authors")
    show_corrections = st.checkbox(t("chronology.show_corrections"), value=True,
                                   key="chronology_corrections")

start, end = (period[0], period[-1]) if isinstance(period, tuple) and period else (first, last)
shown = [r for r in rows
         if r["kind"] in chosen_kinds and r["recorded_by"] in chosen_authors
         and start <= r["occurred_at"].astimezone().date() <= end
         and (show_corrections or not r.get("corrects"))]
if as_of is not None:
    st.caption(t("chronology.as_of_caption", when=fmt_datetime(as_of)))
st.caption(t("chronology.count", shown=len(shown), total=len(rows)))
table = printable.chronology_rows(shown)
st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")

if me.role == Role.PSYCHOLOGIST:
    notes = [r for r in shown if r.get("confidential_notes")]
    if notes:
        with st.expander(t("chronology.confidential"), icon=":material/lock:"):
            for r in notes:
                st.text(f"{fmt_datetime(r['occurred_at'])}: {r['confidential_notes']}")

charts = st.columns(2)
with charts[0]:
    st.subheader(t("chronology.wellbeing"))
    if points is None and as_of is None:
        st.caption(t("chronology.wellbeing_not_shown"))
    elif points:
        chart = pd.DataFrame(points).set_index("occurred_at")
        chart.columns = [t(f"field.{c}") for c in chart.columns]
        st.line_chart(chart)
    else:
        st.caption(t("empty.wellbeing"))
with charts[1]:
    st.subheader(t("chronology.frequency"))
    incidents = [r for r in rows if r["kind"] in INCIDENTS and r["status"] != "retracted"
                 and not r["fields"].get("positive")]
    if incidents:
        frame = pd.DataFrame({"month": [r["occurred_at"].strftime("%Y-%m") for r in incidents],
                              "kind": [t(f"kind.{r['kind']}") for r in incidents]})
        counts = frame.groupby(["month", "kind"]).size().unstack(fill_value=0)
        st.bar_chart(counts)
    else:
        st.caption(t("empty.incidents"))

st.download_button(
    t("chronology.printable"), icon=":material/print:",
    data=printable.html_page(t("chronology.print_title", code=code),
                             t("chronology.print_subtitle", user=me.user_id,
                               when=fmt_datetime(services.now())), table),
    file_name=f"chronology-{code}.html", mime="text/html", key="chronology_print")
