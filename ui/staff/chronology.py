"""A child's chronology: what happened, newest or oldest first, with late entries and
corrections marked, the concern's decisions and the plan's steps for those who may see
them, filters of the child's own (with what they hide counted), the wellbeing trajectory
(not for class tutors) and incident frequency, and a printable view."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from domain.access import Role
from domain.errors import KopirError
from ui import child_file, forms, navigation, printable, services
from ui.charts import bars, line
from ui.i18n import date_input_format, fmt_datetime, fmt_number, local_date, t, tn, to_local
from ui.reads import first_read

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
    record = services.staff().record(me, code, as_of=as_of,
                                     logged=first_read("chronology", code, as_of))
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
    st.caption(t("chronology.own_entries") + " " + t("chronology.teacher_sees"))
elif me.role in (Role.PSYCHOLOGIST, Role.SUPERVISOR):
    st.page_link(navigation.page_file("plan"), label=t("children.open_plan"),
                 icon=":material/assignment:", query_params={"child": code})

if not rows:
    st.info(t("empty.chronology"))
    st.stop()

# The filters are the child's own: another child starts with nothing hidden ("show all"
# starts the child's filters afresh too).
fresh = f"{code}_{st.session_state.get('chronology_fresh', 0)}"
FILTERS = {"kinds": f"chronology_kinds_{fresh}", "period": f"chronology_period_{fresh}",
           "authors": f"chronology_authors_{fresh}", "corrections": f"chronology_corr_{fresh}"}
with st.expander(t("chronology.filters"), icon=":material/filter_list:"):
    f1, f2, f3 = st.columns(3)
    kinds = sorted({r["kind"] for r in rows})
    chosen_kinds = f1.multiselect(t("col.what"), kinds, default=kinds,
                                  format_func=forms.labeller("kind."),
                                  key=forms.lk(FILTERS["kinds"]),
                                  placeholder=t("widget.choose_options"))
    first = local_date(min(r["occurred_at"] for r in rows))
    last = local_date(max(r["occurred_at"] for r in rows))
    period = f2.date_input(t("chronology.period"), value=(first, last), key=FILTERS["period"],
                           format=date_input_format())
    authors = sorted({r["recorded_by"] for r in rows})
    chosen_authors = f3.multiselect(t("col.recorded_by"), authors, default=authors,
                                    key=FILTERS["authors"],
                                    placeholder=t("widget.choose_options"))
    show_corrections = st.checkbox(t("chronology.show_corrections"), value=True,
                                   key=FILTERS["corrections"])

start, end = (period[0], period[-1]) if isinstance(period, tuple) and period else (first, last)
shown = [r for r in rows
         if r["kind"] in chosen_kinds and r["recorded_by"] in chosen_authors
         and start <= local_date(r["occurred_at"]) <= end
         and (show_corrections or not r.get("corrects"))]
if as_of is not None:
    st.caption(t("chronology.as_of_caption", when=fmt_datetime(as_of)))
counted, order = st.columns([4, 2])
hidden = len(rows) - len(shown)
counted.markdown(tn("chronology.showing", len(rows), shown=fmt_number(len(shown)))
                 + ("; " + tn("chronology.hidden", hidden) if hidden else ""))
if hidden and counted.button(t("chronology.show_all"), icon=":material/filter_list_off:",
                             key="chronology_show_all"):
    st.session_state["chronology_fresh"] = st.session_state.get("chronology_fresh", 0) + 1
    st.rerun()
newest = order.segmented_control(t("chronology.order"), ["newest", "oldest"],
                                 default="newest", format_func=forms.labeller("chronology.order."),
                                 key=forms.lk("chronology_order")) != "oldest"
table = printable.chronology_rows(shown[::-1] if newest else shown)
st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")

if me.role == Role.PSYCHOLOGIST:
    notes = [r for r in shown if r.get("confidential_notes")]
    if notes:
        with st.expander(t("chronology.confidential"), icon=":material/lock:"):
            for r in notes:
                st.text(f"{fmt_datetime(r['occurred_at'])}: {r['confidential_notes']}")

# Class tutors are not shown wellbeing at all (the query gives them none): no chart.
charts = st.columns(2) if me.role != Role.TEACHER else [st.container(), st.container()]
if me.role != Role.TEACHER:
    with charts[0]:
        st.subheader(t("chronology.wellbeing"))
        if points is None and as_of is None:
            st.caption(t("chronology.wellbeing_not_shown"))
        elif points:
            chart = pd.DataFrame(points).set_index("occurred_at")
            chart.columns = [t(f"field.{c}") for c in chart.columns]
            line(chart, x_title=t("col.when"), y_title=t("chart.score"),
                 legend=t("chart.indicator"))
        else:
            st.caption(t("empty.wellbeing"))
with charts[1]:
    st.subheader(t("chronology.frequency"))
    incidents = [r for r in rows if r["kind"] in INCIDENTS and r["status"] != "retracted"
                 and not r["fields"].get("positive")]
    if incidents:
        frame = pd.DataFrame({"month": [to_local(r["occurred_at"]).strftime("%Y-%m")
                                        for r in incidents],
                              "kind": [t(f"kind.{r['kind']}") for r in incidents]})
        counts = frame.groupby(["month", "kind"]).size().unstack(fill_value=0)
        bars(counts, per="month", x_title=t("chart.month"), y_title=t("chart.entries"),
             legend=t("chart.kind"))
    else:
        st.caption(t("empty.incidents"))

st.download_button(
    t("chronology.printable"), icon=":material/print:",
    data=printable.html_page(t("chronology.print_title", code=code),
                             t("chronology.print_subtitle", user=me.user_id,
                               when=fmt_datetime(services.now())), table),
    file_name=f"chronology-{code}.html", mime="text/html", key="chronology_print")
if as_of is None:  # the child's file as it stands, as a PDF: made and logged on a press
    child_file.download_button(me, code, key="chronology_pdf")
