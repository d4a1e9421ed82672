"""The stigma-safe language guard: finds labels in free text and suggests neutral wording.

The term lists live in `language_terms.toml` (Kazakh, Russian, English). Every list
is searched whatever the interface language, because staff often write in one
language while the screen is in another. The guard warns; it does not refuse: a
writer may need to quote what was said, and says so explicitly.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TERMS_FILE = Path(__file__).with_name("language_terms.toml")


@dataclass(frozen=True)
class Finding:
    """One label found in a text: where, which word as written, and what to write instead."""

    field: str
    found: str
    language: str
    neutral: str


@dataclass(frozen=True)
class Term:
    language: str
    pattern: re.Pattern[str]
    neutral: str


@dataclass(frozen=True)
class Guard:
    terms: tuple[Term, ...]
    advice: dict[str, str]

    def check(self, texts: dict[str, str]) -> list[Finding]:
        """Every label in the given texts (field name → text), in order of appearance."""
        findings = []
        for field, text in texts.items():
            hits = []
            for term in self.terms:
                for match in term.pattern.finditer(text or ""):
                    hits.append((match.start(), Finding(field, match.group(0), term.language,
                                                        term.neutral)))
            findings += [f for _, f in sorted(hits, key=lambda h: h[0])]
        return findings


def parse(text: str) -> Guard:
    data = tomllib.loads(text)
    terms = []
    advice = {}
    for language, section in data.items():
        advice[language] = section.get("advice", "")
        for entry in section.get("term", []):
            stems = [re.escape(s.strip()) for s in entry["stems"] if s.strip()]
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(stems) + r")\w*", re.IGNORECASE)
            terms.append(Term(language, pattern, entry["neutral"]))
    return Guard(tuple(terms), advice)


@lru_cache(maxsize=1)
def guard() -> Guard:
    return parse(TERMS_FILE.read_text(encoding="utf-8"))


def all_stems() -> list[str]:
    """Every stem in the term list (tests use these instead of writing the words out)."""
    data = tomllib.loads(TERMS_FILE.read_text(encoding="utf-8"))
    return [s for section in data.values() for entry in section.get("term", [])
            for s in entry["stems"]]
