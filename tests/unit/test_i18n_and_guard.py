"""Every label exists in Kazakh, Russian and English; dates and numbers follow the
language; the language guard finds labels in any of the three languages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from domain.access import Role
from domain.language import parse
from domain.messages import PROBLEMS, REFUSALS
from domain.vocabulary import (
    Attendance,
    ConflictKind,
    FamilySituation,
    LabelAbout,
    Level,
    Outcome,
    ParticipantRole,
    PeerIncidentKind,
    SessionType,
)
from ui.i18n import LANGUAGES, catalogue, fmt_date, fmt_duration, fmt_number, translate
from ui.navigation import PAGES, SECTIONS
from ui.printable import KINDS

UI = Path(__file__).resolve().parents[2] / "ui"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
STATIC_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-zA-Z_]+)+)["']""")


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_english_key_is_translated_with_the_same_placeholders(language):
    # Counts ("key#one", "key#few", ...) have every plural form the language's CLDR rules
    # know (Babel), and each form has the same placeholders as the English sentence.
    english, other = catalogue("en"), catalogue(language)
    singular = {k for k in english if "#" not in k}
    assert {k for k in other if "#" not in k} == singular, {
        "missing": sorted(singular - set(other)), "extra": sorted(set(other) - singular)}
    for key, text in english.items():
        if "#" in key:
            continue
        assert other[key].strip(), key
        assert sorted(PLACEHOLDER.findall(other[key])) == sorted(PLACEHOLDER.findall(text)), key
    from babel import Locale

    forms = set(Locale.parse(language).plural_form.tags) | {"other"}
    counted = {k.split("#")[0] for k in english if "#" in k}
    for base in counted:
        have = {k.split("#")[1] for k in other if k.split("#")[0] == base and "#" in k}
        assert forms <= have, (base, sorted(forms - have))
        reference = sorted(PLACEHOLDER.findall(english[f"{base}#other"]))
        for form in have:
            assert sorted(PLACEHOLDER.findall(other[f"{base}#{form}"])) == reference, (base, form)


def test_every_domain_message_has_a_sentence_in_each_language():
    # Refusals and form problems travel as codes; every code the domain can send has a
    # sentence on screen in kk, ru and en, with the values its English sentence names.
    wanted = {f"problem.{code}": text for code, text in PROBLEMS.items()}
    wanted |= {f"error.{code}": text for code, text in REFUSALS.items()}
    for language in LANGUAGES:
        texts = catalogue(language)
        missing = sorted(key for key in wanted if not texts.get(key, "").strip())
        assert missing == [], (language, missing)
        for key, english in wanted.items():
            assert sorted(PLACEHOLDER.findall(texts[key])) == \
                sorted(PLACEHOLDER.findall(english)), (language, key)
    # No English sentence is used as a key any more.
    assert not [k for k in catalogue("en") if k.startswith(("problem.", "error."))
                and " " in k]


def test_a_refusal_and_a_problem_are_said_in_the_readers_language():
    from domain.errors import FieldProblem, UnknownChild

    refusal = UnknownChild(child="KZ-7K2M9")
    assert str(refusal) == "No child with code KZ-7K2M9 is enrolled in Köpir."
    assert translate(f"error.{refusal.code}", "ru", **refusal.params) == \
        "В Köpir нет ребёнка с кодом KZ-7K2M9."
    problem = FieldProblem("severity", "scale.range", {"low": 1, "high": 5})
    assert problem.message == "must be a whole number from 1 to 5."
    assert translate(f"problem.{problem.code}", "kk", **problem.params) == \
        "1 мен 5 аралығындағы бүтін сан болуы керек."


def test_every_key_the_pages_use_exists():
    english = catalogue("en")
    used = {m for path in UI.rglob("*.py") for m in STATIC_KEY.findall(path.read_text())}
    assert used, "the pattern found no keys: it is broken"
    assert sorted(k for k in used if k not in english) == []


@pytest.mark.parametrize("group,values", [
    ("conflict_kind", ConflictKind), ("peer_kind", PeerIncidentKind), ("label_about", LabelAbout),
    ("participant_role", ParticipantRole), ("session_type", SessionType),
    ("attendance", Attendance), ("family", FamilySituation), ("level", Level),
    ("outcome", Outcome),
])
def test_every_choice_has_a_label(group, values):
    for value in values:
        assert f"choice.{group}.{value.value}" in catalogue("en")


def test_roles_pages_sections_and_event_kinds_have_labels():
    english = catalogue("en")
    keys = [f"role.{r.value}" for r in Role] + [f"nav.{p}" for p in PAGES]
    keys += [s for sections in SECTIONS.values() for s in sections]
    keys += [f"kind.{k}" for k in KINDS]
    keys += [f"status.{s}" for s in ("open", "acknowledged", "assigned", "resolved")]
    keys += [f"history.{s}" for s in ("raised", "acknowledged", "assigned", "resolved")]
    keys += [f"access.purpose.{p}" for p in ("chronology", "replay", "events", "export")]
    assert [k for k in keys if k not in english] == []


def test_dates_and_numbers_follow_the_language():
    moment = datetime(2026, 3, 8, 9, 30, tzinfo=timezone.utc)
    # CLDR's long dates and its grouping (a no-break space in ru and kk), through Babel.
    assert fmt_date(moment.date(), "en") == "March 8, 2026"
    assert fmt_date(moment.date(), "ru") == "8 марта 2026\u202fг."
    assert fmt_date(moment.date(), "kk") == "2026\u202fж. 8 наурыз"
    assert fmt_number(1234567.5, "en", 1) == "1,234,567.5"
    assert fmt_number(1234567.5, "ru", 1) == "1\u00a0234\u00a0567,5"
    assert fmt_duration(timedelta(hours=5), "en") == "5 hr"
    assert fmt_duration(timedelta(hours=5), "ru") != "5 h"


def test_a_missing_translation_falls_back_to_english_not_to_nothing():
    assert translate("login.submit", "xx") == "Sign in"


def test_a_term_list_is_configurable():
    custom = parse('[en]\nadvice = "x"\n[[en.term]]\nstems = ["gloomy"]\nneutral = "sad"\n')
    [finding] = custom.check({"summary": "A gloomy-looking day"})
    assert (finding.found, finding.neutral) == ("gloomy", "sad")


def test_counts_take_the_plural_form_of_the_language():
    # Russian has three forms for counts ("1 запись", "2 записи", "5 записей"); CLDR's
    # rules through Babel choose, never a hand-written "if n == 1".
    from ui.i18n import translate_n

    said = [translate_n("count.entries", n, "ru") for n in (1, 2, 5, 21, 1234)]
    assert said == ["1 запись", "2 записи", "5 записей", "21 запись", "1\u00a0234 записи"]  # CLDR's group
    assert [translate_n("count.entries", n, "en") for n in (1, 2)] == ["1 entry", "2 entries"]
