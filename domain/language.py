"""The stigma-safe language guard: finds labels in free text and suggests neutral wording.

The terms live in `language_terms.toml` (Kazakh, Russian, English); this module only
applies them. Every list is searched whatever the interface language, because staff
often write in one language while the screen is in another; the advice and the neutral
wording come in the reader's language. Text is normalised first (`language_text`), so
"t3rr0rist", "t-e-r-r-o-r-i-s-t" and mixed Cyrillic/Latin letters are still found.

A term is one or more patterns of words: `radical*` is a word beginning, `isis` a whole
word, `the|a bomber*` a phrase, word by word. Context keeps ordinary school language
alone: `except` word forms ("radically"), and words just before (`unless_before`), just
after (`unless_after`) or near (`unless_near`, same clause) that make it another thing
("football fanatic", "Syrian history lesson", a fire or safety drill's name).
The guard warns; it does not refuse: a writer may need to quote what was said.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from domain.language_text import Word, collapse, normal_forms, words

TERMS_FILE = Path(__file__).with_name("language_terms.toml")
KAZAKH_LETTERS = frozenset("әғқңөұүһі")
KAZAKH_WORDS = frozenset({"деп", "оны", "ол", "мен", "бала", "баласы", "деді", "атады",
                          "атайды", "дейді", "айтты", "жазды"})
NEAR = 4  # words either side, within the clause, that `unless_near` looks at

Alternatives = tuple[tuple[str, bool], ...]  # (normal form, is a word beginning)
Pattern = tuple[Alternatives, ...]


@dataclass(frozen=True)
class Finding:
    """One label found in a text: where, the words as written (and their place in the
    text), the term list's language, and what to write instead in the reader's language."""

    field: str
    found: str
    language: str
    neutral: str
    start: int = 0
    end: int = 0
    kind: str = ""


@dataclass(frozen=True)
class Term:
    language: str
    kind: str
    patterns: tuple[Pattern, ...]
    exceptions: Alternatives = ()
    before: tuple[Pattern, ...] = ()
    after: tuple[Pattern, ...] = ()
    near: Alternatives = ()

    def matches(self, text: list[Word]) -> list[tuple[int, int, bool]]:
        """Every (first, last) word index where this term's words are, and whether their
        context makes them ordinary language (then they label nobody)."""
        found = []
        for i in range(len(text)):
            for pattern in self.patterns:
                end = _phrase(pattern, text, i)
                if end is not None:
                    found.append((i, end - 1, self._excused(text, i, end)))
                    break
        return found

    def _excused(self, text: list[Word], first: int, end: int) -> bool:
        if any(_word(self.exceptions, w, exact=True) for w in text[first:end]):
            return True
        if any(_phrase(p, text, first - len(p)) == first and not text[first].after_boundary
               for p in self.before if first - len(p) >= 0):
            return True
        if end < len(text) and not text[end].after_boundary and \
                any(_phrase(p, text, end) is not None for p in self.after):
            return True
        return any(_word(self.near, w) for w in _clause(text, first, end))


def _word(alternatives: Alternatives, word: Word, exact: bool = False) -> bool:
    for form in word.forms:
        for wanted, stem in alternatives:
            if word.spelled and not exact and wanted in form:
                return True
            if form == wanted or (stem and form.startswith(wanted)):
                return True
    return False


def _phrase(pattern: Pattern, text: list[Word], i: int) -> int | None:
    """The index after the phrase if it starts at word i, else None."""
    if i < 0 or i + len(pattern) > len(text):
        return None
    for k, alternatives in enumerate(pattern):
        if (k and text[i + k].after_boundary) or not _word(alternatives, text[i + k]):
            return None
    return i + len(pattern)


def _clause(text: list[Word], first: int, end: int) -> list[Word]:
    around = []
    i = first
    while i > 0 and first - i < NEAR and not text[i].after_boundary:
        i -= 1
        around.append(text[i])
    i = end
    while i < len(text) and i - end < NEAR and not text[i].after_boundary:
        around.append(text[i])
        i += 1
    return around


@dataclass(frozen=True)
class Guard:
    terms: tuple[Term, ...]
    advice: dict[str, str]
    neutral: dict[str, dict[str, str]]

    def check(self, texts: dict[str, str], language: str = "en") -> list[Finding]:
        """Every label in the given texts (field name → text), in order of appearance, with
        the neutral wording in `language` (the reader's), whatever the text's language."""
        findings = []
        for field, text in texts.items():
            parsed = words(text or "")
            written_in = language_of(text or "")  # where lists share a word, say whose
            matched = [(term, *m) for term in sorted(self.terms, key=lambda t: t.language
                                                     != written_in) for m in term.matches(parsed)]
            # Lists share words (Russian and Kazakh both say "радикал"): what one list's
            # context makes ordinary ("радикально улучшилось") is ordinary for all.
            ordinary = {first for _, first, _, excused in matched if excused}
            hits: dict[tuple[int, int], Finding] = {}
            for term, first, last, excused in matched:
                if excused or first in ordinary:
                    continue
                start, end = parsed[first].start, parsed[last].end
                if any(s <= start and end <= e for s, e in hits):
                    continue
                hits = {k: v for k, v in hits.items() if not (start <= k[0] and k[1] <= end)}
                hits[(start, end)] = Finding(field, text[start:end], term.language,
                                             self.wording(term.kind, language), start, end,
                                             term.kind)
            findings += [hits[k] for k in sorted(hits)]
        return findings

    def wording(self, kind: str, language: str) -> str:
        said = self.neutral.get(kind, {})
        return said.get(language) or said.get("en") or next(iter(said.values()), "")

    def advice_in(self, language: str) -> str:
        return self.advice.get(language) or self.advice.get("en", "")


def language_of(text: str) -> str:
    """A guess good enough to say which list a shared word came from: Kazakh letters or
    common Kazakh words make it Kazakh, other Cyrillic Russian, else English."""
    folded = text.casefold()
    if any(ch in KAZAKH_LETTERS for ch in folded) or \
            KAZAKH_WORDS.intersection(w.forms[0] for w in words(folded)):
        return "kk"
    return "ru" if any("\u0400" <= ch <= "\u04ff" for ch in text) else "en"


def _alternatives(text: str) -> Alternatives:
    return tuple((collapse(normal_forms(a.rstrip("*"))[0]), a.endswith("*"))
                 for a in text.split("|") if a.strip("* "))


def _pattern(text: str) -> Pattern:
    return tuple(_alternatives(token) for token in text.split())


def _legacy(data: dict[str, Any]) -> dict[str, Any]:
    """The first shape of the file ([<language>] advice, [[<language>.term]] stems and
    neutral), still read so that an older list keeps working."""
    converted: dict[str, Any] = {"advice": {}, "neutral": {}, "term": []}
    for language, section in data.items():
        converted["advice"][language] = section.get("advice", "")
        for n, entry in enumerate(section.get("term", [])):
            kind = f"{language}.{n}"
            converted["neutral"][kind] = {language: entry["neutral"]}
            converted["term"].append({"language": language, "kind": kind,
                                      "match": [f"{s.strip()}*" for s in entry["stems"]]})
    return converted


def parse(text: str) -> Guard:
    data = tomllib.loads(text)
    if "term" not in data:
        data = _legacy(data)
    terms = tuple(Term(
        language=entry["language"], kind=entry["kind"],
        patterns=tuple(_pattern(p) for p in entry["match"]),
        exceptions=tuple(a for e in entry.get("except", []) for a in _alternatives(e)),
        before=tuple(_pattern(p) for p in entry.get("unless_before", [])),
        after=tuple(_pattern(p) for p in entry.get("unless_after", [])),
        near=tuple(a for e in entry.get("unless_near", []) for a in _alternatives(e)),
    ) for entry in data["term"])
    return Guard(terms, dict(data.get("advice", {})), dict(data.get("neutral", {})))


@lru_cache(maxsize=1)
def guard() -> Guard:
    return parse(TERMS_FILE.read_text(encoding="utf-8"))


def all_stems() -> list[str]:
    """The one-word terms of the list, as words (tests use these instead of writing the
    words out); each is found on its own in any sentence."""
    data = tomllib.loads(TERMS_FILE.read_text(encoding="utf-8"))
    return [alternative.rstrip("*") for entry in data["term"] for p in entry["match"]
            if " " not in p for alternative in p.split("|")]
