"""My notifications: what Köpir told me about concerns (by e-mail or only here), and how
I want to be told: my e-mail address, HIGH at once with the rest in a daily digest or only
HIGH by e-mail, and the language of the messages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from domain.model import user_id_uuid
from ui import forms, services
from ui.i18n import LANGUAGES, current_language, fmt_datetime, t

me = forms.actor()
st.title(t("nav.notifications"))
account = services.app().repository.get(user_id_uuid(me.user_id))

with st.expander(t("notifications.settings"), icon=":material/settings:",
                 expanded=not account.email):
    with st.form("notification_settings"):
        email = st.text_input(t("field.email"), value=account.email,
                              placeholder="name@school.kz", help=t("hint.email"))
        digest = st.toggle(t("field.digest"), value=account.digest, help=t("hint.digest"))
        language = st.selectbox(t("field.mail_language"), list(LANGUAGES),
                                index=list(LANGUAGES).index(account.language or
                                                            current_language()),
                                format_func=LANGUAGES.get,
                                placeholder=t("widget.choose_option"))
        if st.form_submit_button(t("form.save"), type="primary"):
            try:
                services.record(services.app().set_notifications, me, me.user_id,
                                email.strip(), digest, language)
            except KopirError as error:
                forms.show_refusal(error)
            else:
                st.success(t("notifications.saved"), icon=":material/check_circle:")

told = services.oversight().my_notifications(me)
if not told:
    st.info(t("empty.notifications"), icon=":material/notifications_off:")
    st.stop()
st.dataframe(pd.DataFrame([{
    t("col.when"): fmt_datetime(n["queued_at"]),
    t("col.child"): n["child_code"],
    t("col.level"): t(f"choice.level.{n['level']}") if n["level"] else "",
    t("col.school"): n["school_id"],
    t("col.why"): t(f"notifications.reason.{n['reason']}"),
    t("col.how"): t("notifications.by_email", at=fmt_datetime(n["sent_at"]))
    if n["sent_at"] else t(f"notifications.channel.{n['channel']}.{n['kind']}"),
} for n in told]), hide_index=True, width="stretch")
