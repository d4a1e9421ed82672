"""Schools and staff accounts. Administrators manage them; they read no case records."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.errors import KopirError
from ui import forms, services
from ui.i18n import t

me = forms.actor()
st.title(t("nav.schools"))
try:
    rows = services.staff().schools(me)
    people = services.admin().accounts(me)
except KopirError as error:
    forms.show_refusal(error)
    st.stop()
if not rows:
    st.info(t("empty.schools"))
else:
    frame = pd.DataFrame(rows)
    frame.columns = [t(f"admin.{c}") for c in frame.columns]
    st.dataframe(frame, hide_index=True, width="stretch")
st.subheader(t("admin.accounts"))
if people:
    frame = pd.DataFrame([{t("admin.user_id"): p["user_id"],
                           t("admin.display_name"): p["display_name"],
                           t("admin.role"): t(f"role.{p['role']}"),
                           t("admin.school_ids"): ", ".join(p["school_ids"])} for p in people])
    st.dataframe(frame, hide_index=True, width="stretch")
st.caption(t("admin.no_case_records"))
