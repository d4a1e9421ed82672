"""Schools known to Köpir."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import forms, services
from ui.i18n import t

me = forms.actor()
st.title(t("nav.schools"))
rows = services.schools(me)
if not rows:
    st.info("No schools are registered yet.")
else:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
