"""Caseload at a glance: per school and region, children, open escalations by level,
overdue acknowledgements, incidents and sessions in the last 30 days, and the trend."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from ui import forms, services
from ui.i18n import fmt_number, t

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
                              default=regions, key="caseload_regions")
chosen = [r for r in rows if r["region"] in (region or regions)]
table = pd.DataFrame(chosen)[["region", "school_id", "children", "open_high", "open_medium",
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
        st.line_chart(weekly.pivot_table(index="week", columns="region", values="incidents",
                                         fill_value=0))
with right:
    st.subheader(t("caseload.open_by_school"))
    by_school = pd.DataFrame(chosen).set_index("school_id")[["open_high", "open_medium",
                                                             "open_low"]]
    by_school.columns = [t(f"choice.level.{c.split('_')[1]}") for c in by_school.columns]
    st.bar_chart(by_school, color=["#d62728", "#ff7f0e", "#1f77b4"])

st.subheader(t("caseload.speed"))
metrics = services.oversight().escalation_metrics(me)
if metrics:
    speed = pd.DataFrame(metrics)
    speed["level"] = [t(f"choice.level.{v}") for v in speed["level"]]
    speed.columns = [t(f"metrics.{c}") for c in speed.columns]
    st.dataframe(speed, hide_index=True, width="stretch")
