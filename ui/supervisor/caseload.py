"""Caseload at a glance: per school and region, children, open escalations by level,
overdue acknowledgements, incidents and sessions in the last 30 days, and the trend."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from ui import forms, services
from ui import names as ui_names
from ui.charts import bars, line
from ui.i18n import fmt_number, t


def hours(value: float | None, at_least: bool = False) -> str:
    """A median in hours; "over 12.5" when open items keep it from being known."""
    if value is None:
        return "—"
    text = fmt_number(value, digits=2)
    return t("metrics.over", hours=text) if at_least else text


me = forms.actor()
st.title(t("nav.caseload"))
try:
    data = services.oversight().caseload(me)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
rows = data["schools"]
if not rows:
    st.info(t("empty.caseload"))
    st.stop()

totals = st.columns(5)
for column, key in zip(totals, ("children", "open_high", "overdue", "incidents_30d",
                                "sessions_30d"), strict=True):
    column.metric(t(f"caseload.{key}"), fmt_number(sum(r[key] for r in rows)))

regions = sorted({r["region"] for r in rows})
region = st.segmented_control(t("caseload.region"), regions, selection_mode="multi",
                              format_func=ui_names.region,
                              default=regions, key="caseload_regions")
chosen = [r for r in rows if r["region"] in (region or regions)]
table = pd.DataFrame([{**r, "region": ui_names.region(r["region"])} for r in chosen])[["region", "school_id", "children", "open_high", "open_medium",
                              "open_low", "overdue", "incidents_30d", "positive_30d",
                              "sessions_30d"]]
table.columns = [t(f"caseload.{c}") for c in table.columns]
st.dataframe(table, hide_index=True, width="stretch")

left, right = st.columns(2)
with left:
    st.subheader(t("caseload.trend"))
    weekly = pd.DataFrame(data["weekly_incidents"])
    if weekly.empty:
        st.caption(t("empty.incidents"))
    else:
        weekly = weekly[weekly["region"].isin(region or regions)]
        line(weekly.pivot_table(index="week", columns="region", values="incidents",
                                fill_value=0).rename(columns=ui_names.region),
             x_title=t("chart.week"), y_title=t("chart.incidents"), legend=t("chart.region"))
with right:
    st.subheader(t("caseload.open_by_school"))
    by_school = pd.DataFrame(chosen).set_index("school_id")[["open_high", "open_medium",
                                                             "open_low"]]
    by_school.columns = [t(f"choice.level.{c.split('_')[1]}") for c in by_school.columns]
    bars(by_school, colors=["#d62728", "#ff7f0e", "#1f77b4"], x_title=t("col.school"),
         y_title=t("chart.concerns"), legend=t("chart.level"))

st.subheader(t("caseload.speed"))
metrics = services.oversight().escalation_metrics(me)
if metrics:
    st.caption(t("metrics.help"))
    st.dataframe(pd.DataFrame([{
        t("metrics.school_id"): m["school_id"], t("metrics.level"): t(f"choice.level.{m['level']}"),
        **{t(f"metrics.{c}"): m[c] for c in ("escalations", "concerns", "acknowledged",
                                             "resolved", "waiting", "overdue")},
        t("metrics.median_hours_to_escalation"): hours(m["median_hours_to_escalation"]),
        t("metrics.median_hours_to_acknowledgement"): hours(
            m["median_hours_to_acknowledgement"], m["acknowledgement_at_least"]),
        t("metrics.median_hours_to_resolution"): hours(m["median_hours_to_resolution"],
                                                       m["resolution_at_least"]),
    } for m in metrics]), hide_index=True, width="stretch")
