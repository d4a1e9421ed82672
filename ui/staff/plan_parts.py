"""Parts of the support-plan page: the reviews beside the wellbeing trend, the approvals,
and the psychologist's forms (a measure, its progress, a review, a closure, reopening)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Callable

import pandas as pd
import streamlit as st

from domain.access import Actor
from domain.errors import KopirError
from domain.plan_forms import Closure, Measure, MeasureChange, Review
from domain.vocabulary import INDICATORS, ClosureReason, GoalOutcome, MeasureStatus, MeasureType
from ui import forms, services
from ui import names as ui_names
from ui.charts import line
from ui.i18n import date_input_format, fmt_date, fmt_datetime, local_date, t


def day(value: str) -> date:
    return date.fromisoformat(value[:10])


def run(command: Callable[..., Any], *args: Any, done: str) -> None:
    """Run a plan command; show what is wrong in the reader's words, or confirm."""
    try:
        services.record(command, *args)
    except KopirError as error:
        forms.show_refusal(error)
    else:
        st.session_state["plan__saved"] = done
        st.rerun()


def saved() -> None:
    message = st.session_state.pop("plan__saved", None)
    if message:
        st.success(message, icon=":material/check_circle:")


def reviews(plan: dict[str, Any]) -> None:
    """Each review's outcome per goal, beside the wellbeing trend and the positive ties."""
    st.subheader(t("plan.reviews"))
    trend = plan.get("wellbeing_trend")
    if trend:
        frame = pd.DataFrame(trend).set_index("occurred_at")
        line(frame.rename(columns={k: t(f"field.{k}") for k in INDICATORS}), height=220,
             x_title=t("col.when"), y_title=t("chart.score"), legend=t("chart.indicator"))
    if not plan["reviews"]:
        st.caption(t("plan.no_reviews"))
        return
    areas = {g["goal_id"]: t(f"field.{g['area']}") for g in plan["goals"]}
    rows = []
    for review in reversed(plan["reviews"]):
        evidence = review["evidence"]
        row = {t("plan.reviewed_at"): fmt_datetime(review["at"]),
               t("plan.positive_ties"): evidence.get("positive_ties", 0)}
        for goal, outcome in review["outcomes"].items():
            row[areas.get(goal, "?")] = t(f"choice.goal_outcome.{outcome}")
        first, latest = evidence.get("first") or {}, evidence.get("latest") or {}
        if first and latest:
            row[t("plan.wellbeing_change")] = ", ".join(
                f"{t(f'field.{k}')} {first[k]}→{latest[k]}" for k in INDICATORS if k in first)
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def steps(plan: dict[str, Any]) -> None:
    if not plan["steps"]:
        return
    with st.expander(t("plan.history"), icon=":material/history:"):
        for step in plan["steps"]:
            reason = step["closure_reason"]
            by = step["by"] if not step["acting_for"] else \
                t("plan.deputy_for", deputy=step["by"], supervisor=step["acting_for"])
            st.write(t("plan.step_line", step=t(f"plan.step.{step['step']}"),
                       by=by, at=fmt_datetime(step["at"]),
                       reason=t(f"choice.closure_reason.{reason}") if reason else "",
                       note=step["note"]))


