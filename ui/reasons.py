"""An escalation's reason in the reader's language.

The engine stores the reason in English, filled in from its rule's template. The
values are read back by matching that template, then the rule's template in the
reader's language is filled with them (enum values through the UI's labels). When
the rule is gone or the text does not match, the stored English is shown."""

from __future__ import annotations

import re
import string
from functools import lru_cache

from domain.rules.loader import load_rules
from ui.i18n import has, translate


@lru_cache(maxsize=1)
def _rules() -> dict[str, dict[str, str]]:
    return {rule.id: rule.reasons for rule in load_rules().rules}


@lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name:
            parts.append(f"(?P<{name}>.+?)")
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def localised(rule_id: str, stored: str, language: str) -> str:
    reasons = _rules().get(rule_id)
    if not reasons or language == "en" or language not in reasons:
        return stored
    match = _pattern(reasons["en"]).match(stored)
    if match is None:
        return stored
    values = {}
    for name, value in match.groupdict().items():
        label = f"choice.{name}.{value}"
        values[name] = translate(label, language) if has(label) else value
    try:
        return reasons[language].format(**values)
    except (KeyError, IndexError, ValueError):
        return stored
