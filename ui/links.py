"""Links into the app: a page for one child (`?child=KZ-…`) or one concern (`?concern=…`).

A link is a deliberate choice of a child, so a page opened from one starts with that child
chosen; the query parameters survive the sign-in, so a link opens after it.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st


def link(page: str, child: str | None = None, concern: str | None = None) -> str:
    """The relative address of `page` (its url path, a name from ui.navigation.PAGES)."""
    query = {k: v for k, v in (("child", child), ("concern", concern)) if v}
    return f"/{page}" + (f"?{urlencode(query)}" if query else "")


def linked_child() -> str | None:
    """The child code the page was opened for by a link, if any."""
    value = st.query_params.get("child")
    return str(value) if value else None


def linked_concern() -> str | None:
    value = st.query_params.get("concern")
    return str(value) if value else None
