"""The access log: who viewed which child's record, which fields, when and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from ui import forms, services
from ui.i18n import fmt_datetime, t

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
st.caption(t("access.count", n=len(rows)))
frame = pd.DataFrame([{
    t("access.viewed_at"): fmt_datetime(r["viewed_at"]),
    t("access.viewed_by"): r["viewed_by"],
    t("events.role"): t(f"role.{r['role']}"),
    t("access.child"): r["child_code"],
    t("access.purpose"): t(f"access.purpose.{r['purpose']}"),
    t("access.fields"): ", ".join(r["fields"]),
    t("access.as_of"): r["as_of"],
} for r in rows])
st.dataframe(frame, hide_index=True, width="stretch")
by_day = pd.DataFrame({"day": [r["viewed_at"].astimezone().date() for r in rows],
                       "purpose": [t(f"access.purpose.{r['purpose']}") for r in rows]})
st.subheader(t("access.per_day"))
st.bar_chart(by_day.groupby(["day", "purpose"]).size().unstack(fill_value=0))
