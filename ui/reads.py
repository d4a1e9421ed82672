"""One access entry per deliberate read of a child, not one per rerun of a page.

Streamlit runs a page's script again on every click. The queries log a read each time they
are called with `logged=True`; pages pass `logged=first_read(...)`, which is true only the
first time this visit of the page shows that child (that moment, those fields). Opening the
page again later is a new visit and a new read.
"""

from __future__ import annotations

from typing import Hashable

import streamlit as st

VISIT = "reads_visit"
SEEN = "reads_seen"
SESSION_SEEN = "reads_seen_in_session"


def page_opened(page: str) -> None:
    """Called by the app on every run: a different page starts a new visit."""
    if st.session_state.get(VISIT) != page:
        st.session_state[VISIT] = page
        st.session_state[SEEN] = set()


def first_read(*what: Hashable) -> bool:
    """True the first time this visit reads `what` (e.g. "chronology", code, as_of)."""
    seen: set[tuple[Hashable, ...]] = st.session_state.setdefault(SEEN, set())
    if what in seen:
        return False
    seen.add(what)
    return True


def first_in_session(*what: Hashable) -> bool:
    """True the first time this signed-in session shows `what`, whatever the page: the list
    of children's names in the pickers is the same on every page, so showing it is logged
    once per sign-in, not once per page with a picker."""
    seen: set[tuple[Hashable, ...]] = st.session_state.setdefault(SESSION_SEEN, set())
    if what in seen:
        return False
    seen.add(what)
    return True


def forget_reads() -> None:
    """After a save, the page shows the record anew: the next read is logged again."""
    st.session_state[SEEN] = set()
