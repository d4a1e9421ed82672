"""The access log: who viewed which child's record, which fields, when and why."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from ui import forms, services
from ui.auditor.event_text import fields_in_words
from ui.charts import bars
from ui.i18n import fmt_datetime, has, local_date, t, tn


def purpose(name: str) -> str:
    return t(f"access.purpose.{name}") if has(f"access.purpose.{name}") else name


me = forms.actor()
st.title(t("nav.access_log"))
st.caption(t("access.help"))
f1, f2 = st.columns(2)
code = f1.text_input(t("access.child"), key="access_child").strip().upper() or None
user = f2.text_input(t("access.user"), key="access_user").strip() or None
try:
    rows = services.audit().access_log(me, code, user)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
if not rows:
    st.info(t("empty.access"))
    st.stop()
st.caption(tn("access.count", len(rows)))
frame = pd.DataFrame([{
    t("access.viewed_at"): fmt_datetime(r["viewed_at"]),
    t("access.viewed_by"): r["viewed_by"],
    t("events.role"): t(f"role.{r['role']}"),
    t("access.child"): r["child_code"],
    t("access.purpose"): purpose(r["purpose"]),
    t("access.fields"): fields_in_words(r["fields"]),
    t("access.as_of"): fmt_datetime(datetime.fromisoformat(r["as_of"])) if r["as_of"] else "",
} for r in rows])
st.dataframe(frame, hide_index=True, width="stretch")
by_day = pd.DataFrame({"day": [local_date(r["viewed_at"]) for r in rows],
                       "purpose": [purpose(r["purpose"]) for r in rows]})
st.subheader(t("access.per_day"))
bars(by_day.groupby(["day", "purpose"]).size().unstack(fill_value=0), per="day",
     x_title=t("chart.day"), y_title=t("chart.reads"), legend=t("access.purpose"))
