"""The children one oversees, most at risk first: the open concern's level, follow-ups past
their day, the support plan's status, the last session; each with links to the child's
chronology, plan and concern. Search by code, or by name where the role may see names."""

from __future__ import annotations

from typing import Any

import streamlit as st

from domain.errors import KopirError
from ui import forms, navigation, services
from ui.i18n import fmt_date, t, tn
from ui.reads import first_read

SHOWN = 20
COLOURS = {"high": "red", "medium": "orange", "low": "blue"}
me = forms.actor()
st.title(t("nav.children"))
st.caption(t("children.intro"))
try:
    rows = services.staff().children_by_risk(me)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
if not rows:
    st.info(t("children.empty"), icon=":material/child_care:")
    st.stop()
names = services.staff().child_names(me, logged=first_read("names"))
wanted = st.text_input(t("children.search"), key="children_search",
                       placeholder=t("pick.placeholder_names" if names else "pick.placeholder"))
wanted = wanted.strip().casefold()
if wanted:
    rows = [r for r in rows if wanted in r["code"].casefold()
            or wanted in names.get(r["code"], "").casefold()]
if not rows:
    st.info(t("children.none_found"))
    st.stop()


def status_line(row: dict[str, Any]) -> str:
    parts = [t(f"children.plan.{row['plan_status'] or 'none'}")]
    if row.get("plan_review_overdue"):
        parts.append(":red[" + t("children.review_overdue") + "]")
    if row.get("overdue_follow_ups"):
        parts.append(":red[" + tn("children.follow_ups_overdue", row["overdue_follow_ups"]) + "]")
    if "last_session_at" in row:
        parts.append(t("children.last_session", day=fmt_date(row["last_session_at"]))
                     if row["last_session_at"] else t("children.no_session"))
    return " · ".join(parts)


page = min(st.session_state.get("children_page", 0), (len(rows) - 1) // SHOWN)
first = page * SHOWN
st.caption(t("children.showing", first=first + 1, last=min(first + SHOWN, len(rows)),
             total=len(rows)))
for row in rows[first:first + SHOWN]:
    code = row["code"]
    with st.container(border=True, key=f"child_{code}"):
        c = st.columns([1.2, 2.2, 5, 1.2, 1.2, 1.2])
        level = row["level"]
        c[0].markdown(f":{COLOURS[level]}-badge[{t('choice.level.' + level)}]" if level
                      else f":gray-badge[{t('children.no_concern')}]")
        name = names.get(code)
        c[1].markdown(f"**{forms.escape(code)}**" + (f" · {forms.escape(name)}" if name else ""))
        c[2].markdown(status_line(row)
                      + (" · :red[" + t("children.ack_overdue") + "]" if row["ack_overdue"] else ""))
        c[3].page_link(navigation.page_file("chronology"), label=t("children.open_chronology"),
                       icon=":material/timeline:", query_params={"child": code})
        c[4].page_link(navigation.page_file("plan"), label=t("children.open_plan"),
                       icon=":material/assignment:", query_params={"child": code})
        if row["concern_id"]:
            c[5].page_link(navigation.page_file("monitor"), label=t("children.open_concern"),
                           icon=":material/flag:", query_params={"concern": row["concern_id"]})
previous, _, following = st.columns([1, 4, 1])
if page > 0 and previous.button(t("monitor.previous"), key="children_previous"):
    st.session_state["children_page"] = page - 1
    st.rerun()
if first + SHOWN < len(rows) and following.button(t("monitor.next"), key="children_next"):
    st.session_state["children_page"] = page + 1
    st.rerun()
