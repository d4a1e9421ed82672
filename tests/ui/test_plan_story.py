"""The support plan's story in the app (AppTest): a psychologist drafts a plan with two
measures, the supervisor approves it, the psychologist reviews it beside the wellbeing
trend, and what is done leaves "My work"."""

from __future__ import annotations

from datetime import timedelta

from domain.model import Child
from kopir.seed.demo_cast import PEOPLE
from tests import forms
from ui import services
from ui.navigation import page_file

PSYCH, SUPERVISOR = "psych.ast-12", "coordinator"


def open_page(app_test, user: str, page: str, code: str):  # type: ignore[no-untyped-def]
    at = app_test(user).switch_page(page_file(page)).run()
    at.selectbox(key=f"{page}_child").select(code).run()
    return at


def my_work(app_test, user: str) -> str:  # type: ignore[no-untyped-def]
    at = app_test(user).switch_page(page_file("tasks")).run()
    return "\n".join(frame.value.to_string() for frame in at.dataframe)


def test_a_plan_is_drafted_approved_reviewed_and_leaves_my_work_when_done(app_test):
    app = services._runtime().app
    psych = app.actor_for(PSYCH)
    code = "AST-8801"
    app.enrol_child(psych, forms.enrolment(code, app.clock.now() - timedelta(days=20),
                                           school="AST-12"))
    app.record_counselling_session(psych, code, forms.session(
        app.clock.now() - timedelta(days=10), wellbeing=forms.Wellbeing(2, 2, 3, 2)))
    services._runtime().runner.process_available()

    at = open_page(app_test, PSYCH, "plan", code)
    assert "no support plan yet" in at.info[0].value
    at.multiselect(key="plan_areas").set_value(["social_ties", "family_support"])
    at.text_input(key="plan_target_social_ties").input("Two friends in class by spring")
    at.text_input(key="plan_target_family_support").input("The mother joins a programme")
    at.date_input(key="plan_review_on").set_value(app.clock.now().date())
    at.button(key="FormSubmitter:plan_draft-Save the draft").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith(f"The support plan of {code} is drafted")
    for kind, who in (("peer_mentor", "teacher.ast-12"), ("family_support", PSYCH)):
        at.selectbox(key="m_type").set_value(kind)
        at.selectbox(key="m_who").set_value(who)
        at.date_input(key="m_review").set_value(app.clock.now().date() + timedelta(days=3))
        at.button(key="FormSubmitter:plan_measure-Add a measure").click().run()
        assert not at.error, [e.value for e in at.error]
    assert len(at.dataframe[1].value) == 2  # the measures, each with its person by name
    assert PEOPLE["teacher.ast-12"][2] in at.dataframe[1].value.to_string()
    # The psychologist cannot approve it; the supervisor can.
    assert not [b for b in at.button if b.key == "FormSubmitter:plan_approve-Approve the plan"]
    sup = open_page(app_test, SUPERVISOR, "plan", code)
    sup.button(key="FormSubmitter:plan_approve-Approve the plan").click().run()
    assert sup.success[0].value == f"The support plan of {code} is approved."
    services._runtime().runner.process_available()
    week = my_work(app_test, PSYCH)
    assert code in week and "the support plan you drafted is due for review" in week
    assert "a measure you are responsible for is due for review" in week

    # The review: outcomes per goal, beside the trend and the ties since the plan began.
    app.record_counselling_session(psych, code, forms.session(
        app.clock.now(), wellbeing=forms.Wellbeing(4, 3, 3, 3)))
    at = open_page(app_test, PSYCH, "plan", code)
    goals = [r for r in at.radio if r.key and r.key.startswith("rv_")]
    assert len(goals) == 2
    goals[0].set_value("better")
    goals[1].set_value("same")
    at.button(key="FormSubmitter:plan_review-Save the review").click().run()
    assert not at.error, [e.value for e in at.error]
    reviews = at.dataframe[2].value.to_string()
    assert "Better" in reviews and "The same" in reviews and "2→4" in reviews
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # the trend
    # Done: the family-support measure leaves My work; the plan's review is a month away.
    plan = services.staff().plan(psych, code)
    family = next(m["measure_id"] for m in plan["measures"]
                  if m["measure_type"] == "family_support")
    at.selectbox(key="mu_id").set_value(family)
    at.selectbox(key="mu_status").set_value("done")
    at.text_area(key="mu_result").input("The mother started the employment programme.")
    at.button(key="FormSubmitter:plan_measure_update-Save").click().run()
    assert not at.error, [e.value for e in at.error]
    services._runtime().runner.process_available()
    work = services.staff().my_work(psych)
    mine = [(t["kind"], section) for section, items in work.items() for t in items
            if t["code"] == code]
    assert ("measure_review", "overdue") not in mine and ("plan_review", "later") in mine
    assert [kind for kind, _ in mine].count("measure_review") == 0  # the tutor's, not mine
    kinds = {type(e).__name__ for e in app.events.get(app.child(code).id)}
    assert {"PlanDrafted", "PlanApproved", "PlanReviewed", "MeasureUpdated"} <= kinds
    assert isinstance(app.child(code), Child)
