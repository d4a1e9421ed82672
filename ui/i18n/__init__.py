"""Labels of the UI in Kazakh, Russian and English, and dates and numbers per language.

English (`en.json`) is the reference: every key it has must exist in `kk.json` and
`ru.json` with the same placeholders (a test checks). `t()` reads the session's
language; pages never format dates or numbers themselves: `fmt_*` do, through Babel
(CLDR), in the reader's time zone (`local_zone`, from `ui.i18n.clock`).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from ui.i18n.clock import (
    ZONE_KEY,
    from_local,
    local_date,
    local_now,
    local_zone,
    to_local,
    zone_choices,
)

__all__ = ["ZONE_KEY", "from_local", "local_date", "local_now", "local_zone", "to_local",
           "zone_choices"]

HERE = Path(__file__).parent
LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

# The locale a browser is told to use for its own widgets (Streamlit's calendar): the UI
# language, Kazakhstan's conventions, weeks from Monday.
BROWSER_LOCALES = {"kk": "kk-KZ-u-fw-mon", "ru": "ru-KZ-u-fw-mon", "en": "en-KZ-u-fw-mon"}
# st.date_input's format per language (Streamlit offers Y/M/D orders with / - . only).
DATE_INPUT_FORMATS = {"kk": "DD.MM.YYYY", "ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    return json.loads((HERE / f"{language}.json").read_text(encoding="utf-8"))


def current_language() -> str:
    try:
        import streamlit as st

        language = st.session_state.get("language")
    except Exception:  # noqa: BLE001 - outside a Streamlit session
        language = None
    if language in LANGUAGES:
        return language
    from infrastructure.settings import settings

    return settings().language if settings().language in LANGUAGES else "en"


def translate(key: str, language: str, **values: object) -> str:
    language = language if language in LANGUAGES else "en"
    text = catalogue(language).get(key) or catalogue("en").get(key) or key
    return text.format(**values) if values else text


def t(key: str, **values: object) -> str:
    """The label `key` in the session's language, with `{placeholders}` filled in."""
    return translate(key, current_language(), **values)


def plural_category(n: float | int, language: str) -> str:
    """CLDR's plural category of `n` in `language` (Babel): one, few, many or other."""
    from babel import Locale

    return Locale.parse(language if language in LANGUAGES else "en").plural_form(abs(n))


def translate_n(key: str, n: float | int, language: str, **values: object) -> str:
    """A count in words: `key#one`, `key#few`, `key#many` or `key#other` by the language's
    plural rules ("1 конфликт", "2 конфликта", "5 конфликтов"), `{n}` formatted."""
    language = language if language in LANGUAGES else "en"
    form = plural_category(n, language)
    texts = catalogue(language)
    text = texts.get(f"{key}#{form}") or texts.get(f"{key}#other") \
        or catalogue("en").get(f"{key}#other") or key
    return text.format(n=fmt_number(n, language), **values)


def tn(key: str, n: float | int, **values: object) -> str:
    """`t()` for a count: the plural form the session's language needs for `n`."""
    return translate_n(key, n, current_language(), **values)


def has(key: str) -> bool:
    return key in catalogue("en")


def fmt_date(value: date | datetime, language: str | None = None, length: str = "long") -> str:
    """A day in the language's words (Babel): "8 марта 2026 г.", "2026 ж. 8 наурыз",
    "March 8, 2026"; a moment is first put in the reader's time zone."""
    from babel.dates import format_date

    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, length, locale=_babel(language))


def fmt_time(value: datetime, language: str | None = None) -> str:
    """The local hour and minute in the language's form ("20:12", "8:12 PM")."""
    from babel.dates import format_time

    return format_time(to_local(value), "short", locale=_babel(language))


def fmt_datetime(value: datetime, language: str | None = None, length: str = "long") -> str:
    """A moment in the reader's time zone, the day and the time joined as the language
    joins them ("8 марта 2026 г., 20:12")."""
    from babel.dates import get_datetime_format

    joined = get_datetime_format("medium", locale=_babel(language))
    return joined.format(fmt_time(value, language), fmt_date(value, language, length))


def fmt_number(value: float | int, language: str | None = None, digits: int = 0) -> str:
    """1,234.5 in English; 1 234,5 in Kazakh and Russian (CLDR's grouping, via Babel)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, pattern, locale=_babel(language))


def fmt_percent(value: float, language: str | None = None, digits: int = 0) -> str:
    """A share (0.125) as the language writes it: "12,5 %" in Russian, "12.5%" in English."""
    from babel import Locale
    from babel.numbers import format_percent

    locale = Locale.parse(_babel(language))
    pattern = locale.percent_formats[None].pattern  # "#,##0 %" in Russian, "#,##0%" in English
    if digits > 0:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return format_percent(value, pattern, locale=locale)


def fmt_duration(delta: timedelta, language: str | None = None) -> str:
    """A short span: '45 мин', '3 h', '2 күн', in the language's units (Babel)."""
    from babel.units import format_unit

    seconds = abs(int(delta.total_seconds()))
    if seconds < 3600:
        amount, unit = max(1, seconds // 60), "duration-minute"
    elif seconds < 86400 * 2:
        amount, unit = seconds // 3600, "duration-hour"
    else:
        amount, unit = seconds // 86400, "duration-day"
    return format_unit(amount, unit, length="short", locale=_babel(language))


def date_input_format(language: str | None = None) -> str:
    """The `format` for st.date_input in the session's language: DD.MM.YYYY in kk/ru."""
    return DATE_INPUT_FORMATS.get(language or current_language(), "YYYY-MM-DD")


def _babel(language: str | None) -> str:
    language = language or current_language()
    return language if language in LANGUAGES else "en"
