"""The live escalation monitor: open escalations by level and age with their deadline
countdown, refreshed by itself every second; open one to see, at the top of the page, why
it was raised and to acknowledge, assign or resolve it with a rationale.

The list is a fragment (`st.fragment(run_every=...)`): it reruns alone, so the
decision form above it keeps whatever the supervisor is typing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pandas as pd
import streamlit as st

from domain.checks import TEXT
from domain.commands import Resolution
from domain.errors import KopirError
from domain.vocabulary import URGENT_FIRST, Outcome
from infrastructure.settings import settings
from ui import forms, printable, reasons, services
from ui.i18n import current_language, fmt_datetime, fmt_duration, fmt_number, t

REFRESH = timedelta(seconds=settings().monitor_refresh_seconds)
SHOWN = 25
COLOURS = {"high": "red", "medium": "orange", "low": "blue"}
me = forms.actor()
st.title(t("nav.monitor"))
try:
    services.oversight().monitor(me, limit=0)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()


def countdown(row: dict, now) -> str:  # type: ignore[no-untyped-def, type-arg]
    if row["status"] != "open":
        return t(f"status.{row['status']}")
    left = row["acknowledge_by"] - now
    if left.total_seconds() < 0:
        return ":red[" + t("monitor.overdue", span=fmt_duration(left)) + "]"
    return t("monitor.due_in", span=fmt_duration(left))


@st.fragment(run_every=REFRESH)
def live() -> None:
    levels = st.session_state.get(forms.lk("monitor_levels"), list(URGENT_FIRST))
    school = st.session_state.get(forms.lk("monitor_school"), "")
    order = st.session_state.get(forms.lk("monitor_order"), "newest")
    after = st.session_state.get("monitor_latest")
    view = services.oversight().monitor(me, levels=tuple(levels), school=school or None, order=order,
                            limit=SHOWN, after=after)
    now = services.now()
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
                   format_func=forms.labeller("choice.level."), key=forms.lk("monitor_levels"))
    everywhere = t("monitor.all_schools")
    schools = view["schools"] if not school or school in view["schools"] else \
        [school] + view["schools"]
    f2.selectbox(t("field.school"), [""] + schools, key=forms.lk("monitor_school"),
                 format_func=lambda s: s or everywhere)
    f3.radio(t("monitor.order"), ["newest", "deadline"], horizontal=True,
             format_func=forms.labeller("monitor.order."), key=forms.lk("monitor_order"))
    shown = view["rows"]
    if not shown:
        st.success(t("empty.escalations"), icon=":material/done_all:")
        return
    st.caption(t("monitor.showing", shown=len(shown), total=view["total"]))
    for r in shown:
        with st.container(border=True, key=f"esc_{r['escalation_id']}"):
            c = st.columns([1.1, 1.4, 1.2, 1.8, 4.5, 1])
            colour = COLOURS[r["level"]]
            c[0].markdown(f":{colour}-badge[{t('choice.level.' + r['level'])}]")
            c[1].markdown(f"**{forms.escape(r['child_code'])}**")
            c[2].caption(forms.escape(r["school_id"]))
            c[3].markdown(countdown(r, now))
            c[4].caption(forms.escape(reasons.localised(r["rule_id"], r["reason"],
                                                        current_language())) + " · " +
                         t("monitor.raised_ago", span=fmt_duration(now - r["raised_at"])))
            if c[5].button(t("monitor.open"), key=f"open_{r['escalation_id']}"):
                st.session_state["monitor_selected"] = r["escalation_id"]
                st.session_state.pop("monitor_done", None)  # the last action's note is read
                st.rerun(scope="app")


def fired_lines(why: dict, rule: dict) -> list[str]:  # type: ignore[type-arg]
    """What held when the rule fired, in the reader's language (rules of one entry)."""
    lines = []
    if "severity" in why["fired"]:
        severity = max((e["fields"].get("severity") or 0 for e in why["entries"]), default="")
        lines.append(t("monitor.fired_severity", severity=severity or "",
                       minimum=rule["condition"].get("min_severity", "")))
    if why["words"]:
        lines.append(t("monitor.fired_words", words=", ".join(
            f"«{forms.escape(w)}»" for w in why["words"])))
    if not lines and rule["kind"] == "event" and why["fired"] == [] and not (
            rule["condition"].get("words") or rule["condition"].get("min_severity")):
        lines.append(t("monitor.fired_kind"))
    return lines


