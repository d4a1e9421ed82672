"""Caseload at a glance: per school (per region for the whole country, with one region
opened), children, open concerns by level, overdue acknowledgements, incidents and
sessions in the last 30 days, and the trend."""

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


FIGURES = ["children", "open_high", "open_medium", "open_low", "overdue", "incidents_30d",
           "positive_30d", "sessions_30d"]


def region_label(code: str) -> str:
    return ui_names.region(code) or t("caseload.no_region")


def figures_table(rows: list[dict], first: list[str]) -> None:
    table = pd.DataFrame([{**r, "region": region_label(r["region"])} for r in rows])[
        first + FIGURES]
    table.columns = [t(f"caseload.{c}") for c in table.columns]
    st.dataframe(table, hide_index=True, width="stretch")


def open_by(rows: list[dict], key: str, title: str, axis: str) -> None:
    st.subheader(title)
    frame = pd.DataFrame(rows)
    if key == "region":
        frame["region"] = frame["region"].map(region_label)
    frame = frame.set_index(key)[["open_high", "open_medium", "open_low"]]
    frame.columns = [t(f"choice.level.{c.split('_')[1]}") for c in frame.columns]
    bars(frame, colors=["#d62728", "#ff7f0e", "#1f77b4"], x_title=axis,
         y_title=t("chart.concerns"), legend=t("chart.level"))


def trend(weekly_rows: list[dict], regions: list[str]) -> None:
    st.subheader(t("caseload.trend"))
    weekly = pd.DataFrame(weekly_rows)
    if weekly.empty:
        st.caption(t("empty.incidents"))
        return
    weekly = weekly[weekly["region"].isin(regions)]
    line(weekly.pivot_table(index="week", columns="region", values="incidents",
                            fill_value=0).rename(columns=region_label),
         x_title=t("chart.week"), y_title=t("chart.incidents"), legend=t("chart.region"))


me = forms.actor()
st.title(t("nav.caseload"))
try:
    data = services.oversight().caseload(me)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
rows = data.get("regions") or data["schools"]
if not rows:
    st.info(t("empty.caseload"))
    st.stop()

totals = st.columns(5)
for column, key in zip(totals, ("children", "open_high", "overdue", "incidents_30d",
                                "sessions_30d"), strict=True):
    column.metric(t(f"caseload.{key}"), fmt_number(sum(r[key] for r in rows)))

if "regions" in data:  # the whole country: a row per region, and one region opened
    figures_table(rows, ["region", "schools"])
    left, right = st.columns(2)
    with left:
        trend(data["weekly_incidents"], [r["region"] for r in rows])
    with right:
        open_by(rows, "region", t("caseload.open_by_region"), t("chart.region"))
    opened = st.selectbox(t("caseload.open_region"), [r["region"] for r in rows], index=None,
                          format_func=region_label, placeholder=t("caseload.pick_region"),
                          key="caseload_opened")
    if opened is not None:
        schools = services.oversight().caseload(me, region=opened)["schools"]
        if schools:
            figures_table(schools, ["region", "school_id"])
        else:
            st.info(t("empty.caseload"))
else:
    regions = sorted({r["region"] for r in rows})
    region = st.segmented_control(t("caseload.region"), regions, selection_mode="multi",
                                  format_func=region_label,
                                  default=regions, key="caseload_regions")
    chosen = [r for r in rows if r["region"] in (region or regions)]
    figures_table(chosen, ["region", "school_id"])
    left, right = st.columns(2)
    with left:
        trend(data["weekly_incidents"], region or regions)
    with right:
        open_by(chosen, "school_id", t("caseload.open_by_school"), t("col.school"))

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
