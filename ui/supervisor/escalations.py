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

st.subheader("Why?")
labels = {r["escalation_id"]: f"{r['level'].upper()} · {r['child_code']} · {r['reason'][:70]}"
          for r in rows}
chosen = st.selectbox("Escalation", list(labels), format_func=labels.get, key="why_escalation")
why = services.explain(me, chosen)
if why["rule"] is None:
    st.write("Raised by hand by a psychologist.")
else:
    rule = why["rule"]
    st.markdown(f"**Rule** `{rule['id']}`, version {why['escalation']['rule_version']} "
                f"(level {rule['level']}): {forms.escape(rule['text'])}")
    if not rule["same_version"]:
        st.caption(f"The rule is now at version {rule['current_version']}.")
    if why["window"]:
        st.caption(f"Window evaluated: {why['window']['from'].astimezone():%d %b %Y} – "
                   f"{why['window']['to'].astimezone():%d %b %Y} ({why['window']['days']} days).")
delay = why["escalation"]["detection_delay_seconds"]
if delay > 86400:
    st.warning(f"Late escalation: detected {delay // 86400} days after it would have been, "
               "because an entry was recorded late.")
if why["entries"]:
    st.dataframe(pd.DataFrame([{
        "When": e["occurred_at"].astimezone(),
        "What": e["kind"],
        "Severity": str(e["fields"].get("severity") or ""),
        "Summary": e["fields"].get("description") or e["fields"].get("summary") or "",
    } for e in why["entries"]]), hide_index=True, width="stretch")

st.subheader("How fast escalations are handled")
metrics = services.escalation_metrics(me)
st.dataframe(pd.DataFrame(metrics).rename(columns={
    "school_id": "School", "level": "Level", "escalations": "Escalations",
    "acknowledged": "Acknowledged", "resolved": "Resolved",
    "median_hours_to_escalation": "Entry → escalation (h, median)",
    "median_hours_to_acknowledgement": "→ acknowledged (h, median)",
    "median_hours_to_resolution": "→ resolved (h, median)"}), hide_index=True, width="stretch")