def details() -> None:
    """The escalation opened, where the eye is: above the list, with why it was raised
    and the decision forms."""
    selected = st.session_state.get("monitor_selected")
    # The last action's confirmation stays until the supervisor opens another escalation.
    if done := st.session_state.get("monitor_done"):
        st.success(done, icon=":material/check_circle:")
    if not selected:
        st.info(t("monitor.pick"), icon=":material/touch_app:")
        return
    try:
        why = services.oversight().explain(me, selected, language=current_language())
    except KopirError as error:
        forms.show_refusal(error)
        return
    row = why["escalation"]
    st.subheader(t("monitor.selected", level=t(f"choice.level.{row['level']}"),
                   code=row["child_code"]))
    st.caption(t("monitor.details", school=forms.escape(row["school_id"]),
                 raised=fmt_datetime(row["raised_at"]),
                 deadline=fmt_datetime(row["acknowledge_by"]),
                 status=t(f"status.{row['status']}")))

    with st.expander(t("monitor.why"), expanded=True, icon=":material/help:"):
        if why["rule"] is None:
            st.write(t("monitor.manual"))
            st.markdown(forms.escape(row["reason"]))
        else:
            rule = why["rule"]
            st.markdown(t("monitor.rule", title=forms.escape(rule["title"]), id=rule["id"],
                          version=row["rule_version"], level=t(f"choice.level.{rule['level']}"))
                        + " " + forms.escape(
                reasons.localised(row["rule_id"], row["reason"], current_language())))
            for line in fired_lines(why, rule):
                st.markdown(line)
            if not rule["same_version"]:
                st.caption(t("monitor.rule_changed", version=rule["current_version"]))
            if why["window"]:
                st.caption(t("monitor.window", start=fmt_datetime(why["window"]["from"]),
                             end=fmt_datetime(why["window"]["to"]), days=why["window"]["days"]))
        if row["detection_delay_seconds"] > 86400:
            st.warning(t("monitor.late", days=row["detection_delay_seconds"] // 86400))
        if why["entries"]:
            st.dataframe(pd.DataFrame([{
                t("col.when"): fmt_datetime(e["occurred_at"]),
                t("col.what"): t(f"kind.{e['kind']}"),
                t("col.severity"): str(e["fields"].get("severity") or ""),
                t("col.summary"): printable.summary_text(e),
                t("col.recorded_by"): e["recorded_by"],
            } for e in why["entries"]]), hide_index=True, width="stretch")
        if row["history"]:
            st.caption(" · ".join(t(f"history.{h['action']}", by=h.get("by", ""),
                                    at=fmt_datetime(datetime.fromisoformat(h["at"])))
                                  for h in row["history"]))

    def act(action: str, call) -> None:  # type: ignore[no-untyped-def]
        try:
            call()
        except KopirError as error:
            forms.show_refusal(error)
        else:
            st.session_state["monitor_done"] = t(f"monitor.done.{action}", code=row["child_code"])
            st.session_state.pop("monitor_selected", None)
            st.rerun()


    ack, assign, resolve = st.tabs([t("monitor.acknowledge"), t("monitor.assign"),
                                    t("monitor.resolve")])
    with ack:
        with st.form("acknowledge"):
            note = st.text_area(t("field.rationale"), max_chars=TEXT, key=f"ack_note_{selected}",
                                placeholder=t("hint.rationale"))
            if st.form_submit_button(t("monitor.acknowledge"), type="primary"):
                act("acknowledge", lambda: services.record(
                    services.app().acknowledge_escalation, me, UUID(selected), note))
    with assign:
        with st.form("assign"):
            people = {p["user_id"]: p["display_name"] for p in
                      services.oversight().staff_of(me, row["school_id"])}
            assignee = st.selectbox(t("field.assignee"), list(people), index=None,  # no default
                                    placeholder=t("monitor.choose_person"),
                                    format_func=lambda user: f"{people[user]} ({user})",
                                    key=f"assignee_{selected}")
            note = st.text_area(t("field.rationale"), max_chars=TEXT, key=f"assign_note_{selected}")
            if st.form_submit_button(t("monitor.assign"), type="primary"):
                act("assign", lambda: services.record(
                    services.app().assign_escalation, me, UUID(selected), assignee or "", note))
    with resolve:
        with st.form("resolve"):
            outcome = st.radio(t("field.outcome"), list(Outcome), horizontal=True,
                               format_func=forms.choice_label("outcome"), key=forms.lk(f"outcome_{selected}"))
            note = st.text_area(t("field.rationale"), max_chars=TEXT,
                                key=f"resolve_note_{selected}", help=t("hint.no_action"))
            if st.form_submit_button(t("monitor.resolve"), type="primary"):
                act("resolve", lambda: services.record(
                    services.app().resolve_escalation, me, UUID(selected),
                    Resolution(outcome=outcome, rationale=note)))


details()
st.divider()
live()
