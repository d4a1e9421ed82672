"""A child's support plan: goals in the wellbeing areas, measures with the person
responsible, reviews beside the wellbeing trend, and the supervisor's approvals. The
psychologist drafts and reviews; the supervisor approves the plan and its closure."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from domain.access import POLICY, Role
from domain.errors import KopirError
from domain.plan_forms import Goal, PlanDraft
from domain.vocabulary import INDICATORS
from ui import child_file, forms, services
from ui import names as ui_names
from ui.i18n import date_input_format, fmt_date, fmt_datetime, local_date, t
from ui.reads import first_read
from ui.staff import plan_parts as parts

me, children = forms.reading_page("nav.plan")
code = forms.pick_child(children, "plan_child")
parts.saved()
try:
    plan = services.staff().plan(me, code, logged=first_read("plan", code))
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
school = services.app().child(code).school_id
plans_it = me.role == Role.PSYCHOLOGIST and me.covers(school)
approves = (POLICY[me.role].approves_plans and me.covers(school)) or bool(me.acting_for(school))

if not plan["status"]:
    st.info(t("plan.none"), icon=":material/assignment_add:")
    if not plans_it:
        st.stop()
    with st.form("plan_draft"):
        st.subheader(t("plan.draft"))
        chosen = st.multiselect(t("plan.areas"), list(INDICATORS),
                                format_func=forms.labeller("field."), key="plan_areas",
                                placeholder=t("widget.choose_options"))
        targets = {area: st.text_input(t("plan.target", area=t(f"field.{area}")),
                                       key=f"plan_target_{area}") for area in INDICATORS}
        review_on = st.date_input(t("plan.review_on"), value=local_date(services.now())
                                  + timedelta(days=30), key="plan_review_on",
                                  format=date_input_format())
        note = st.text_area(t("field.note"), key="plan_note")
        if st.form_submit_button(t("plan.save_draft"), type="primary"):
            goals = tuple(Goal(area, targets[area]) for area in chosen)
            parts.run(services.app().draft_plan, me, code, PlanDraft(goals, review_on, note),
                      done=t("plan.drafted", code=code))
    st.stop()

status = plan["status"] + ("_closing" if plan["closing"] else "")
facts = [(t("plan.status"), t(f"plan.status.{status}")), (t("plan.owner"), ui_names.person(plan, "owner")),
         (t("plan.next_review"), fmt_date(parts.day(plan["review_on"]))),
         (t("plan.measures"), str(len(plan["measures"])))]
with st.container(border=True):
    for column, (label, value) in zip(st.columns([3, 4, 2, 1]), facts, strict=True):
        column.caption(label)
        column.markdown(f"**{forms.escape(value)}**")
if plan["note"]:
    st.caption(plan["note"])

st.subheader(t("plan.goals"))
latest = plan["reviews"][-1]["outcomes"] if plan["reviews"] else {}
st.dataframe(pd.DataFrame([{
    t("plan.area"): t(f"field.{g['area']}"), t("plan.target_col"): g["target"],
    t("plan.last_outcome"): t(f"choice.goal_outcome.{latest[g['goal_id']]}")
    if g["goal_id"] in latest else "—"} for g in plan["goals"]]), hide_index=True,
    width="stretch")

st.subheader(t("plan.measures"))
if plan["measures"]:
    st.dataframe(pd.DataFrame([{
        t("plan.measure_type"): t(f"choice.measure_type.{m['measure_type']}"),
        t("plan.area"): t(f"field.{m['area']}"),
        t("plan.responsible"): ui_names.person(m, "responsible"),
        t("plan.starts_on"): fmt_date(parts.day(m["starts_on"])),
        t("plan.review_on"): fmt_date(parts.day(m["review_on"])),
        t("plan.measure_status"): t(f"choice.measure_status.{m['status']}"),
        t("plan.result"): m["result"]} for m in plan["measures"]]), hide_index=True,
        width="stretch")
else:
    st.info(t("plan.no_measures"))

parts.reviews(plan)
parts.steps(plan)

if approves and plan["status"] == "draft":
    with st.form("plan_approve"):
        note = st.text_area(t("field.note"), key="plan_approve_note")
        if st.form_submit_button(t("plan.approve"), type="primary"):
            parts.run(services.app().approve_plan, me, code, note,
                      done=t("plan.approved_saved", code=code))
if approves and plan["closing"]:
    with st.form("plan_closure_answer"):
        st.write(t("plan.closure_waiting",
                   reason=t(f"choice.closure_reason.{plan['closing']}")))
        note = st.text_area(t("field.note"), key="plan_closure_note")
        yes, no = st.columns(2)
        if yes.form_submit_button(t("plan.approve_closure"), type="primary"):
            parts.run(services.app().approve_closure, me, code, note,
                      done=t("plan.closed_saved", code=code))
        if no.form_submit_button(t("plan.decline_closure")):
            parts.run(services.app().decline_closure, me, code, note,
                      done=t("plan.declined_saved", code=code))
if plans_it:
    parts.psychologist_forms(me, code, plan)
st.caption(t("plan.read_logged", at=fmt_datetime(services.now())))
child_file.download_button(me, code, key="plan_pdf")  # the child's file as a PDF
