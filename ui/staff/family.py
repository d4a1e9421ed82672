"""Family work: contacts with the mother or another member of the family and their
outcome (a refusal says who refused), and the family's consent per purpose."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.checks import TEXT
from domain.errors import KopirError
from domain.plan_forms import Consent, FamilyContact
from domain.vocabulary import ConsentPurpose, ContactOutcome, ContactType, FamilyMember
from ui import forms, services
from ui.i18n import fmt_datetime, t
from ui.reads import first_read
from ui.staff import plan_parts as parts

FORM = "family"
me, children = forms.recording_page(FORM, "nav.family")
code = forms.pick_child(children, "family_child")
parts.saved()
version = services.child_version(code)

left, right = st.columns(2)
outcome = left.selectbox(t("family.outcome"), list(ContactOutcome),
                         format_func=forms.choice_label("contact_outcome"),
                         key=forms.lk("family_outcome"),
                         placeholder=t("widget.choose_option"))
with st.form(FORM, clear_on_submit=False):
    when = forms.moment(t("field.occurred_at"), services.now(), key="family_when")
    with_whom = st.selectbox(t("family.contact_with"), list(FamilyMember),
                             format_func=forms.choice_label("family_member"), key="family_with",
                             placeholder=t("widget.choose_option"))
    kind = st.selectbox(t("family.contact_type"), list(ContactType),
                        format_func=forms.choice_label("contact_type"), key="family_type",
                        placeholder=t("widget.choose_option"))
    refused_by = None
    if outcome == ContactOutcome.REFUSED:
        refused_by = st.selectbox(t("family.refused_by"), list(FamilyMember), index=None,
                                  format_func=forms.choice_label("family_member"),
                                  placeholder=t("family.who_refused"), key="family_refused_by")
    follow_up = forms.optional_day(t("field.follow_up_planned"), t("field.follow_up_on"),
                                   key="family_follow_up")
    summary = st.text_area(t("field.summary"), max_chars=TEXT, key="family_summary")
    quoting = forms.quoting_box(FORM)
    submitted = st.form_submit_button(t("form.save"), type="primary")
if submitted:
    form = FamilyContact(when, with_whom, kind, outcome, refused_by, summary, follow_up)
    if forms.language_ok(FORM, {"summary": summary}, quoting):
        forms.save(FORM, services.app().record_family_contact, me, code, form,
                   expected_version=version,
                   confirmation=lambda: t("saved.family", code=code, when=fmt_datetime(when)))

st.subheader(t("family.consents"))
try:
    consents = services.staff().plan(me, code, logged=first_read("family", code))["consents"]
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
if consents:
    st.dataframe(pd.DataFrame([{
        t("family.purpose"): t(f"choice.consent_purpose.{purpose}"),
        t("family.given"): t("family.yes") if c["given"] else t("family.no"),
        t("family.given_by"): t(f"choice.family_member.{c['given_by']}"),
        t("col.recorded_at"): fmt_datetime(c["at"])} for purpose, c in consents.items()]),
        hide_index=True, width="stretch")
else:
    st.caption(t("family.no_consents"))
with st.form("family_consent"):
    purpose = st.selectbox(t("family.purpose"), list(ConsentPurpose),
                           format_func=forms.choice_label("consent_purpose"), key="consent_purpose",
                           placeholder=t("widget.choose_option"))
    given = st.radio(t("family.given"), [True, False], horizontal=True, key="consent_given",
                     format_func=lambda v: t("family.yes") if v else t("family.no"))
    by = st.selectbox(t("family.given_by"), list(FamilyMember),
                      format_func=forms.choice_label("family_member"), key="consent_by",
                      placeholder=t("widget.choose_option"))
    note = st.text_area(t("field.note"), key="consent_note")
    if st.form_submit_button(t("family.record_consent"), type="primary"):
        parts.run(services.app().record_consent, me, code, Consent(purpose, given, by, note),
                  done=t("family.consent_saved", code=code))
