"""Labels of the UI in Kazakh, Russian and English, and dates and numbers per language.

English (`en.json`) is the reference: every key it has must exist in `kk.json` and
`ru.json` with the same placeholders (a test checks). `t()` reads the session's
language; pages never format dates or numbers themselves.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"],
    "kk": ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
           "қыркүйек", "қазан", "қараша", "желтоқсан"],
}


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


def fmt_date(value: date | datetime, language: str | None = None) -> str:
    language = language or current_language()
    if isinstance(value, datetime):
        value = value.astimezone()
    month = MONTHS[language][value.month - 1]
    if language == "kk":
        return f"{value.year} ж. {value.day} {month}"
    return f"{value.day} {month} {value.year}"


def fmt_datetime(value: datetime, language: str | None = None) -> str:
    local = value.astimezone()
    return f"{fmt_date(local, language)}, {local:%H:%M}"


def fmt_number(value: float | int, language: str | None = None, digits: int = 0) -> str:
    """1,234.5 in English; 1 234,5 in Kazakh and Russian (narrow no-break space)."""
    language = language or current_language()
    text = f"{value:,.{digits}f}"
    if language in ("kk", "ru"):
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def fmt_duration(delta: timedelta, language: str | None = None) -> str:
    """A short span: '45 min', '3 h', '2 d' in the language's abbreviations."""
    language = language or current_language()
    seconds = abs(int(delta.total_seconds()))
    if seconds < 3600:
        return translate("unit.minutes", language, n=max(1, seconds // 60))
    if seconds < 86400 * 2:
        return translate("unit.hours", language, n=seconds // 3600)
    return translate("unit.days", language, n=seconds // 86400)
