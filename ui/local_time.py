"""The sidebar's time zone picker, and the browser's calendar in the UI's language with
weeks from Monday.

Streamlit's date pickers (1.67) take the first day of the week and the names of months
and days from the browser's `navigator.language` alone (read each time the app renders;
react-aria's calendar honours its region and a `-u-fw-` extension): `st.date_input`
has no parameter for either. `calendar_locale()` therefore tells this page's browser
the UI language with Kazakhstan's conventions and Monday first ("ru-KZ-u-fw-mon"), by
a fixed script of ours that contains nothing a user typed.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import streamlit as st

from ui.i18n import BROWSER_LOCALES, ZONE_KEY, current_language, local_zone, t, zone_choices

SCRIPT = """<script>
(() => {{
  const wanted = {locale};
  if (navigator.language === wanted) return;
  Object.defineProperty(Navigator.prototype, "language",
                        {{get: () => wanted, configurable: true}});
}})();
</script>"""


def zone_label(name: str, language: str | None = None) -> str:
    """A zone by its city in the language, with its offset now: "Алматы (UTC+05:00)"."""
    from babel.dates import get_timezone, get_timezone_location

    language = language or current_language()
    city = name if name == "UTC" else get_timezone_location(
        get_timezone(name), locale=language, return_city=True)
    offset = datetime.now(timezone.utc).astimezone(ZoneInfo(name)).strftime("%z")
    return f"{city} (UTC{offset[:3]}:{offset[3:]})"


def zone_picker(where: object = st) -> None:
    """The time zone this session shows and reads times in (default: the school's or the
    deployment's); kept in st.session_state["timezone"]."""
    choices = list(zone_choices())
    current = local_zone().key
    language = current_language()
    choice = where.selectbox(  # type: ignore[attr-defined]
        t("timezone.label"), choices,
        index=choices.index(current) if current in choices else 0,
        format_func=lambda name: zone_label(name, language), key="timezone_picker",
        placeholder=t("widget.choose_option"))
    if choice != current:
        st.session_state[ZONE_KEY] = choice
        st.rerun()


def calendar_locale(where: object = st) -> None:
    """Tell the browser the UI's locale for its calendars: weeks start on Monday."""
    locale = BROWSER_LOCALES.get(current_language(), BROWSER_LOCALES["en"])
    where.html(SCRIPT.format(locale=json.dumps(locale)),  # type: ignore[attr-defined]
               unsafe_allow_javascript=True)


def sidebar() -> None:
    """The sidebar's part: the zone in use (a click away from changing it), and the
    calendar's locale."""
    with st.expander(zone_label(local_zone().key), icon=":material/schedule:"):
        zone_picker(st)
    calendar_locale(st)
