"""Record a counselling session (psychologists and social workers): attendance, a score for
each wellbeing area assessed ("not assessed" until one is chosen, and then nothing is
stored for it), a follow-up date, a summary, and confidential notes."""

from __future__ import annotations

import streamlit as st

from domain.checks import LONG_TEXT, TEXT
from domain.commands import CounsellingSession, Wellbeing
from domain.vocabulary import INDICATORS, Attendance, SessionType
from ui import forms, services
from ui.i18n import fmt_datetime, t

FORM = "session"
NOT_ASSESSED = 0
SCALE = [NOT_ASSESSED, 1, 2, 3, 4, 5]


def scale_label(score: int, not_assessed: str = t("wellbeing.not_assessed")) -> str:
    return not_assessed if score == NOT_ASSESSED else str(score)


me, children = forms.recording_page(FORM, "nav.record_session")

left, right = st.columns(2)
with left:
    code = forms.pick_child(children, "session_child")
attendance = right.selectbox(t("field.attendance"), list(Attendance),
                             format_func=forms.choice_label("attendance"),
                             key=forms.lk("session_attendance"),
                             placeholder=t("widget.choose_option"))
version = services.child_version(code)

with st.form(FORM, clear_on_submit=False):
    when = forms.moment(t("field.occurred_at"), services.now(), key="session_when")
    session_type = st.selectbox(t("field.session_type"), list(SessionType),
                                format_func=forms.choice_label("session_type"),
                                key=forms.lk("session_type"),
                                placeholder=t("widget.choose_option"))
    scores: dict[str, int] = {}
    if attendance == Attendance.ATTENDED:
        st.caption(t("hint.wellbeing_optional"))
        columns = st.columns(4)
        for column, name in zip(columns, INDICATORS, strict=True):
            score = column.select_slider(t(f"field.{name}"), SCALE, value=NOT_ASSESSED,
                                         format_func=scale_label, key=f"session_{name}")
            if score != NOT_ASSESSED:  # an area nobody assessed is not stored
                scores[name] = score
    follow_up = forms.optional_day(t("field.follow_up_planned"), t("field.follow_up_on"),
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
