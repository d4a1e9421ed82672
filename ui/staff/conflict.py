"""Record a conflict: one form, one call, one message. Nothing typed is lost on an error."""

from __future__ import annotations

import streamlit as st

from domain.errors import KopirError
from domain.events import TEXT, ConflictKind, ConflictReport, Participant, ParticipantRole
from ui import forms, services
from ui.i18n import t

me = forms.actor()
st.title(t("nav.record_conflict"))
children = [c for c in services.children(me) if c["status"] == "open"]
if not children:
    st.info(t("empty.children"))
    st.stop()

codes = [c["code"] for c in children]
code = st.selectbox("Child", codes, key="conflict_child")
version = services.child_version(code)

with st.form("conflict", clear_on_submit=False):
    when = forms.moment("When it happened", services.now(), key="conflict_when")
    left, right = st.columns(2)
    kind = left.selectbox("Kind", list(ConflictKind), format_func=lambda k: k.value.replace("_", " "),
                          key="conflict_kind")
    severity = right.slider("Severity (1 = minor, 5 = very serious)", 1, 5, 2,
                            key="conflict_severity")
    role = left.selectbox("This child's role", list(ParticipantRole),
                          format_func=lambda r: r.value, key="conflict_role")
    others = [c for c in codes if c != code]
    initiators = right.multiselect("Other children: initiators", others, key="conflict_initiators")
    targets = right.multiselect("Other children: targets", others, key="conflict_targets")
    witnesses = right.multiselect("Other children: witnesses", others, key="conflict_witnesses")
    outside = left.checkbox("Pupils not in Köpir were involved", key="conflict_outside")
    staff = left.checkbox("A member of staff was involved", key="conflict_staff")
    description = st.text_area("What happened", max_chars=TEXT, key="conflict_description",
                               placeholder="Describe the facts, without labels or nicknames.")
    action = st.text_area("What was done", max_chars=TEXT, key="conflict_action")
    submitted = st.form_submit_button("Save", type="primary")

if submitted:
    participants = tuple(Participant(c, ParticipantRole.INITIATOR) for c in initiators) + \
        tuple(Participant(c, ParticipantRole.TARGET) for c in targets) + \
        tuple(Participant(c, ParticipantRole.WITNESS) for c in witnesses)
    report = ConflictReport(occurred_at=when, kind=kind, severity=severity,
                            description=description, child_role=role,
                            participants=participants, others_not_in_system=outside,
                            staff_involved=staff, action_taken=action)
    try:
        services.record_conflict(me, code, report, expected_version=version)
    except KopirError as error:
        forms.show_refusal(error)
    else:
        st.success(f"Recorded for {code}: a {kind.value.replace('_', ' ')} conflict on "
                   f"{when.astimezone():%d %b %Y, %H:%M}.")
