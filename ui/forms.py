"""Helpers shared by form pages: the acting user, date-time input, showing refusals."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from domain.access import Actor
from domain.errors import InvalidEntry, KopirError

FIELD_LABELS = {
    "occurred_at": "When it happened", "kind": "Kind", "severity": "Severity",
    "description": "What happened", "action_taken": "What was done", "child_role": "Role",
}


def actor() -> Actor:
    current = st.session_state.get("actor")
    if current is None:
        st.stop()
    return current


def moment(label: str, default: datetime, key: str) -> datetime:
    """A date and time picked in the browser's local sense, stored as UTC."""
    local = default.astimezone()
    value = st.datetime_input(label, value=local.replace(tzinfo=None), key=key)
    return value.replace(tzinfo=local.tzinfo).astimezone(timezone.utc)


def show_refusal(error: KopirError) -> None:
    if isinstance(error, InvalidEntry):
        st.error("Please check the form:")
        for problem in error.problems:
            st.markdown(f"- **{FIELD_LABELS.get(problem.field, problem.field)}**: "
                        f"{escape(problem.message)}")
    else:
        st.error(str(error))


def escape(text: str) -> str:
    """Markdown-escape text that came from a person."""
    specials = "\\`*_{}[]()#+-.!|<>~$"
    return "".join("\\" + ch if ch in specials else ch for ch in text)
