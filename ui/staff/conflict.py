"""Record a conflict: one form, one call, one confirmation. Nothing typed is lost on an error."""

from __future__ import annotations

import streamlit as st

from domain.checks import TEXT
from domain.commands import ConflictReport, Participant
from domain.vocabulary import ConflictKind, ParticipantRole
from ui import forms, services
from ui.i18n import fmt_datetime, t

FORM = "conflict"
me, children = forms.recording_page(FORM, "nav.record_conflict")

code = forms.pick_child(children, "conflict_child")
version = services.child_version(code)
codes = [c["code"] for c in children]

with st.form(FORM, clear_on_submit=False):
    when = forms.moment(t("field.occurred_at"), services.now(), key="conflict_when")
    left, right = st.columns(2)
    kind = left.selectbox(t("field.kind"), list(ConflictKind),
                          format_func=forms.choice_label("conflict_kind"), key=forms.lk("conflict_kind"),
                          placeholder=t("widget.choose_option"))
    severity = right.slider(t("field.severity_scale"), 1, 5, 2, key="conflict_severity")
    role = left.selectbox(t("field.child_role"), list(ParticipantRole),
                          format_func=forms.choice_label("participant_role"),
                          key=forms.lk("conflict_role"),
                          placeholder=t("widget.choose_option"))
    others = [c for c in codes if c != code]
    initiators = right.multiselect(t("field.initiators"), others, key="conflict_initiators",
                                   placeholder=t("widget.choose_options"))
    targets = right.multiselect(t("field.targets"), others, key="conflict_targets",
                                placeholder=t("widget.choose_options"))
    witnesses = right.multiselect(t("field.witnesses"), others, key="conflict_witnesses",
                                  placeholder=t("widget.choose_options"))
    outside = left.checkbox(t("field.others_not_in_system"), key="conflict_outside")
    staff = left.checkbox(t("field.staff_involved"), key="conflict_staff")
    description = st.text_area(t("field.description"), max_chars=TEXT,
                               key="conflict_description", placeholder=t("hint.facts"))
    action = st.text_area(t("field.action_taken"), max_chars=TEXT, key="conflict_action")
    quoting = forms.quoting_box(FORM)
    submitted = st.form_submit_button(t("form.save"), type="primary")

if submitted:
    participants = tuple(Participant(c, ParticipantRole.INITIATOR) for c in initiators) + \
        tuple(Participant(c, ParticipantRole.TARGET) for c in targets) + \
        tuple(Participant(c, ParticipantRole.WITNESS) for c in witnesses)
    report = ConflictReport(occurred_at=when, kind=kind, severity=severity,
                            description=description, child_role=role,
                            participants=participants, others_not_in_system=outside,
                            staff_involved=staff, action_taken=action)
    if forms.language_ok(FORM, {"description": description, "action_taken": action}, quoting):
        forms.save(FORM, services.app().record_conflict, me, code, report,
                   expected_version=version,
                   confirmation=lambda: t("saved.conflict", code=code,
                                          kind=forms.choice_label("conflict_kind")(kind),
                                          when=fmt_datetime(when),
                                          at=fmt_datetime(services.now())))
