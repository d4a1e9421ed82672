"""The reader's time zone: the deployment's (KOPIR_TIMEZONE, default Asia/Almaty), a
school's own (KOPIR_SCHOOL_TIMEZONES), or the one a user picked for the session.

Moments are stored in UTC; pages show them with `to_local` (or `fmt_datetime`) and turn
what a user typed, in their local sense, back into UTC with `from_local`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

ZONE_KEY = "timezone"  # st.session_state: the zone a user picked in the sidebar
# The zones offered in the sidebar: Kazakhstan's first, then a few a school abroad may use.
COMMON_ZONES = ("Asia/Almaty", "Asia/Aqtobe", "Asia/Aqtau", "Asia/Atyrau", "Asia/Oral",
                "Asia/Qostanay", "Asia/Qyzylorda", "Europe/Moscow", "Asia/Tashkent",
                "Asia/Bishkek", "Europe/Istanbul", "UTC")


def _session() -> dict[str, Any]:
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        return st.session_state if get_script_run_ctx(suppress_warning=True) else {}
    except Exception:  # noqa: BLE001 - outside a Streamlit session
        return {}


def local_zone(actor: Any | None = None, school_id: str | None = None) -> ZoneInfo:
    """The zone to show times in: the user's choice for this session; else the school's
    (`school_id`, or the actor's only school) from KOPIR_SCHOOL_TIMEZONES; else the
    deployment's KOPIR_TIMEZONE."""
    from infrastructure.settings import settings

    session = _session()
    picked = session.get(ZONE_KEY)
    if picked in zone_choices():
        return ZoneInfo(picked)
    if actor is None:
        actor = session.get("actor")
    schools = settings().school_zones()
    if school_id is None and actor is not None and len(getattr(actor, "school_ids", ())) == 1:
        school_id = next(iter(actor.school_ids))
    return ZoneInfo(schools.get(school_id or "", settings().timezone))


def zone_choices() -> tuple[str, ...]:
    """The zones a user may pick: the deployment's and the schools' first, then common ones."""
    from infrastructure.settings import settings

    configured = (settings().timezone, *settings().school_zones().values())
    known = _known_zones()
    return tuple(dict.fromkeys(z for z in (*configured, *COMMON_ZONES) if z in known))


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    """The tz database's zone names: read from disk once per process (it takes ~15 ms)."""
    return frozenset(available_timezones() | {"UTC"})


def local_now(actor: Any | None = None) -> datetime:
    """Now, on the reader's clock (aware)."""
    return datetime.now(timezone.utc).astimezone(local_zone(actor))


def to_local(value: datetime, actor: Any | None = None) -> datetime:
    """A stored moment on the reader's clock; a naive one is taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(local_zone(actor))


def local_date(value: datetime, actor: Any | None = None) -> date:
    """The reader's calendar day of a stored moment."""
    return to_local(value, actor).date()


def from_local(value: datetime | date, actor: Any | None = None,
               at: time = time(0, 0)) -> datetime:
    """What a user typed (a wall-clock date and time, or a day at `at`), as aware UTC."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, at)
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone(actor))
    return value.astimezone(timezone.utc)
