"""Correct an earlier entry: amend what was wrong, or retract it, always with a reason.
The original stays in the log and stays visible to auditors."""

from __future__ import annotations

import streamlit as st

from domain.access import Role
from domain.checks import TEXT
from domain.commands import AMENDABLE, Correction
from ui import forms, printable, services
from ui.i18n import current_language, fmt_datetime, t

FORM = "correct"
EDITABLE_TEXT = ("description", "action_taken", "summary", "reason")
me, children = forms.recording_page(FORM, "nav.correct")

code = forms.pick_child(children, "correct_child")
version = services.child_version(code)
entries = [r for r in services.staff().chronology(me, code)
           if r["kind"] in AMENDABLE and r["status"] != "retracted"
           and (me.role != Role.TEACHER or r["recorded_by"] == me.user_id)]
if not entries:
    st.info(t("empty.correctable"))
    st.stop()


kind = forms.labeller("kind.")
lang = current_language()


def label(entry_id: str) -> str:
    row = next(r for r in entries if r["entry_id"] == entry_id)
    return (f"{fmt_datetime(row['occurred_at'], lang)} · {kind(row['kind'])} · "
            f"{printable.summary_text(row)[:60]}")


def corrected_label(name: str) -> str:
    """The label of an entry's text as corrected: "What happened (corrected text)"; a
    concern's own reason is named for what it is, not "Reason"."""
    field = t("field.concern_reason") if name == "reason" else t(f"field.{name}")
    return t("correct.corrected_field", field=field)


chosen = st.selectbox(t("field.entry"), [r["entry_id"] for r in reversed(entries)],
                      format_func=label, key=forms.lk("correct_entry"),
                      placeholder=t("widget.choose_option"))
row = next(r for r in entries if r["entry_id"] == chosen)
action = st.radio(t("field.correction"), ["amend", "retract"], horizontal=True,
                  format_func=forms.labeller("correct."), key=forms.lk("correct_action"))

with st.form(FORM, clear_on_submit=False):
    changes: dict[str, object] = {}
    if action == "amend":
        allowed = AMENDABLE[row["kind"]][1]
        for name in EDITABLE_TEXT:
            if name in allowed and name in row["fields"]:
                value = st.text_area(corrected_label(name), value=row["fields"][name],
                                     max_chars=TEXT, key=f"correct_{name}_{chosen}")
                if value != row["fields"][name]:
                    changes[name] = value
        if "severity" in allowed and row["fields"].get("severity"):
            severity = st.slider(t("field.severity_scale"), 1, 5, int(row["fields"]["severity"]),
                                 key=f"correct_severity_{chosen}")
            if severity != row["fields"]["severity"]:
                changes["severity"] = severity
    # Why the entry is corrected (or withdrawn): not the entry's own text, which is above.
    reason = st.text_area(t("field.correction_reason" if action == "amend"
                            else "field.retraction_reason"), max_chars=TEXT,
                          key="correct_reason", help=t("hint.correction_reason"))
    quoting = forms.quoting_box(FORM)
    submitted = st.form_submit_button(t("form.save"), type="primary")

if submitted:
    correction = Correction(entry_id=chosen, reason=reason, changes=changes)
    texts = {k: str(v) for k, v in changes.items() if isinstance(v, str)} | {"reason": reason}
    if forms.language_ok(FORM, texts, quoting):
        command = services.app().amend_entry if action == "amend" \
            else services.app().retract_entry
        forms.save(FORM, command, me, code, correction, expected_version=version,
                   confirmation=lambda: t(f"saved.{action}", code=code,
                                          at=fmt_datetime(services.now())))
