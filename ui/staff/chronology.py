"""A child's chronology: what happened, in order, with late entries and corrections marked."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from domain.access import Role
from domain.errors import KopirError
from ui import forms, services
from ui.i18n import t

me = forms.actor()
st.title(t("nav.chronology"))
children = services.children(me)
if not children:
    st.info(t("empty.children"))
    st.stop()

code = st.selectbox("Child", [c["code"] for c in children], key="chronology_child")
as_of = None
if me.role in (Role.AUDITOR, Role.PSYCHOLOGIST):
    if st.toggle("Show the record as it stood at a past moment", key="chronology_past"):
        as_of = forms.moment("As recorded by", services.now() - timedelta(days=30),
                             key="chronology_as_of")

try:
    rows = services.chronology(me, code, as_of=as_of)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()

if not rows:
    st.info(t("empty.chronology"))
    st.stop()


def summary(row: dict) -> str:  # type: ignore[type-arg]
    fields = row["fields"]
    text = fields.get("description") or fields.get("summary") or fields.get("reason") \
        or row.get("reason") or ""
    if row["kind"] == "CounsellingSessionRecorded":
        text = f"{fields.get('attendance', '')}: {text}".strip(": ")
    return text


def marks(row: dict) -> str:  # type: ignore[type-arg]
    found = []
    if row["late"]:
        found.append(f"late by {row['delay_seconds'] // 86400} d")
    if row["status"] != "recorded":
        found.append(row["status"])
    return ", ".join(found)


table = pd.DataFrame([{
    "When": r["occurred_at"].astimezone(),
    "What": t(f"kind.{r['kind']}"),
    "Severity": str(r["fields"].get("severity") or ""),
    "Summary": summary(r),
    "Marks": marks(r),
    "Recorded by": r["recorded_by"],
    "Recorded at": r["recorded_at"].astimezone(),
} for r in rows])
if as_of is not None:
    st.caption(f"As recorded by {as_of.astimezone():%d %b %Y %H:%M}: "
               "entries recorded later are not shown.")
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
    "Recorded at": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
})

if me.role == Role.PSYCHOLOGIST:
    notes = [r for r in rows if r.get("confidential_notes")]
    if notes:
        with st.expander("Confidential notes (psychologists only)"):
            for r in notes:
                st.text(f"{r['occurred_at'].astimezone():%d %b %Y}: {r['confidential_notes']}")

points = services.wellbeing(me, code) if as_of is None else []
if points:
    st.subheader("Wellbeing over time")
    chart = pd.DataFrame(points).set_index("occurred_at")
    st.line_chart(chart, y=["social_ties", "school_engagement", "emotional_state",
                            "family_support"])
