"""Text as the language guard reads it: words, each normalised, each remembering where it
stands in what was written (so the form can show the words that matched).

A writer who wants a label past a screen, or types fast, writes it in other shapes:
"T3rr0r1st", "t-e-r-r-o-r-i-s-t", "I.S.I.S", a Latin "a" inside a Cyrillic word, or
"terrrorist". Normalising undoes these before matching: case, letters spelled out with
separators, digits and symbols for letters, Cyrillic/Latin look-alikes (a word goes to
the script most of its unambiguous letters are in), doubled letters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters spelled one by one with a separator between them: "t-e-r-r-o-r", "и.г.и.л".
SPELLED = re.compile(r"(?<![^\W_]|[@$])(?:[^\W_]|[@$])(?:(?:[^\w\n]|_){1,3}(?:[^\W_]|[@$])){2,}"
                     r"(?![^\W_]|[@$])")
# A word, with symbols that stand for letters inside it ("cla$$", "b!rd", "r@dical").
WORD = re.compile(r"[@$]?\w(?:\w|[@$!|](?=\w))*\$*")
# What ends a clause: a label's context never reaches across it.
BOUNDARY = re.compile(r"[.,;:!?()\[\]\n«»]|\s[-–—]\s")
INVISIBLE = {"Cf", "Mn", "Me"}

LOOKALIKE_LATIN = "aceopxykmthbi"
LOOKALIKE_CYRILLIC = "асеорхукмтнві"
TO_CYRILLIC = str.maketrans(LOOKALIKE_LATIN + "ё", LOOKALIKE_CYRILLIC + "е")
TO_LATIN = str.maketrans(LOOKALIKE_CYRILLIC + "ёјѕһԁ", LOOKALIKE_LATIN + "ejshd")
# Digits and symbols written for letters, per script; "1" and "|" are "i" or "l".
LEET_LATIN = str.maketrans("03457892@$!", "oeastbgzasi")
LEET_CYRILLIC = str.maketrans("0346@$!", "оечбасі")
AMBIGUOUS = ("1|", ("i", "l"), ("и", "і", "л"))


@dataclass(frozen=True)
class Word:
    """One word: its normal forms (more than one when a digit is ambiguous), where it
    stands in the original text, whether it was spelled out letter by letter, and whether
    a clause boundary stands between it and the word before."""

    forms: tuple[str, ...]
    start: int
    end: int
    spelled: bool
    after_boundary: bool


def collapse(text: str) -> str:
    """Doubled letters as one ("ваххабит" and "вахабит", "terrrorist" and "terorist")."""
    return re.sub(r"(.)\1+", r"\1", text)


def _script(word: str) -> str:
    cyrillic = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff" and ch not in LOOKALIKE_CYRILLIC)
    latin = sum(1 for ch in word if "a" <= ch <= "z" and ch not in LOOKALIKE_LATIN)
    if cyrillic > latin:
        return "cyrillic"
    if latin > cyrillic:
        return "latin"
    loose_c = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
    loose_l = sum(1 for ch in word if "a" <= ch <= "z")
    return "cyrillic" if loose_c > loose_l else "latin"


def normal_forms(raw: str) -> tuple[str, ...]:
    """The normal forms of one word as written."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", raw).casefold()
                   if unicodedata.category(ch) not in INVISIBLE)
    if not any(ch.isalpha() for ch in text):
        return (collapse(text),)
    if _script(text) == "cyrillic":
        text, leet, ambiguous = text.translate(TO_CYRILLIC), LEET_CYRILLIC, AMBIGUOUS[2]
    else:
        text, leet, ambiguous = text.translate(TO_LATIN), LEET_LATIN, AMBIGUOUS[1]
    text = text.translate(leet)
    if not any(ch in AMBIGUOUS[0] for ch in text):
        return (collapse(text),)
    forms = []
    for letter in ambiguous:
        form = collapse("".join(letter if ch in AMBIGUOUS[0] else ch for ch in text))
        if form not in forms:
            forms.append(form)
    return tuple(forms)


def words(text: str) -> list[Word]:
    """The words of a text, in order, normalised."""
    pieces: list[tuple[int, int, str, bool]] = []
    position = 0
    for run in SPELLED.finditer(text):
        pieces += _plain(text, position, run.start())
        letters = "".join(ch for ch in run.group(0) if ch.isalnum() or ch in "@$")
        spaced = not any(ch for ch in run.group(0) if not (ch.isalnum() or ch in "@$ \t"))
        if len(letters) >= (4 if spaced else 3) and any(ch.isalpha() for ch in letters):
            pieces.append((run.start(), run.end(), letters, True))
        else:
            pieces += _plain(text, run.start(), run.end())
        position = run.end()
    pieces += _plain(text, position, len(text))
    result = []
    last_end = 0
    for start, end, raw, spelled in pieces:
        boundary = bool(BOUNDARY.search(text[last_end:start])) if result else True
        result.append(Word(normal_forms(raw), start, end, spelled, boundary))
        last_end = end
    return result


def _plain(text: str, start: int, end: int) -> list[tuple[int, int, str, bool]]:
    return [(start + m.start(), start + m.end(), m.group(0), False)
            for m in WORD.finditer(text[start:end])]
