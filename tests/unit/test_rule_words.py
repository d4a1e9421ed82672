"""Rules that mean what they say: words match whole words from their start, phrases word by
word, and a negated mention ("no injuries", "без травм", "жарақат жоқ") is no mention, in
kk, ru and en, with the negation cues the shipped rules file gives."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain.rules.loader import RuleFileError, load_rules, parse_rules
from domain.rules.words import mentions, unnegated
from tests.unit.test_rules_engine import History

RULES = load_rules()
WORDS = RULES.by_id("serious-incident").when.words
MONDAY = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)


def found(text: str) -> list[str]:
    return unnegated(text, WORDS, RULES.negation)


@pytest.mark.parametrize("text", [
    "Scuffle in the corridor; no injuries. Both pupils met the psychologist the same day.",
    "No one was injured.",
    "Nobody injured, the teacher separated them at once.",
    "He wasn't injured.",
    "Pushing at break, without injury.",
    "The pupil was uninjured.",  # a word boundary: "injur" starts words, not inside them
    "Толкались в коридоре, без травм.",
    "Травм нет, ребята помирились.",
    "Никаких травм не было.",
    "Дәлізде итерісу, жарақат жоқ.",
    "Үзілісте итерісті, жарақатсыз.",
    "Ешқандай жарақат болған жоқ.",
])
def test_a_negated_mention_is_no_mention(text):
    assert found(text) == [], mentions(text, WORDS, RULES.negation)


@pytest.mark.parametrize("text,words", [
    ("The boy was injured in the yard.", ["injured"]),
    ("Injuries to the hand; the nurse saw him.", ["injuries"]),
    ("No teacher was near; the boy was injured.", ["injured"]),  # another clause
    ("Not a fight, but an injury was seen by the nurse.", ["injury"]),  # after a contrast
    ("Он получил травму руки.", ["травму"]),
    ("Үзілісте жарақат алды.", ["жарақат"]),
    ("Self-harm was mentioned in the session.", ["self harm"]),
    ("Ол өзіне зиян келтіргенін айтты.", ["өзіне зиян"]),
    ("Violent pushing, an injury and another injury.", ["violent", "injury"]),
])
def test_an_unnegated_mention_is_found_as_written(text, words):
    assert found(text) == words


def test_a_minor_incident_with_no_injuries_raises_no_high_and_an_injury_does():
    history = History().at(MONDAY)
    history.incident(MONDAY, severity=2, text="Scuffle in the corridor; no injuries.")
    history.incident(MONDAY + timedelta(hours=1), severity=2, text="Травм нет.")
    assert history.raised("serious-incident") == []
    history.incident(MONDAY + timedelta(hours=2), severity=2,
                     text="Pushed on the stairs; his wrist was injured.")
    [high] = history.raised("serious-incident")
    assert high.level == "high" and high.values["matched"] == {"words": ["injured"]}
    # Severity alone still fires, and says so.
    history.incident(MONDAY + timedelta(hours=3), severity=5, text="A fight, no injuries.")
    assert history.raised("serious-incident")[-1].values["matched"] == {"severity": 5}


@pytest.mark.parametrize("old,new,message", [
    ('before_words = 3', 'before_words = 40', "before_words must be a whole number from 0"),
    ('endings = ["сыз", "сіз"]', 'endings = "сыз"', "endings must be a list"),
    ('contrasts = ["but",', 'contrasts = ["but not",', "contrasts must be a list"),
    ('after_words = 2', 'after_wordz = 2', "unknown negation setting 'after_wordz'"),
    ('title.en = "Serious incident"', 'title.en = ""', "title is a table"),
])
def test_a_bad_negation_table_or_title_is_refused_with_its_line(old, new, message):
    from domain.rules.loader import RULES_FILE

    text = RULES_FILE.read_text()
    assert old in text
    broken = text.replace(old, new, 1)
    with pytest.raises(RuleFileError, match=message) as refused:
        parse_rules(broken, source="rules.toml")
    line = int(str(refused.value).split(":", 2)[1])
    assert new.split(" =")[0].split(".")[0] in broken.splitlines()[line - 1]


def test_every_rule_has_a_human_name_in_each_language():
    for rule in RULES:
        for language in ("kk", "ru", "en"):
            assert rule.title(language) != rule.id, (rule.id, language)
