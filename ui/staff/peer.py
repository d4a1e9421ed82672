"""Record a peer interaction: trouble (nicknames, exclusion, bullying) or ties (friendship,
group activity). Free text goes through the language guard before it is saved."""

from __future__ import annotations

import streamlit as st

from domain.checks import TEXT
from domain.commands import Participant, PeerIncidentReport
from domain.vocabulary import (
    POSITIVE_PEER_KINDS,
    LabelAbout,
    ParticipantRole,
    PeerIncidentKind,
)
from ui import forms, services
from ui.i18n import fmt_datetime, t

FORM = "peer"
me, children = forms.recording_page(FORM, "nav.record_peer")

left, right = st.columns(2)
with left:
    code = forms.pick_child(children, "peer_child")
kind = right.selectbox(t("field.kind"), list(PeerIncidentKind),
                       format_func=forms.choice_label("peer_kind"), key=forms.lk("peer_kind"),
                       placeholder=t("widget.choose_option"))
positive = kind in POSITIVE_PEER_KINDS
version = services.child_version(code)
others = [c["code"] for c in children if c["code"] != code]

with st.form(FORM, clear_on_submit=False):
    when = forms.moment(t("field.occurred_at"), services.now(), key="peer_when")
    a, b = st.columns(2)
    severity = 0 if positive else a.slider(t("field.severity_scale"), 1, 5, 2,
                                           key="peer_severity")
    label_about = None
    if kind == PeerIncidentKind.STIGMATISING_LABEL:
        label_about = b.selectbox(t("field.label_about"), list(LabelAbout),
                                  format_func=forms.choice_label("label_about"),
                                  key=forms.lk("peer_label_about"),
                                  placeholder=t("widget.choose_option"))
    if positive:
        role = ParticipantRole.INVOLVED
        together = a.multiselect(t("field.together_with"), others, key="peer_together",
                                 placeholder=t("widget.choose_options"))
        participants = tuple(Participant(c, ParticipantRole.INVOLVED) for c in together)
    else:
        role = a.selectbox(t("field.child_role"), [r for r in ParticipantRole
                                                   if r != ParticipantRole.INVOLVED],
                           index=1, format_func=forms.choice_label("participant_role"),
                           key=forms.lk("peer_role"),
                           placeholder=t("widget.choose_option"))
        initiators = b.multiselect(t("field.initiators"), others, key="peer_initiators",
                                   placeholder=t("widget.choose_options"))
        witnesses = b.multiselect(t("field.witnesses"), others, key="peer_witnesses",
                                  placeholder=t("widget.choose_options"))
        participants = tuple(Participant(c, ParticipantRole.INITIATOR) for c in initiators) + \
            tuple(Participant(c, ParticipantRole.WITNESS) for c in witnesses)
    outside = a.checkbox(t("field.others_not_in_system"), key="peer_outside")
    description = st.text_area(t("field.description"), max_chars=TEXT, key="peer_description",
                               placeholder=t("hint.facts"))
    action = st.text_area(t("field.action_taken"), max_chars=TEXT, key="peer_action")
    quoting = forms.quoting_box(FORM)
    submitted = st.form_submit_button(t("form.save"), type="primary")

if submitted:
    report = PeerIncidentReport(occurred_at=when, kind=kind, description=description,
                                severity=severity, child_role=role, label_about=label_about,
                                participants=participants, others_not_in_system=outside,
                                action_taken=action)
    if forms.language_ok(FORM, {"description": description, "action_taken": action}, quoting):
        forms.save(FORM, services.app().record_peer_incident, me, code, report,
                   expected_version=version,
                   confirmation=lambda: t("saved.peer", code=code,
                                          kind=forms.choice_label("peer_kind")(kind),
                                          when=fmt_datetime(when),
                                          at=fmt_datetime(services.now())))
