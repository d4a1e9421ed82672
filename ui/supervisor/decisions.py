"""The monitor's concern opened at the top of the page: why it is open (each signal, what
fired, the entries, withdrawn signals, incidents shared with other children), its history,
and the decisions on it (acknowledge, assign by name, snooze, resolve with a reason); and
bulk triage of stale concerns with one rationale."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import pandas as pd
import streamlit as st

from domain.access import Actor
from domain.checks import TEXT
from domain.commands import Resolution
from domain.errors import KopirError
from domain.vocabulary import Outcome
from ui import forms, navigation, printable, reasons, services
from ui import names as ui_names
from ui.i18n import current_language, fmt_datetime, t

LEGACY = 0  # escalations recorded before concerns, folded into one row per child


def fired_lines(signal: dict[str, Any], entries: list[dict[str, Any]]) -> list[str]:
    """What held when a rule fired, in the reader's language (rules of one entry)."""
    rule, lines = signal["rule"], []
    if "severity" in signal["fired"]:
        mine = [e for e in entries if e["entry_id"] in signal["entries"]]
        severity = max((e["fields"].get("severity") or 0 for e in mine), default="")
        lines.append(t("monitor.fired_severity", severity=severity or "",
                       minimum=rule["condition"].get("min_severity", "")))
    if signal["words"]:
        lines.append(t("monitor.fired_words", words=", ".join(
            f"«{forms.escape(w)}»" for w in signal["words"])))
    if not lines and rule["kind"] == "event" and not (
            rule["condition"].get("words") or rule["condition"].get("min_severity")):
        lines.append(t("monitor.fired_kind"))
    return lines


