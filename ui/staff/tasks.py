"""My tasks: what the rules expect of me before a supervisor hears of it (a first session
after enrolment, a session after a degrading label, sessions after missed ones, the
follow-ups I set), and the concerns assigned to me; overdue first, with when each reaches
the supervisor."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from ui import forms, services
from ui.i18n import fmt_datetime, t

me = forms.actor()
st.title(t("nav.tasks"))
try:
    tasks = services.staff().tasks(me)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
if not tasks:
    st.success(t("empty.tasks"), icon=":material/done_all:")
    st.stop()
overdue = [task for task in tasks if task["overdue"]]
kpis = st.columns(2)
kpis[0].metric(t("tasks.overdue"), len(overdue))
kpis[1].metric(t("tasks.all"), len(tasks))


def table(rows: list[dict]) -> pd.DataFrame:  # type: ignore[type-arg]
    return pd.DataFrame([{
        t("col.child"): task["code"],
        t("col.school"): task["school_id"],
        t("col.task"): t(f"task.{task['kind']}"),
        t("col.due"): fmt_datetime(task["due"]),
        t("col.escalates"): fmt_datetime(task["escalates"]) if task["escalates"] else "",
    } for task in rows])


for title, rows in ((t("tasks.overdue"), overdue),
                    (t("tasks.coming"), [task for task in tasks if not task["overdue"]])):
    if rows:
        st.subheader(title)
        st.dataframe(table(rows), hide_index=True, width="stretch")
