"""Raise a concern by hand: it goes straight to the supervisors' escalation queue."""

from __future__ import annotations

import streamlit as st

from domain.checks import TEXT
from domain.commands import Concern
from domain.vocabulary import Level
from ui import forms, services
from ui.i18n import fmt_datetime, t

FORM = "concern"
me, children = forms.recording_page(FORM, "nav.raise_concern")
st.caption(t("hint.concern"))

code = forms.pick_child(children, "concern_child")
version = services.child_version(code)
with st.form(FORM, clear_on_submit=False):
    when = forms.moment(t("field.occurred_at"), services.now(), key="concern_when")
    level = st.radio(t("field.level"), list(Level), index=1, horizontal=True,
                     format_func=forms.choice_label("level"), key=forms.lk("concern_level"))
    reason = st.text_area(t("field.reason"), max_chars=TEXT, key="concern_reason")
    quoting = forms.quoting_box(FORM)
    submitted = st.form_submit_button(t("form.save"), type="primary")

if submitted:
    form = Concern(occurred_at=when, level=level, reason=reason)
    if forms.language_ok(FORM, {"reason": reason}, quoting):
        forms.save(FORM, services.app().raise_concern, me, code, form, expected_version=version,
                   confirmation=lambda: t("saved.concern", code=code,
                                          level=forms.choice_label("level")(level),
                                          at=fmt_datetime(services.now())))
