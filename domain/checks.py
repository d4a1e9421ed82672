"""Checks every form's fields share: text, moments, scales, choices, child codes; and the
plain values events store. Each check adds its problems (by code) to a `Problems`."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date, datetime, timezone
from enum import Enum
from typing import Any

from domain.errors import Problems

SHORT_TEXT = 200
TEXT = 2000
LONG_TEXT = 4000
CHILD_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")  # ISO 639 codes: kk, ru, ar, uz, …
SCHOOL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
SUBMISSION = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Nothing about these children happened before this: an earlier date is a typing slip, and
# dates far outside the calendar's range would stop whatever reads them.
FLOOR = datetime(1990, 1, 1, tzinfo=timezone.utc)


def text(p: Problems, name: str, value: str, *, required: bool, limit: int) -> None:
    if not isinstance(value, str):
        p.add(name, "text.not_text")
        return
    if required and not value.strip():
        p.add(name, "text.required")
    if len(value) > limit:
        p.add(name, "text.too_long", length=len(value), limit=limit)
    if CONTROL.search(value):
        p.add(name, "text.control_characters")
    if not encodable(value):
        p.add(name, "text.invalid_characters")


def encodable(value: str) -> bool:
    """False for text that cannot be stored (a lone surrogate half of a character)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def moment(p: Problems, name: str, value: datetime, now: datetime) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        p.add(name, "moment.missing")
    elif value.year < FLOOR.year or value < FLOOR:
        p.add(name, "moment.too_early", year=FLOOR.year)
    elif value > now:
        p.add(name, "moment.future")


def day(p: Problems, name: str, value: Any) -> bool:
    """A calendar date (not a moment); True when it is one."""
    if isinstance(value, datetime) or not isinstance(value, date):
        p.add(name, "day.missing")
        return False
    if value.year < FLOOR.year:
        p.add(name, "moment.too_early", year=FLOOR.year)
        return False
    return True


def flag(p: Problems, name: str, value: Any) -> None:
    if not isinstance(value, bool):
        p.add(name, "flag.format")


def languages(p: Problems, name: str, value: Any) -> None:
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= 6 or \
            not all(isinstance(v, str) and LANGUAGE.match(v) for v in value) or \
            len(set(value)) != len(value):
        p.add(name, "languages.none" if value in ((), []) else "languages.format")


def submission(p: Problems, name: str, value: Any) -> None:
    """A form's submission id: None (the application makes one) or a UUID in text."""
    if value is not None and not (isinstance(value, str) and SUBMISSION.match(value)):
        p.add(name, "submission.format")


def scale(p: Problems, name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        p.add(name, "scale.range", low=low, high=high)


def choice(p: Problems, name: str, value: Any, enum: type[Enum]) -> None:
    try:
        enum(value)
    except (ValueError, TypeError):
        allowed = ", ".join(e.value for e in enum)  # type: ignore[attr-defined]
        p.add(name, "choice.unknown", allowed=allowed)


def child_code(p: Problems, name: str, code: Any) -> None:
    if not isinstance(code, str) or not CHILD_CODE.match(code):
        p.add(name, "child_code.format")


def plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    return value
