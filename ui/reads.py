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
NAMES_SHOWN = "reads_names_shown"


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


def names_shown() -> set[str]:
    """The children whose names this signed-in session was shown in a picker: the same
    list on every page is logged once per child and sign-in, a child named later when
    first shown."""
    shown: set[str] = st.session_state.setdefault(NAMES_SHOWN, set())
    return shown


def forget_reads() -> None:
    """After a save, the page shows the record anew: the next read is logged again."""
    st.session_state[SEEN] = set()
