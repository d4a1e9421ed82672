"""The escalation queue: what is open, how urgent, and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from ui import forms, services
from ui.i18n import t

me = forms.actor()
st.title(t("nav.escalations"))
try:
    rows = services.escalations(me)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
if not rows:
    st.success(t("empty.escalations"))
    st.stop()
now = services.now()
st.dataframe(pd.DataFrame([{
    "Level": r["level"],
    "Child": r["child_code"],
    "School": r["school_id"],
    "Status": r["status"],
    "Raised": r["raised_at"].astimezone(),
    "Acknowledge by": r["acknowledge_by"].astimezone(),
    "Overdue": r["status"] == "open" and r["acknowledge_by"] < now,
    "Why": r["reason"],
} for r in rows]), hide_index=True, width="stretch")