def psychologist_forms(me: Actor, code: str, plan: dict[str, Any]) -> None:
    if plan["status"] == "closed":
        with st.form("plan_reopen"):
            note = st.text_area(t("plan.reopen_why"), key="plan_reopen_note")
            if st.form_submit_button(t("plan.reopen"), type="primary"):
                run(services.app().reopen_plan, me, code, note, done=t("plan.reopened_saved"))
        return
    school = services.app().child(code).school_id
    people = services.staff().responsible_people(me, school)
    names = {p["user_id"]: ui_names.person(p) for p in people}
    today = local_date(services.now())
    open_measures = {m["measure_id"]: m for m in plan["measures"]
                     if m["status"] in ("planned", "in_progress")}
    labels = [t("plan.review"), t("plan.add_measure")]
    labels += [t("plan.update_measure")] if open_measures else []
    labels += [t("plan.propose_closure")] if not plan["closing"] else []
    tabs = dict(zip(labels, st.tabs(labels), strict=True))
    with tabs[t("plan.review")]:
        review_form(me, code, plan, today)
    with tabs[t("plan.add_measure")], st.form("plan_measure"):
        kind = st.selectbox(t("plan.measure_type"), list(MeasureType),
                            format_func=forms.choice_label("measure_type"), key="m_type",
                            placeholder=t("widget.choose_option"))
        area = st.selectbox(t("plan.area"), list(INDICATORS),
                            format_func=forms.labeller("field."), key="m_area",
                            placeholder=t("widget.choose_option"))
        who = st.selectbox(t("plan.responsible"), list(names), index=None,
                           format_func=lambda u: names.get(u, u), key="m_who",
                           placeholder=t("plan.choose_person"))
        starts = st.date_input(t("plan.starts_on"), value=today, key="m_starts",
                               format=date_input_format())
        review_on = st.date_input(t("plan.review_on"), value=today + timedelta(days=28),
                                  key="m_review", format=date_input_format())
        description = st.text_area(t("plan.description"), key="m_description")
        if st.form_submit_button(t("plan.add_measure"), type="primary"):
            run(services.app().add_measure, me, code,
                Measure(kind, area, who or "", starts, review_on, description),
                done=t("plan.measure_saved"))
    if open_measures:
        with tabs[t("plan.update_measure")], st.form("plan_measure_update"):
            chosen = st.selectbox(t("plan.measure_to_update"), list(open_measures), key="mu_id",
                                  format_func=lambda m: t(
                                      f"choice.measure_type.{open_measures[m]['measure_type']}")
                                  + f" — {ui_names.person(open_measures[m], 'responsible')}",
                                  placeholder=t("widget.choose_option"))
            status = st.selectbox(t("plan.measure_status"), list(MeasureStatus),
                                  format_func=forms.choice_label("measure_status"),
                                  key="mu_status",
                                  placeholder=t("widget.choose_option"))
            next_review = forms.optional_day(t("plan.new_review_planned"), t("plan.review_on"),
                                             key="mu_review")
            result = st.text_area(t("plan.result"), key="mu_result")
            note = st.text_area(t("plan.stop_reason"), key="mu_note")
            if st.form_submit_button(t("form.save"), type="primary"):
                run(services.app().update_measure, me, code,
                    MeasureChange(chosen, status, result, next_review, note),
                    done=t("plan.measure_updated"))
    if not plan["closing"]:
        with tabs[t("plan.propose_closure")], st.form("plan_closure"):
            reason = st.selectbox(t("plan.closure_reason"), list(ClosureReason),
                                  format_func=forms.choice_label("closure_reason"),
                                  key="pc_reason",
                                  placeholder=t("widget.choose_option"))
            note = st.text_area(t("field.note"), key="pc_note")
            if st.form_submit_button(t("plan.propose_closure"), type="primary"):
                run(services.app().propose_closure, me, code, Closure(reason, note),
                    done=t("plan.closure_proposed_saved"))


def review_form(me: Actor, code: str, plan: dict[str, Any], today: date) -> None:
    """Outcomes per goal; what the record shows since the last review is on the page."""
    if day(plan["review_on"]) <= today:
        st.info(t("plan.review_due"), icon=":material/event_available:")
    with st.form("plan_review"):
        outcomes = {}
        for goal in plan["goals"]:
            area = t("field." + goal["area"])
            outcomes[goal["goal_id"]] = st.radio(
                f"{area}: {goal['target']}", list(GoalOutcome),
                format_func=forms.choice_label("goal_outcome"), horizontal=True,
                index=None, key=f"rv_{goal['goal_id']}")
        next_review = st.date_input(t("plan.next_review"), value=today + timedelta(days=30),
                                    key="rv_next", format=date_input_format())
        note = st.text_area(t("field.note"), key="rv_note")
        if st.form_submit_button(t("plan.save_review"), type="primary"):
            run(services.app().review_plan, me, code,
                Review({g: o for g, o in outcomes.items() if o is not None}, next_review,
                       note), done=t("plan.review_saved", date=fmt_date(next_review)))
