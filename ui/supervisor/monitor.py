"""The live monitor of concerns: one row per child with an unresolved concern, the most
urgent first, with its deadline countdown and how many signals it groups, refreshed by
itself; open one to see at the top of the page why it is open and to act on it.

The list is a fragment (`st.fragment(run_every=...)`): it reruns alone, so the
decision forms above it keep whatever the supervisor is typing.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from domain.errors import KopirError
from domain.vocabulary import URGENT_FIRST
from infrastructure.settings import settings
from ui import forms, navigation, services
from ui.i18n import fmt_duration, fmt_number, t
from ui.supervisor import decisions

REFRESH = timedelta(seconds=settings().monitor_refresh_seconds)
SHOWN = 25
COLOURS = {"high": "red", "medium": "orange", "low": "blue"}
me = forms.actor()
st.title(t("nav.monitor"))
try:
    services.oversight().concern_monitor(me, limit=0)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()


def countdown(row: dict, now) -> str:  # type: ignore[no-untyped-def, type-arg]
    waiting = row["status"] == "open" or (
        row["status"] == "snoozed" and row["snoozed_until"] <= now)
    if not waiting:
        if row["status"] == "snoozed":
            return t("monitor.snoozed_for", span=fmt_duration(row["snoozed_until"] - now))
        return t(f"status.{row['status']}")
    left = row["acknowledge_by"] - now
    if left.total_seconds() < 0:
        return ":red[" + t("monitor.overdue", span=fmt_duration(left)) + "]"
    return t("monitor.due_in", span=fmt_duration(left))


def summary(row: dict, now) -> str:  # type: ignore[no-untyped-def, type-arg]
    parts = [t("monitor.signals", n=row["signal_count"]),
             t("monitor.last_signal", span=fmt_duration(now - row["last_signal_at"]))]
    if row["new_signals"]:
        parts.append(t("monitor.new_signals", n=row["new_signals"]))
    if row["open_signals"] == 0:
        parts.append(t("monitor.no_open_signal"))
    if row["assignee"]:
        parts.append(t("monitor.assigned_to", name=forms.escape(row["assignee"])))
    return " · ".join(parts)


@st.fragment(run_every=REFRESH)
def live() -> None:
    levels = st.session_state.get(forms.lk("monitor_levels"), list(URGENT_FIRST))
    school = st.session_state.get(forms.lk("monitor_school"), "")
    order = st.session_state.get(forms.lk("monitor_order"), "urgency")
    page = st.session_state.get("monitor_page", 0)
    after = st.session_state.get("monitor_latest")
    view = services.oversight().concern_monitor(
        me, levels=tuple(levels), school=school or None, order=order, limit=SHOWN,
        offset=page * SHOWN, after=after)
    now = view["now"]
    for r in view["arrived"]:  # none on the first run: nothing is new yet
        st.toast(t("monitor.new", level=t(f"choice.level.{r['level']}"), code=r["child_code"]),
                 icon=":material/notification_important:")
    if view["latest"] is not None:
        st.session_state["monitor_latest"] = view["latest"]

    kpis = st.columns(4)
    for column, level in zip(kpis, URGENT_FIRST, strict=False):
        column.metric(t(f"choice.level.{level}"), fmt_number(view["open"][level]))
    kpis[3].metric(t("monitor.overdue_count"), fmt_number(view["overdue"]))

    f1, f2, f3 = st.columns(3)
    f1.multiselect(t("field.level"), list(URGENT_FIRST), default=list(URGENT_FIRST),
                   format_func=forms.labeller("choice.level."), key=forms.lk("monitor_levels"),
                   placeholder=t("widget.choose_options"))
    everywhere = t("monitor.all_schools")
    schools = view["schools"] if not school or school in view["schools"] else \
        [school] + view["schools"]
    f2.selectbox(t("field.school"), [""] + schools, key=forms.lk("monitor_school"),
                 format_func=lambda s: s or everywhere,
                 placeholder=t("widget.choose_option"))
    f3.radio(t("monitor.order"), ["urgency", "newest"], horizontal=True,
             format_func=forms.labeller("monitor.order."), key=forms.lk("monitor_order"))
    shown = view["rows"]
    if not shown:
        st.success(t("empty.escalations"), icon=":material/done_all:")
        return
    first = page * SHOWN
    st.caption(t("monitor.showing_page", first=first + 1, last=first + len(shown),
                 total=view["total"]))
    for r in shown:
        with st.container(border=True, key=f"concern_{r['concern_key']}"):
            c = st.columns([1.0, 1.3, 0.9, 1.6, 2.6, 1.8, 1.4])  # links and buttons uncut
            c[0].markdown(f":{COLOURS[r['level']]}-badge[{t('choice.level.' + r['level'])}]")
            c[1].markdown(f"**{forms.escape(r['child_code'])}**")
            c[2].caption(forms.escape(r["school_id"]))
            c[3].markdown(countdown(r, now))
            c[4].caption(summary(r, now))
            c[5].page_link(navigation.page_file("chronology"), label=t("children.chronology"),
                           icon=":material/timeline:", query_params={"child": r["child_code"]})
            c[5].page_link(navigation.page_file("plan"), label=t("children.plan"),
                           icon=":material/assignment:", query_params={"child": r["child_code"]})
            if c[6].button(t("monitor.open"), key=f"open_{r['concern_key']}"):
                st.session_state["monitor_selected"] = r["concern_key"]
                st.session_state.pop("monitor_done", None)  # the last action's note is read
                st.rerun(scope="app")
    previous, _, following = st.columns([1, 4, 1])
    if page > 0 and previous.button(t("monitor.previous"), key="monitor_previous"):
        st.session_state["monitor_page"] = page - 1
        st.rerun(scope="fragment")
    if first + len(shown) < view["total"] and following.button(t("monitor.next"),
                                                               key="monitor_next"):
        st.session_state["monitor_page"] = page + 1
        st.rerun(scope="fragment")


# A link from a message opens its concern (the current episode of that child's concern).
if linked := st.query_params.get("concern"):
    try:
        key = services.oversight().concern_key_of(me, linked)
    except KopirError:
        key = None
    if key:
        st.session_state["monitor_selected"] = key
    del st.query_params["concern"]
decisions.details(me)
decisions.triage(me)
st.divider()
live()
