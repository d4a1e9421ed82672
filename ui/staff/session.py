"""Record a counselling session (psychologists and social workers): attendance, the four
wellbeing scores, a follow-up date, a summary, and confidential notes."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from domain.checks import LONG_TEXT, TEXT
from domain.commands import CounsellingSession, Wellbeing
from domain.vocabulary import INDICATORS, Attendance, SessionType
from ui import forms, services
from ui.i18n import fmt_datetime, t

FORM = "session"
me, children = forms.recording_page(FORM, "nav.record_session")

left, right = st.columns(2)
with left:
    code = forms.pick_child(children, "session_child")
attendance = right.selectbox(t("field.attendance"), list(Attendance),
                             format_func=forms.choice_label("attendance"),
                             key=forms.lk("session_attendance"))
version = services.child_version(code)

with st.form(FORM, clear_on_submit=False):
    when = forms.moment(t("field.occurred_at"), services.now(), key="session_when")
    session_type = st.selectbox(t("field.session_type"), list(SessionType),
                                format_func=forms.choice_label("session_type"),
                                key=forms.lk("session_type"))
    scores = {}
    if attendance == Attendance.ATTENDED:
        st.caption(t("hint.wellbeing"))
        columns = st.columns(4)
        for column, name in zip(columns, INDICATORS, strict=True):
            scores[name] = column.slider(t(f"field.{name}"), 1, 5, 3, key=f"session_{name}")
    follow_up = st.date_input(t("field.follow_up_on"), value=None,
                              min_value=services.now().date() - timedelta(days=365),
                              key="session_follow_up")
    summary = st.text_area(t("field.summary"), max_chars=TEXT, key="session_summary")
    notes = st.text_area(t("field.confidential_notes"), max_chars=LONG_TEXT,
                         key="session_notes", help=t("hint.confidential"))
    quoting = forms.quoting_box(FORM)
    submitted = st.form_submit_button(t("form.save"), type="primary")

if submitted:
    form = CounsellingSession(occurred_at=when, session_type=session_type, attendance=attendance,
                              wellbeing=Wellbeing(**scores) if scores else None,
                              follow_up_on=follow_up, summary=summary, confidential_notes=notes)
    if forms.language_ok(FORM, {"summary": summary, "confidential_notes": notes}, quoting):
        forms.save(FORM, services.app().record_counselling_session, me, code, form,
                   expected_version=version,
                   confirmation=lambda: t("saved.session", code=code,
                                          attendance=forms.choice_label("attendance")(attendance),
                                          when=fmt_datetime(when),
                                          at=fmt_datetime(services.now())))
