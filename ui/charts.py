"""Charts in the reader's language and time zone (Altair / Vega-Lite).

Pages hand over the same wide frames they would give `st.line_chart` or `st.bar_chart`
(the index along the x axis, one column per series); here they become Vega-Lite charts
whose month and day names, number separators and axis titles follow the UI language:
the time and number locales are built from Babel's (CLDR) data and sent in the chart's
`config.locale`, so Vega formats the axes itself. Moments are drawn on the reader's
clock (`ui.i18n.to_local`): their local wall time is sent as UTC and shown in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from ui.i18n import current_language, to_local

X, SERIES, VALUE = "x", "series", "value"
# Axis label formats (d3-time-format) for buckets of a day and of a month.
DAY_FORMAT, MONTH_FORMAT = "%d %b", "%b %Y"
# Below the chart, in full: "Вовлечённость в школьную жизнь" is not cut to "Вовлечённость в…".
LEGEND = alt.Legend(orient="bottom", columns=2, labelLimit=0)


def vega_locale(language: str | None = None) -> dict[str, Any]:
    """Vega's `config.locale` for `language`: d3 number and time format locales from CLDR."""
    from babel import Locale
    from babel.numbers import get_decimal_symbol, get_group_symbol

    language = language or current_language()
    locale = Locale.parse(language if language in ("kk", "ru", "en") else "en")
    months = locale.months["stand-alone"]
    days = locale.days["stand-alone"]  # Babel counts from Monday (0), d3 from Sunday
    sunday_first = [6, 0, 1, 2, 3, 4, 5]
    periods = locale.day_periods["format"]["abbreviated"]
    return {
        "number": {"decimal": get_decimal_symbol(locale), "thousands": get_group_symbol(locale),
                   "grouping": [3], "currency": ["", "\u00a0₸"]},
        "time": {
            "dateTime": "%x, %X", "date": "%d.%m.%Y" if language != "en" else "%Y-%m-%d",
            "time": "%H:%M:%S", "periods": [str(periods["am"]), str(periods["pm"])],
            "days": [str(days["wide"][i]) for i in sunday_first],
            "shortDays": [str(days["abbreviated"][i]) for i in sunday_first],
            "months": [str(months["wide"][m]) for m in range(1, 13)],
            "shortMonths": [str(months["abbreviated"][m]) for m in range(1, 13)],
        },
    }


def wall_time(value: Any) -> Any:
    """A moment as its local wall time written as UTC (drawn and labelled in UTC); a day
    as its midnight; anything else unchanged."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    if isinstance(value, str) and len(value) in (7, 10) and value[:4].isdigit():
        return f"{value}-01T00:00:00Z" if len(value) == 7 else f"{value}T00:00:00Z"
    return value


def long_form(data: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """A wide frame (index = x, a column per series) as rows of x, series and value, and
    whether x holds moments or days."""
    frame = data.copy()
    frame.index = [wall_time(v) for v in frame.index]
    temporal = all(isinstance(v, str) and v.endswith("Z") for v in frame.index)
    frame.index.name = X
    frame.columns = [str(c) for c in frame.columns]
    rows = frame.reset_index().melt(id_vars=X, var_name=SERIES, value_name=VALUE)
    return rows, temporal


def localized(chart: alt.Chart | alt.LayerChart, language: str | None = None) -> Any:
    """`chart` with the language's time and number locale."""
    return chart.configure(locale=vega_locale(language))


def line(data: pd.DataFrame, *, x_title: str = "", y_title: str = "", legend: str = "",
         height: int | None = None, where: Any = None) -> alt.Chart:
    """A line per column over the index (moments on the reader's clock), drawn at once."""
    rows, temporal = long_form(data)
    x = alt.X(f"{X}:{'T' if temporal else 'O'}", title=x_title or None,
              scale=alt.Scale(type="utc") if temporal else alt.Undefined)
    chart = alt.Chart(rows).mark_line(point=True).encode(
        x=x, y=alt.Y(f"{VALUE}:Q", title=y_title or None),
        color=alt.Color(f"{SERIES}:N", title=legend or None, legend=LEGEND),
        tooltip=[alt.Tooltip(f"{X}:{'T' if temporal else 'O'}", title=x_title or " ",
                             **({"format": "%x", "formatType": "utc"} if temporal else {})),
                 alt.Tooltip(f"{SERIES}:N", title=legend or " "),
                 alt.Tooltip(f"{VALUE}:Q", title=y_title or " ")])
    return draw(chart, height, where)


def bars(data: pd.DataFrame, *, x_title: str = "", y_title: str = "", legend: str = "",
         per: str = "", colors: list[str] | None = None, height: int | None = None,
         where: Any = None) -> alt.Chart:
    """Stacked bars per index value, one colour per column. `per` = "month" or "day" puts
    the index (days, months "2026-03", moments) in calendar buckets named in the language."""
    rows, temporal = long_form(data)
    if temporal and per in ("month", "day"):
        unit, label = ("utcyearmonth", MONTH_FORMAT) if per == "month" \
            else ("utcyearmonthdate", DAY_FORMAT)
        x = alt.X(f"{X}:O", timeUnit=unit, title=x_title or None,
                  axis=alt.Axis(format=label, formatType="utc", labelAngle=0))
    else:
        x = alt.X(f"{X}:N", title=x_title or None, sort=None)
    color = alt.Color(f"{SERIES}:N", title=legend or None, sort=None, legend=LEGEND,
                      scale=alt.Scale(range=colors) if colors else alt.Undefined)
    chart = alt.Chart(rows).mark_bar().encode(
        x=x, y=alt.Y(f"sum({VALUE}):Q", title=y_title or None), color=color,
        tooltip=[alt.Tooltip(f"{SERIES}:N", title=legend or " "),
                 alt.Tooltip(f"sum({VALUE}):Q", title=y_title or " ", format=",d")])
    return draw(chart, height, where)


def draw(chart: alt.Chart, height: int | None, where: Any) -> alt.Chart:
    """Show `chart` in `where` (the page by default) with the session's locale."""
    if height:
        chart = chart.properties(height=height)
    # SVG: axis labels are text a screen reader (and a test) can read.
    chart = chart.properties(usermeta={"embedOptions": {"renderer": "svg"}})
    (where or st).altair_chart(localized(chart), width="stretch")
    return chart
