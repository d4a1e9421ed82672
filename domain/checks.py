"""Checks every form's fields share: text, moments, scales, choices, child codes; and the
plain values events store. Each check adds its problems (by code) to a `Problems`."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date, datetime
from enum import Enum
from typing import Any

from domain.errors import Problems

SHORT_TEXT = 200
TEXT = 2000
LONG_TEXT = 4000
CHILD_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def moment(p: Problems, name: str, value: datetime, now: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        p.add(name, "moment.missing")
    elif value > now:
        p.add(name, "moment.future")


def scale(p: Problems, name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        p.add(name, "scale.range", low=low, high=high)


def choice(p: Problems, name: str, value: Any, enum: type[Enum]) -> None:
    try:
        enum(value)
    except ValueError:
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
