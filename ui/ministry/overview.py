"""The ministry's overview: aggregates by region and school term, small cells shown as
"<5" (projections/queries/ministry.py decides what is published; this page only lays it
out, charts the trends and exports the same suppressed tables as CSV)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from domain.access import Actor
from domain.errors import KopirError
from domain.suppression import SUPPRESSED
from ui import forms, services
from ui import names as ui_names
from ui.charts import LEGEND, draw
from ui.i18n import current_language, fmt_number, t, translate

TABLES = ("children", "wellbeing", "incidents", "concerns", "measure_types",
          "measure_outcomes")


def term_label(code: str, language: str | None = None) -> str:
    """"Sep–Dec 2025" for "2025-3" (in `language`: a format_func may run after the script)."""
    year, part = code.split("-")
    return translate(f"ministry.term.{part}", language or current_language(), year=year)


def column_label(table: str, column: str) -> str:
    """A column in words: the vocabulary's own labels where there are some."""
    group, _, value = column.partition(".")
    if table == "incidents" and value:
        kind = t(f"choice.{'conflict_kind' if group == 'conflict' else 'peer_kind'}.{value}")
        return t(f"ministry.col.{group}", kind=kind)
    if group in ("type", "status") and value:
        return t(f"choice.measure_{group}.{value}")
    if table == "wellbeing":
        return t(f"field.{column}")
    if table == "concerns" and column == "total":
        return t("ministry.col.raised")
    return t(f"ministry.col.{column}")


def shown(value: Any) -> str:
    if value == SUPPRESSED:
        return SUPPRESSED
    return fmt_number(value, digits=2) if isinstance(value, float) else fmt_number(value)


def frame(name: str, table: dict[str, Any]) -> pd.DataFrame:
    """A suppressed table as the reader sees it: regions by name, the total row last."""
    columns = [*table["columns"], *(["total"] if "total" in table["total"] else [])]
    rows = [*table["rows"], {**table["total"], "region": ""}]
    data = pd.DataFrame([{t("ministry.col.region"): ui_names.region(r["region"]) if r["region"]
                          else t("ministry.all_regions"),
                          **{column_label(name, c): shown(r[c]) for c in columns}}
                         for r in rows])
    return data


def trend_chart(points: list[dict[str, Any]], measures: tuple[str, ...], series: str,
                y_title: str, legend: str, order: list[str]) -> None:
    rows = [p for p in points if p["measure"] in measures]
    if not rows:
        return
    data = pd.DataFrame([{"term": term_label(p["term"]), "value": p["value"],
                          "series": (t(f"field.{p['measure']}") if series == "measure" else
                                     ui_names.region(p["region"]) if p["region"] != "*"
                                     else t("ministry.all_regions"))} for p in rows])
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("term:N", sort=order, title=t("ministry.chart.term")),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("series:N", title=legend, legend=LEGEND),
        tooltip=["term:N", "series:N", "value:Q"])
    draw(chart, 260, None)


def csv(term: str, tables: dict[str, Any]) -> bytes:
    """The published tables of the term in long form: term, table, region, measure, value."""
    rows = [{t("ministry.csv.term"): term, t("ministry.csv.table"): name,
             t("ministry.csv.region"): row["region"] or "*",
             t("ministry.csv.measure"): column, t("ministry.csv.value"): value}
            for name in TABLES for row in (*tables[name]["rows"],
                                           {**tables[name]["total"], "region": ""})
            for column, value in row.items() if column != "region"]
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8")


@st.cache_data(ttl=60, show_spinner=False)
def overview(_me: Actor, user_id: str, role: str, term: str | None) -> dict[str, Any]:
    """The suppressed tables, kept a minute per person and term: they read every entry
    of the country, and nothing in them is about a child."""
    return services.ministry().overview(_me, term)


me = forms.actor()
st.title(t("nav.ministry"))
st.caption(t("ministry.intro"))
try:
    data = overview(me, me.user_id, me.role.value,
                    st.session_state.get(forms.lk("ministry_term")))
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
if not data["terms"]:
    st.info(t("empty.ministry"))
    st.stop()

terms = data["terms"]
language = current_language()
st.selectbox(t("ministry.term"), terms, index=terms.index(data["term"]),
             format_func=lambda code: term_label(code, language), key=forms.lk("ministry_term"))
tables = data["tables"]
for name in TABLES:
    st.subheader(t(f"ministry.{name}"))
    st.dataframe(frame(name, tables[name]), hide_index=True, width="stretch")
st.download_button(t("ministry.download"), csv(data["term"], tables),
                   file_name=f"kopir-ministry-{data['term']}.csv", mime="text/csv")

st.subheader(t("ministry.trends"))
points, order = data["trend"], [term_label(x) for x in terms]
if not points:
    st.caption(t("ministry.trends_empty"))
else:
    left, right = st.columns(2)
    with left:
        trend_chart([p for p in points if p["measure"] == "enrolled"], ("enrolled",), "region",
                    t("ministry.chart.enrolled"), t("chart.region"), order)
        trend_chart(points, ("incidents",), "region", t("ministry.chart.incidents"),
                    t("chart.region"), order)
    with right:
        trend_chart(points, ("social_ties", "school_engagement", "emotional_state",
                             "family_support"), "measure", t("ministry.chart.wellbeing"),
                    t("ministry.chart.area"), order)
