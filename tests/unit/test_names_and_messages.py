"""Names and messages in the three languages: Kazakhstan's regions by code with their
official names; a name given in kk/ru/en read in the reader's language; every sentence
the domain says to staff (refusals, form problems, rule reasons, e-mails) in kk, ru and
en, and Russian counts in the right plural form."""

from __future__ import annotations

import re
import string

import pytest

from domain.messages import PROBLEMS, REFUSALS
from domain.regions import REGIONS, local_name, region_code, region_name
from domain.rules.loader import load_rules
from processes.mail_text import TEXT as MAIL
from ui.i18n import catalogue, translate, translate_n

WORD = re.compile(r"[\w@.-]+")
# Words a Kazakh or Russian sentence may keep in Latin letters: the product's name, codes,
# an example address, and what an import file must say literally (its column names and
# values, which are the same in every language).
KEPT = {"Köpir", "name@example.kz", "social_ties", "school_engagement", "emotional_state",
        "family_support", "better", "same", "worse", "initiator"}


def latin_words(text: str) -> set[str]:
    """Words of three Latin letters or more that are not a code (AST-0042, KZ-12345)."""
    words = {w.strip(".-:;,") for w in WORD.findall(text)}
    return {w for w in words if re.search(r"[A-Za-z]{3}", w) and w not in KEPT
            and not w.startswith("Köpir")
            and not re.fullmatch(r"[A-Z]{2,4}-\d+(:\w+)?", w)}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def codes() -> dict[str, str]:
    """Every message staff can read, by code, with its English text."""
    found = {f"problem.{c}": text for c, text in PROBLEMS.items()}
    found |= {f"error.{c}": text for c, text in REFUSALS.items()}
    return found


def test_regions_are_the_countrys_twenty_with_official_names_in_three_languages() -> None:
    # 17 regions and 3 cities of republican significance; names differ by language
    assert len(REGIONS) == 20
    assert {"astana", "almaty", "shymkent"} <= set(REGIONS)
    for kk, ru, en in REGIONS.values():
        assert kk and ru and en and not latin_words(kk + " " + ru)
    assert region_name("aktobe", "ru") == "Актюбинская область"
    assert region_name("east_kazakhstan", "kk") == "Шығыс Қазақстан облысы"


def test_a_region_named_in_words_before_the_vocabulary_reads_as_its_code() -> None:
    assert region_code("Astana") == "astana"
    assert region_code(" Алматы ") == "almaty"
    assert region_code("Oskemen") == "east_kazakhstan"  # a regional centre
    assert region_code("Region") == "Region"  # unknown: kept as it was given
    assert region_name("Region", "kk") == "Region"


def test_a_name_is_read_in_the_readers_language_then_a_near_one_then_as_registered() -> None:
    names = {"kk": "№ 3 мектеп", "en": "School No. 3"}
    assert local_name(names, "kk") == "№ 3 мектеп"
    assert local_name(names, "ru") == "№ 3 мектеп"  # a Russian reader reads Cyrillic next
    assert local_name(names, "en") == "School No. 3"
    assert local_name({}, "ru", "School", "S1") == "School"
    assert local_name(None, "ru", "", "S1") == "S1"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_message_a_staff_member_reads_is_translated_by_code(language: str) -> None:
    # each code has its own text in the language, with the English placeholders, and no
    # English left in it
    texts, english = catalogue(language), catalogue("en")
    untranslated = []
    for key, sentence in codes().items():
        text = texts.get(key, "")
        words = latin_words(text) - placeholders(text)
        if not text or text == english.get(key) or words or \
                placeholders(text) != placeholders(sentence):
            untranslated.append(key)
    assert untranslated == []


def test_rule_reasons_and_e_mails_are_in_three_languages() -> None:
    for rule in load_rules().rules:
        assert set(rule.reasons) >= {"kk", "ru", "en"}, rule.id
        for language in ("kk", "ru"):
            reason = rule.reasons[language]
            assert reason != rule.reasons["en"]
            assert placeholders(reason) == placeholders(rule.reasons["en"]), rule.id
    for language in ("kk", "ru"):
        assert set(MAIL[language]) == set(MAIL["en"])
        for key, text in MAIL[language].items():
            assert not latin_words(text) - placeholders(text), key


def test_russian_counts_take_the_plural_form_of_their_number() -> None:
    # the plural keys of the pages: all four forms in every language
    en = catalogue("en")
    counted = {k.split("#")[0] for k in en if "#" in k}
    assert counted
    for key in counted:
        for language in ("kk", "ru", "en"):
            forms = {f: catalogue(language).get(f"{key}#{f}") for f in
                     ("one", "few", "many", "other")}
            assert all(forms.values()), (language, key)
    for key in ("access.count", "events.count", "events.parked.all", "replay.stood.title",
                "count.entries"):
        values = {name: "x" for name in placeholders(en[f"{key}#other"]) - {"n"}}
        one, two, five = (translate_n(key, n, "ru", **values) for n in (1, 2, 5))
        assert len({one.replace("1", "#"), two.replace("2", "#"), five.replace("5", "#")}) == 3
    assert translate_n("events.count", 22, "ru").startswith("22 сохранённых события")
    assert translate_n("access.count", 1, "en") == "1 read, newest first."
    assert translate("error.unknown_child", "ru", child="KZ-12345").count("KZ-12345") == 1
