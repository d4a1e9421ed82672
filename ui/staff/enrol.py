"""Enrol a child under a pseudonymous code (one in the real format is proposed). A personal
name is optional."""

from __future__ import annotations

import streamlit as st

from domain import child_codes
from domain.access import Role
from domain.checks import SHORT_TEXT, TEXT
from domain.commands import Enrolment
from domain.errors import KopirError
from domain.vocabulary import FamilySituation
from ui import forms, services
from ui.i18n import fmt_datetime, t

FORM = "enrol"
SPOKEN = ["kk", "ru", "ar", "uz", "en", "tr"]
me = forms.actor()
st.title(t("nav.enrol"))
st.caption(t("hint.enrol"))
schools = [s["school_id"] for s in services.staff().schools(me)]
if not schools:
    st.info(t("empty.schools"))
    st.stop()
if forms.show_saved(FORM):
    st.stop()

year = services.now().year
# A code in the real format, free in the store, proposed for staff to accept (or change).
another = st.button(t("enrol.another_code"), icon=":material/autorenew:",
                    key="enrol_another_code")
if another or not st.session_state.get("enrol_code"):
    st.session_state["enrol_code"] = services.app().propose_child_code()
with st.form(FORM, clear_on_submit=False):
    a, b, c = st.columns(3)
    code = a.text_input(t("field.child_code"), key="enrol_code", placeholder=child_codes.EXAMPLE,
                        help=t("hint.child_code", example=child_codes.EXAMPLE)).strip().upper()
    school = b.selectbox(t("field.school"), schools, key="enrol_school",
                         placeholder=t("widget.choose_option"))
    grade = c.number_input(t("field.grade"), 0, 11, 1, key="enrol_grade")
    birth_year = a.number_input(t("field.birth_year"), year - 20, year - 4, year - 9,
                                key="enrol_birth_year")
    family = b.selectbox(t("field.family_situation"), list(FamilySituation),
                         format_func=forms.choice_label("family"), key=forms.lk("enrol_family"),
                         placeholder=t("widget.choose_option"))
    missed = c.number_input(t("field.months_schooling_missed"), 0, 144, 0, key="enrol_missed")
    languages = st.multiselect(t("field.languages"), SPOKEN, default=["kk"],
                               format_func=forms.choice_label("language"), key=forms.lk("enrol_languages"),
                               placeholder=t("widget.choose_options"))
    needs = st.text_area(t("field.support_needs"), max_chars=TEXT, key="enrol_needs")
    returned_from = ""
    if me.role == Role.PSYCHOLOGIST:
        returned_from = st.text_input(t("field.returned_from"), max_chars=SHORT_TEXT,
                                      key="enrol_returned_from", help=t("hint.need_to_know"))
    name = st.text_input(t("field.personal_name"), max_chars=SHORT_TEXT, key="enrol_name",
                         help=t("hint.personal_name"))
    when = forms.moment(t("field.enrolled_on"), services.now(), key="enrol_when")
    quoting = forms.quoting_box(FORM)
    submitted = st.form_submit_button(t("form.save"), type="primary")

if submitted:
    form = Enrolment(child_code=code, school_id=school, grade=int(grade),
                     birth_year=int(birth_year), occurred_at=when, family_situation=family,
                     languages=tuple(languages), months_schooling_missed=int(missed),
                     support_needs=needs, returned_from=returned_from, personal_name=name)
    if forms.language_ok(FORM, {"support_needs": needs}, quoting):
        try:
            services.record(services.app().enrol_child, me, form)
        except KopirError as error:
            forms.show_refusal(error, form=FORM)
        else:
            forms.saved(FORM, t("saved.enrol", code=code, school=school,
                                at=fmt_datetime(services.now())))
            st.rerun()