def signal_lines(signal: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    raised = signal["escalation"] or {}
    withdrawn = signal["status"] == "withdrawn"
    head = ":gray[~~" if withdrawn else ""
    if signal["rule"] is None:
        text = t("monitor.manual") + " " + forms.escape(raised.get("reason", ""))
    else:
        rule = signal["rule"]
        text = t("monitor.rule", title=forms.escape(rule["title"]), id=rule["id"],
                 version=raised.get("rule_version", rule["version"]),
                 level=t(f"choice.level.{signal['level']}")) + " " + forms.escape(
            reasons.localised(rule["id"], raised.get("reason", ""), current_language()))
    st.markdown(head + text + ("~~] " + t("monitor.signal_withdrawn") if withdrawn else ""))
    if not withdrawn and signal["rule"] is not None:
        for line in fired_lines(signal, entries):
            st.markdown("&nbsp;&nbsp;" + line)
        if signal["window"]:
            st.caption(t("monitor.window", start=fmt_datetime(signal["window"]["from"]),
                         end=fmt_datetime(signal["window"]["to"]), days=signal["window"]["days"]))
    if raised.get("detection_delay_seconds", 0) > 86400:
        st.caption(t("monitor.late", days=raised["detection_delay_seconds"] // 86400))


def decided_by(step: dict[str, Any]) -> str:
    """Who took a decision: a deputy's names the supervisor they stood in for too."""
    if step.get("acting_for"):
        return t("history.acting_for", deputy=forms.escape(step.get("by", "")),
                 supervisor=forms.escape(step["acting_for"]))
    return forms.escape(step.get("by", ""))


def details(me: Actor) -> None:
    """The concern opened, where the eye is: above the list."""
    selected = st.session_state.get("monitor_selected")
    # The last action's confirmation stays until the supervisor opens another concern.
    if done := st.session_state.get("monitor_done"):
        st.success(done, icon=":material/check_circle:")
    if not selected:
        st.info(t("monitor.pick"), icon=":material/touch_app:")
        return
    try:
        why = services.oversight().explain_concern(me, selected, language=current_language())
    except KopirError as error:
        forms.show_refusal(error)
        return
    row = why["concern"]
    st.subheader(t("monitor.selected", level=t(f"choice.level.{row['level']}"),
                   code=row["child_code"]))
    st.caption(t("monitor.concern_details", school=forms.escape(row["school_id"]),
                 opened=fmt_datetime(row["opened_at"]),
                 deadline=fmt_datetime(row["acknowledge_by"]) if row["acknowledge_by"] else "—",
                 status=t(f"status.{row['status']}")))
    to_chronology, to_plan = st.columns(2)
    to_chronology.page_link(navigation.page_file("chronology"), label=t("monitor.chronology"),
                            icon=":material/timeline:", query_params={"child": row["child_code"]})
    to_plan.page_link(navigation.page_file("plan"), label=t("children.open_plan"),
                      icon=":material/assignment:", query_params={"child": row["child_code"]})
    if why["shared_with"]:
        st.info(t("monitor.shared", codes=", ".join(why["shared_with"])), icon=":material/group:")
    if row["open_signals"] == 0:
        st.warning(t("monitor.no_open_signal"))

    with st.expander(t("monitor.why"), expanded=True, icon=":material/help:"):
        for signal in why["signals"]:
            signal_lines(signal, why["entries"])
        if why["entries"]:
            st.dataframe(pd.DataFrame([{
                t("col.when"): fmt_datetime(e["occurred_at"]),
                t("col.what"): t(f"kind.{e['kind']}"),
                t("col.severity"): str(e["fields"].get("severity") or ""),
                t("col.summary"): printable.summary_text(e),
                t("col.recorded_by"): e["recorded_by"],
            } for e in why["entries"]]), hide_index=True, width="stretch")
        if row["history"]:
            st.caption(" · ".join(t(f"history.{h['action']}", by=decided_by(h),
                                    at=fmt_datetime(datetime.fromisoformat(h["at"])))
                                  for h in row["history"]))
    if row["status"] in ("resolved", "folded"):
        return
    act_on(me, row, selected)


def act(row: dict[str, Any], action: str, call: Callable[[], Any]) -> None:
    try:
        call()
    except KopirError as error:
        forms.show_refusal(error)
    else:
        st.session_state["monitor_done"] = t(f"monitor.done.{action}", code=row["child_code"])
        st.session_state.pop("monitor_selected", None)
        st.rerun()


def on_concern(me: Actor, row: dict[str, Any], action: str, *args: Any) -> None:
    """One decision on a concern; on a row of earlier escalations, on each of them."""
    app = services.app()
    if row["episode"] != LEGACY:
        services.record(getattr(app, f"{action}_concern"), me, row["concern_id"], *args)
        return
    for signal in row["signals"]:
        if signal["status"] not in ("resolved", "withdrawn") and not (
                action == "acknowledge" and signal["status"] != "open"):
            services.record(getattr(app, f"{action}_escalation"), me, signal["id"], *args)


def act_on(me: Actor, row: dict[str, Any], selected: str) -> None:
    names = [t("monitor.acknowledge"), t("monitor.assign"), t("monitor.resolve")]
    if row["episode"] != LEGACY:
        names.insert(2, t("monitor.snooze"))
    tabs = dict(zip(["acknowledge", "assign", *(["snooze"] if len(names) == 4 else []),
                     "resolve"], st.tabs(names), strict=True))
    with tabs["acknowledge"], st.form("acknowledge"):
        note = st.text_area(t("field.rationale"), max_chars=TEXT, key=f"ack_note_{selected}",
                            placeholder=t("hint.rationale"))
        if st.form_submit_button(t("monitor.acknowledge"), type="primary"):
            act(row, "acknowledge", lambda: on_concern(me, row, "acknowledge", note))
    with tabs["assign"], st.form("assign"):
        people = {p["user_id"]: ui_names.person(p) for p in
                  services.oversight().staff_of(me, row["school_id"])}
        assignee = st.selectbox(t("field.assignee"), list(people), index=None,  # no default
                                placeholder=t("monitor.choose_person"),
                                format_func=lambda user: f"{people[user]} ({user})",
                                key=f"assignee_{selected}")
        note = st.text_area(t("field.rationale"), max_chars=TEXT, key=f"assign_note_{selected}")
        if st.form_submit_button(t("monitor.assign"), type="primary"):
            act(row, "assign", lambda: on_concern(me, row, "assign", assignee or "", note))
    if "snooze" in tabs:
        with tabs["snooze"], st.form("snooze"):
            days = st.slider(t("field.snooze_days"), 1, 7, 2, key=f"snooze_days_{selected}")
            reason = st.text_area(t("field.rationale"), max_chars=TEXT,
                                  key=f"snooze_note_{selected}")
            if st.form_submit_button(t("monitor.snooze"), type="primary"):
                until = services.now() + timedelta(days=days)
                act(row, "snooze", lambda: on_concern(me, row, "snooze", until, reason))
    with tabs["resolve"], st.form("resolve"):
        outcome = st.radio(t("field.outcome"), list(Outcome), horizontal=True,
                           format_func=forms.choice_label("outcome"),
                           key=forms.lk(f"outcome_{selected}"))
        note = st.text_area(t("field.rationale"), max_chars=TEXT,
                            key=f"resolve_note_{selected}", help=t("hint.no_action"))
        if st.form_submit_button(t("monitor.resolve"), type="primary"):
            act(row, "resolve", lambda: on_concern(
                me, row, "resolve", Resolution(outcome=outcome, rationale=note)))


def triage(me: Actor) -> None:
    """Acknowledge or resolve several stale concerns with one rationale."""
    with st.expander(t("monitor.triage"), icon=":material/checklist:"):
        view = services.oversight().concern_monitor(me, order="urgency", limit=200)
        stale = [r for r in view["rows"] if r["episode"] != LEGACY and
                 r["last_signal_at"] < view["now"] - timedelta(days=30)]
        if not stale:
            st.caption(t("monitor.triage_none"))
            return
        with st.form("triage"):
            chosen = st.multiselect(t("monitor.triage_pick"), [r["concern_id"] for r in stale],
                                    format_func={r["concern_id"]: r["child_code"]
                                                 for r in stale}.get, key="triage_chosen",
                                    placeholder=t("widget.choose_options"))
            action = st.radio(t("monitor.triage_action"), ["acknowledge", "resolve"], horizontal=True,
                              format_func=forms.labeller("monitor."), key="triage_action")
            note = st.text_area(t("field.rationale"), max_chars=TEXT, key="triage_note")
            if st.form_submit_button(t("monitor.triage_apply"), type="primary"):
                try:
                    results = services.record(services.app().triage, me, chosen, action, note)
                except KopirError as error:
                    forms.show_refusal(error)
                else:
                    done = sum(1 for v in results.values() if v == "done")
                    st.session_state["monitor_done"] = t("monitor.triage_done", n=done,
                                                         total=len(results))
                    st.rerun()
