"""What a rules file may hold: each setting's type and range, the placeholders each kind of
condition fills in its reason, and the size of the file. A rule that passes these checks
can be evaluated over any history without crashing, hanging or filling memory."""

from __future__ import annotations

import re
import string
from typing import Any

MAX_FILE = 64 * 1024  # characters; the shipped file is about 6,000
MAX_KEY_DOTS = 3  # `reason.en = ...` has one; a longer chain is not a rules file
MAX_REASON = 500
LISTS = {"events": 20, "kinds": 20, "words": 200, "indicators": 4, "after": 20,
         "after_kinds": 20, "expect": 20, "expect_attendance": 3}
NUMBERS = {"min_severity": (1, 5), "days": (0, 366), "threshold": (0, 1000),
           "threshold_from_12": (0, 1000), "by": (0, 4), "count": (0, 100),
           "task_days": (0, 366)}
FLAGS = ("negative_only", "school_days")
ATTENDANCE = ("", "attended", "missed", "cancelled")
# What each kind of condition knows when it fires, for the reason's {placeholders}.
PLACEHOLDERS = {"event": {"severity", "label_about"}, "window": {"count", "days"},
                "drop": {"indicator", "before", "after"}, "absence": {"days"},
                "consecutive": {"count"}, "unacknowledged": {"escalation"}}
DOTTED_KEY = re.compile(r"^\s*((?:[\w-]+|\"[^\"]*\")(?:\s*\.\s*(?:[\w-]+|\"[^\"]*\"))*)\s*=")


def file_problem(text: str) -> tuple[int, str] | None:
    """(line, reason) when the text is not a plausible rules file, before it is parsed."""
    if len(text) > MAX_FILE:
        return 1, f"a rules file holds at most {MAX_FILE:,} characters; this one {len(text):,}"
    for number, line in enumerate(text.splitlines(), 1):
        key = DOTTED_KEY.match(line)
        if key and key.group(1).count(".") > MAX_KEY_DOTS:
            return number, f"keys nest at most {MAX_KEY_DOTS + 1} levels deep"
    return None


def setting_problem(name: str, value: Any) -> str | None:
    """Why a condition's setting cannot be used, or None."""
    if name in LISTS:
        if not isinstance(value, list) or len(value) > LISTS[name] or not all(
                isinstance(v, str) and 0 < len(v) <= 64 for v in value):
            return f"{name} must be a list of at most {LISTS[name]} short texts"
    elif name in NUMBERS:
        low, high = NUMBERS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"{name} must be a whole number from {low} to {high}"
    elif name in FLAGS:
        if not isinstance(value, bool):
            return f"{name} must be true or false"
    elif name == "attendance" and value not in ATTENDANCE:
        return f"attendance must be one of {', '.join(a for a in ATTENDANCE if a)}"
    return None


def reason_problem(template: Any, kind: str) -> str | None:
    """Why a reason template cannot be filled safely, or None: only the placeholders its
    kind of condition knows, by name, without format specifications."""
    if not isinstance(template, str) or not 0 < len(template) <= MAX_REASON:
        return f"a reason is a text of at most {MAX_REASON} characters"
    allowed = PLACEHOLDERS[kind]
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        return f"a reason's braces do not match ({error})"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            names = ", ".join("{" + a + "}" for a in sorted(allowed))
            return f"a {kind} rule's reason may use {names}, not {{{name}}}"
        if spec or conversion:
            return f"write {{{name}}} without a format (no ':' or '!')"
    return None


NEGATION_LISTS = ("before", "after", "endings", "contrasts")
NEGATION_WINDOW = (0, 6)


def negation_problem(raw: Any) -> tuple[str, str] | None:
    """(key, reason) when the [negation] table cannot be used, or None."""
    if not isinstance(raw, dict):
        return "negation", "[negation] is a table"
    for name, value in raw.items():
        if name in NEGATION_LISTS:
            if not isinstance(value, list) or len(value) > 200 or not all(
                    isinstance(v, str) and 0 < len(v) <= 32 and v.strip() == v and " " not in v
                    for v in value):
                return name, f"negation {name} must be a list of at most 200 single words"
        elif name in ("before_words", "after_words"):
            low, high = NEGATION_WINDOW
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                return name, f"negation {name} must be a whole number from {low} to {high}"
        else:
            return name, f"unknown negation setting {name!r}"
    return None
