"""Schools and staff accounts. Administrators manage them; they read no case records.
A school is registered with its name in Kazakh, Russian and English and its region."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from domain.checks import SHORT_TEXT
from domain.errors import KopirError
from domain.regions import REGIONS, region_name
from ui import forms, names, services
from ui.i18n import LANGUAGES, current_language, t

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
    st.dataframe(pd.DataFrame([{t("admin.school_id"): r["school_id"],
                                t("admin.name"): names.school(r),
                                t("admin.region"): names.region(r["region"])} for r in rows]),
                 hide_index=True, width="stretch")

with st.expander(t("admin.new_school"), icon=":material/add_business:"):
    with st.form("new_school", clear_on_submit=False):
        school_id = st.text_input(t("admin.school_id"), max_chars=32, key="school_id")
        given = {language: st.text_input(t("admin.name_in", which=label),
                                         max_chars=SHORT_TEXT, key=f"school_name_{language}")
                 for language, label in LANGUAGES.items()}
        region = st.selectbox(t("admin.region"), list(REGIONS), index=None,
                              format_func=partial(region_name, language=current_language()),
                              key=forms.lk("school_region"),
                              placeholder=t("admin.region.choose"))
        if st.form_submit_button(t("form.save"), type="primary"):
            name = given["en"] or given["ru"] or given["kk"]
            try:
                services.record(services.app().register_school, me, school_id.strip(), name,
                                region or "", names=given)
            except KopirError as error:
                forms.show_refusal(error)
            else:
                st.success(t("admin.school_saved", school=forms.escape(school_id.strip())))

st.subheader(t("admin.accounts"))
if people:
    frame = pd.DataFrame([{t("admin.user_id"): p["user_id"],
                           t("admin.display_name"): names.person(p),
                           t("admin.role"): t(f"role.{p['role']}"),
                           t("admin.school_ids"): ", ".join(p["school_ids"])} for p in people])
    st.dataframe(frame, hide_index=True, width="stretch")
st.caption(t("admin.no_case_records"))
