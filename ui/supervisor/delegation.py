"""My deputy: while I am away, a supervisor or psychologist I name sees and handles my
caseload, each decision recorded as theirs, acting for me. Here I see the delegation
that is active or ahead, name one, or end it early."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from domain.errors import KopirError
from ui import forms, services
from ui import names as ui_names
from ui.i18n import date_input_format, fmt_datetime, local_date, local_zone, t

me = forms.actor()
st.title(t("nav.delegation"))
st.caption(t("delegation.intro"))
try:
    current = services.app().delegations_of(me, me.user_id)
    people = {p["user_id"]: f"{ui_names.person(p)} ({p['user_id']})"
              for p in services.admin().deputy_candidates(me, me.user_id)}
except KopirError as error:
    forms.show_refusal(error)
    st.stop()

if done := st.session_state.pop("delegation_done", None):
    st.success(done, icon=":material/check_circle:")
if not current:
    st.info(t("delegation.none"), icon=":material/person_off:")
for row in current:
    key = "delegation.active" if row["active"] else "delegation.ahead"
    st.markdown(t(key, deputy=forms.escape(row["deputy_name"] or row["deputy"]),
                  starts=fmt_datetime(row["starts"]), ends=fmt_datetime(row["ends"])))
    if st.button(t("delegation.end"), key=f"end_{row['delegation_id']}",
                 icon=":material/event_busy:"):
        try:
            services.record(services.app().end_delegation, me, me.user_id, row["delegation_id"])
        except KopirError as error:
            forms.show_refusal(error)
        else:
            st.session_state["delegation_done"] = t("delegation.ended")
            st.rerun()

with st.form("delegation_name"):
    st.subheader(t("delegation.name"))
    deputy = st.selectbox(t("field.deputy"), list(people), index=None, format_func=people.get,
                          placeholder=t("delegation.choose"), key="delegation_deputy")
    today = local_date(services.now())
    first = st.date_input(t("field.away_from"), value=today, key="delegation_from",
                          format=date_input_format())
    last = st.date_input(t("field.away_until"), value=today + timedelta(days=7),
                         key="delegation_until", format=date_input_format())
    if st.form_submit_button(t("delegation.name"), type="primary"):
        zone = local_zone()
        # From the first day's start (or now, for today) to the end of the last day.
        starts = max(datetime.combine(first, time(), zone), services.now())
        ends = datetime.combine(last + timedelta(days=1), time(), zone)
        try:
            services.record(services.app().name_deputy, me, me.user_id, deputy or "", starts,
                            ends)
        except KopirError as error:
            forms.show_refusal(error)
        else:
            st.session_state["delegation_done"] = t("delegation.named",
                                                    deputy=forms.escape(people[deputy or ""]))
            st.rerun()
