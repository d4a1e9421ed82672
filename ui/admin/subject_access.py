"""Subject access: everything Köpir holds about one child, as JSON and as a printable PDF,
for the data-protection officer answering a lawful request. The officer lists no children:
they type the code written on the request. Each export is one read of the record, logged
in the access log (purpose "subject access"), as `kopir subject-access` logs it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from domain import access
from domain.errors import KopirError
from ui import forms, services
from ui.i18n import LANGUAGES, current_language, fmt_datetime, t

READY = "subject_export"  # the last export made in this session, ready to download

me = forms.actor()
st.title(t("nav.subject_access"))
try:
    access.check_may_export_subject(me)  # nobody else gets as far as the form
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
st.caption(t("subject.page_help"))


def summary(data: dict[str, Any]) -> str:
    """What the export holds, in a sentence."""
    child = forms.escape(data["child"]["code"])
    counts = {"entries": len(data["record"]), "signals": len(data["concerns"]["signals"]),
              "reads": len(data["access_log"])}
    if data["erased"]:
        return t("subject.ready_erased", child=child, when=fmt_datetime(data["erased"]["at"]),
                 **counts)
    return t("subject.ready", child=child, **counts)


def export(code: str, language: str) -> None:
    """Make the export, each step shown as it happens; keep it for the download buttons."""
    st.session_state.pop(READY, None)
    refusal = None
    with st.status(t("subject.working", child=forms.escape(code)), expanded=True) as status:
        try:
            data, as_json, pdf = services.subject_access(
                me, code, language, lambda key: st.write(t(key)))
        except KopirError as error:
            refusal = error
            status.update(label=t("subject.failed"), state="error", expanded=False)
        else:
            status.update(label=t("subject.made_label"), state="complete", expanded=False)
            st.session_state[READY] = {"code": data["child"]["code"], "json": as_json,
                                       "pdf": pdf, "summary": summary(data)}
    if refusal is not None:
        forms.show_refusal(refusal)


with st.form("subject_access"):
    typed = st.text_input(t("subject.code"), key="subject_code", placeholder="AST-0001",
                          help=t("subject.code_help"), max_chars=40)
    language = st.selectbox(t("subject.language"), list(LANGUAGES),
                            index=list(LANGUAGES).index(current_language()),
                            format_func=LANGUAGES.get, key="subject_language")
    pressed = st.form_submit_button(t("subject.export"), type="primary",
                                    icon=":material/download:")
if pressed:
    code = typed.strip().upper()
    if code:
        export(code, language)
    else:
        st.session_state.pop(READY, None)
        st.warning(t("subject.no_code"))

if ready := st.session_state.get(READY):
    st.success(ready["summary"], icon=":material/check_circle:")
    stem = f"{ready['code']}-subject-access"
    left, right = st.columns(2)
    left.download_button(t("subject.download_json"), ready["json"], f"{stem}.json",
                         "application/json", key="subject_json", icon=":material/data_object:")
    right.download_button(t("subject.download_pdf"), ready["pdf"], f"{stem}.pdf",
                          "application/pdf", key="subject_pdf",
                          icon=":material/picture_as_pdf:")
