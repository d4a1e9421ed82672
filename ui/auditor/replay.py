"""Replay a child's record: as it stood at a moment (what had been recorded by then), as
it happened (by when things occurred, with what is known now), or the difference
between two moments. Read-only, and every replay is itself logged."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from ui import forms, printable, services
from ui import names as ui_names
from ui.i18n import current_language, fmt_datetime, t, tn
from ui.reads import first_read

me, children = forms.reading_page("nav.replay")

top = st.columns([2, 3])
with top[0]:
    code = forms.pick_child(children, "replay_child")
if not code:
    st.info(t("events.pick"))
    st.stop()
mode = top[1].segmented_control(t("replay.mode"), ["stood", "happened", "diff"],
                                default="stood", format_func=forms.labeller("replay."),
                                key=forms.lk("replay_mode")) or "stood"
st.caption(t(f"replay.{mode}.help"))
now = services.now()
# The record as it stands (to pick an entry from): one read per child in this visit.
current = services.audit().chronology(me, code, purpose="replay",
                                      logged=first_read("replay", code))


kind = forms.labeller("kind.")
lang = current_language()
before = st.selectbox(
    t("replay.before_entry"), [r["entry_id"] for r in reversed(current)], index=None,
    placeholder=t("replay.before_entry.placeholder"), key=forms.lk("replay_before"),
    format_func=lambda e: next(f"{fmt_datetime(r['recorded_at'], lang)} · {kind(r['kind'])} · "
                               f"{printable.summary_text(r)[:60]}"
                               for r in current if r["entry_id"] == e))
chosen = next((r for r in current if r["entry_id"] == before), None)
if chosen is not None:
    # Exactly the instant before the entry was stored (finer than the minute picker).
    moment = chosen["recorded_at"] - timedelta(microseconds=1)
else:
    moment = forms.moment(t("replay.moment"), now, key="replay_moment", round_up=True)
earlier = None
if mode == "diff":
    earlier = forms.moment(t("replay.earlier"), now - timedelta(days=30), key="replay_earlier")


def show(rows: list[dict]) -> None:  # type: ignore[type-arg]
    if not rows:
        st.info(t("empty.replay"))
    else:
        st.dataframe(pd.DataFrame(printable.chronology_rows(rows)), hide_index=True,
                     width="stretch")


try:
    if mode == "stood":
        rows = services.audit().chronology(me, code, as_of=moment,
                                           logged=first_read("replay", code, moment))
        st.markdown(tn("replay.stood.title", len(rows), code=forms.escape(code), when=fmt_datetime(moment)))
        show(rows)
        plan = services.staff().plan(me, code, as_of=moment, logged=False)
        if plan["status"]:
            with st.expander(t("replay.plan", status=t(f"plan.status.{plan['status']}")),
                             icon=":material/assignment:"):
                st.dataframe(pd.DataFrame([{
                    t("plan.measure_type"): t(f"choice.measure_type.{m['measure_type']}"),
                    t("plan.responsible"): ui_names.person(m, "responsible"),
                    t("plan.measure_status"): t(f"choice.measure_status.{m['status']}"),
                    t("plan.review_on"): m["review_on"]} for m in plan["measures"]]),
                    hide_index=True, width="stretch")
                st.caption(t("replay.plan_reviews", n=len(plan["reviews"])))
    elif mode == "happened":
        rows = [r for r in current if r["occurred_at"] <= moment]
        st.markdown(tn("replay.happened.title", len(rows), code=forms.escape(code), when=fmt_datetime(moment)))
        show(rows)
    elif earlier is not None:
        first, second = sorted((earlier, moment))
        changes = services.audit().diff(me, code, first, second,
                                        logged=first_read("diff", code, first, second))
        st.markdown(t("replay.diff.title", start=fmt_datetime(first), end=fmt_datetime(second),
                      added=len(changes["added"]), changed=len(changes["changed"])))
        st.subheader(t("replay.added"))
        show(changes["added"])
        st.subheader(t("replay.changed"))
        if changes["changed"]:
            st.dataframe(pd.DataFrame([{
                t("col.when"): fmt_datetime(c["after"]["occurred_at"]),
                t("col.what"): t(f"kind.{c['after']['kind']}"),
                t("replay.before"): f"{t('mark.' + c['before']['status'])}: "
                                    f"{printable.summary_text(c['before'])}",
                t("replay.after"): f"{t('mark.' + c['after']['status'])}: "
                                   f"{printable.summary_text(c['after'])}",
            } for c in changes["changed"]]), hide_index=True, width="stretch")
        else:
            st.caption(t("replay.nothing_changed"))
except KopirError as error:
    forms.show_refusal(error)
