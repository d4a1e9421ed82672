"""My work: the week of the person signed in. What the rules expect before a supervisor
hears of it (a first session after enrolment, a session after a degrading label, sessions
after missed ones), the follow-ups they set in sessions and family contacts, the measures
they are responsible for and the plans they drafted when a review is due, what waits for
a supervisor's approval, and the concerns assigned to them: overdue, due this week, later."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from ui import forms, services
from ui.i18n import fmt_datetime, t

me = forms.actor()
st.title(t("nav.tasks"))
try:
    work = services.staff().my_work(me)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
if not any(work.values()):
    st.success(t("empty.tasks"), icon=":material/done_all:")
    st.stop()
kpis = st.columns(3)
for column, section in zip(kpis, ("overdue", "this_week", "later"), strict=True):
    column.metric(t(f"work.{section}"), len(work[section]))


def table(rows: list[dict]) -> pd.DataFrame:  # type: ignore[type-arg]
    return pd.DataFrame([{
        t("col.child"): task["code"],
        t("col.school"): task["school_id"],
        t("col.task"): t(f"task.{task['kind']}"),
        t("col.due"): fmt_datetime(task["due"]),
        t("col.escalates"): fmt_datetime(task["escalates"]) if task["escalates"] else "",
    } for task in rows])


for section in ("overdue", "this_week", "later"):
    rows = work[section]
    if rows:
        st.subheader(t(f"work.{section}"))
        st.dataframe(table(rows), hide_index=True, width="stretch")
