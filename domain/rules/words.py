"""Words in a text as a rule means them: whole words from their start, so a stem finds its
forms ("injur" finds "injured" and "injuries", not "uninjured"), phrases word by word
("self-harm", "өзіне зиян"), and a negated mention is no mention ("no injuries",
"без травм", "жарақат жоқ", "жарақатсыз"). What negates is data, in the rules file's
[negation] table, per language; this module only applies it."""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"\w+")
CLAUSE_END = re.compile(r"[.;!?\n\x1f]+")  # \x1f: between an entry's description and action
CONTRACTED_NOT = re.compile(r"n[’']t\b")  # "wasn't" → "was not"


@dataclass(frozen=True)
class Negation:
    """Cues that undo a mention within its clause: a word up to `before_words` words before
    it ("no", "без"), a word up to `after_words` words after it ("жоқ", "нет"), an ending
    on the word itself (Kazakh "-сыз", without); a clause also ends at a contrast ("but")."""

    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    endings: tuple[str, ...] = ()
    contrasts: frozenset[str] = frozenset()
    before_words: int = 3
    after_words: int = 2


@dataclass(frozen=True)
class Mention:
    word: str  # as the rule writes it
    found: str  # as the text has it
    negated: bool


def _clauses(text: str, negation: Negation) -> list[list[str]]:
    clauses = []
    for part in CLAUSE_END.split(CONTRACTED_NOT.sub(" not", text.casefold())):
        clause: list[str] = []
        for token in WORD.findall(part):
            if token in negation.contrasts:
                if clause:
                    clauses.append(clause)
                clause = []
            else:
                clause.append(token)
        if clause:
            clauses.append(clause)
    return clauses


def _stems(word: str) -> list[str]:
    return WORD.findall(word.casefold())


def mentions(text: str, words: tuple[str, ...], negation: Negation) -> list[Mention]:
    """Every mention of the rule's `words` in `text`, in order, each marked negated or not."""
    found: list[Mention] = []
    stems = [(word, _stems(word)) for word in words]
    for clause in _clauses(text, negation):
        for i in range(len(clause)):
            for word, parts in stems:
                if not parts or i + len(parts) > len(clause):
                    continue
                if all(clause[i + k].startswith(p) for k, p in enumerate(parts)):
                    last = i + len(parts) - 1
                    found.append(Mention(word, " ".join(clause[i:last + 1]),
                                         _negated(clause, i, last, parts[-1], negation)))
                    break  # one mention per place in the text
    return found


def _negated(clause: list[str], first: int, last: int, stem: str, negation: Negation) -> bool:
    before = clause[max(0, first - negation.before_words):first]
    after = clause[last + 1:last + 1 + negation.after_words]
    ending = clause[last][len(stem):]
    return (any(t in negation.before for t in before)
            or any(t in negation.after for t in after)
            or any(e in ending for e in negation.endings))


def unnegated(text: str, words: tuple[str, ...], negation: Negation) -> list[str]:
    """The words of the text that a rule's `words` find and nothing negates, each once."""
    seen: list[str] = []
    for mention in mentions(text, words, negation):
        if not mention.negated and mention.found not in seen:
            seen.append(mention.found)
    return seen
