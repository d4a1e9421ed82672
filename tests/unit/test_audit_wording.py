"""The audit pages in words: medians that count what is still waiting, counts in the
right plural, events as sentences without JSON or identifiers, fields by name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from projections.queries.timing import Median, censored_median
from ui.auditor.event_text import UUID, Wording, fields_in_words, fingerprint, ledger_sentences
from ui.i18n import fmt_number, translate_n

H = 3600.0


# --- the median time to acknowledge -------------------------------------------------------
def test_a_median_of_only_the_acknowledged_would_hide_the_ones_left_waiting():
    # 40 concerns acknowledged within the hour, 81 nobody has looked at for two days: the
    # old median (0.46 h) came from the 40 alone. Most are still waiting, so the median
    # is only known to be over two days.
    done = [0.46 * H] * 40
    waiting = [50 * H] * 81
    assert censored_median(done, []).hours == 0.46  # what the old page showed
    median = censored_median(done, waiting)
    assert median == Median(50.0, at_least=True)


def test_an_item_opened_a_minute_ago_does_not_make_the_median_unknown():
    # Five acknowledged after 1..5 hours; one opened a minute ago. It may be fast or slow,
    # but it does not hold the median back: 3 h, as with the five alone.
    done = [h * H for h in (1, 2, 3, 4, 5)]
    assert censored_median(done, [60.0]) == Median(3.0)


def test_waiting_items_push_the_median_up():
    # Two done after 1 h and 2 h, two waiting for 10 h already: the median is past 2 h.
    median = censored_median([1 * H, 2 * H], [10 * H, 10 * H])
    assert median.at_least and median.hours is not None and median.hours >= 2
    assert censored_median([], []) == Median(None)
    assert censored_median([], [5 * H]) == Median(5.0, at_least=True)
    # Without anything waiting, the plain median (as before).
    assert censored_median([1 * H, 2 * H], []) == Median(1.5)


# --- counts in words ------------------------------------------------------------------------
@pytest.mark.parametrize("language,n,text", [
    ("en", 1, "1 signed checkpoint."), ("en", 2, "2 signed checkpoints."),
    ("ru", 1, "1 подписанная контрольная точка"), ("ru", 3, "3 подписанные контрольные точки"),
    ("ru", 5, "5 подписанных контрольных точек"), ("ru", 21, "21 подписанная"),
    ("kk", 1, "1 қол қойылған бақылау нүктесі"), ("kk", 7, "7 қол қойылған бақылау нүктесі")])
def test_checkpoints_are_counted_in_the_right_plural(language, n, text):
    assert text in translate_n("events.ledger.checkpoints", n, language)


@dataclass
class Verdict:
    ok: bool = True
    events: int = 9290
    checkpoints: int = 1
    covered: int = 9219
    problems: list[str] = field(default_factory=list)
    key_ids: list[str] = field(default_factory=lambda: ["3f2a9c1b77e0d4aa"])


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_verified_log_explains_the_events_after_the_last_checkpoint(language):
    said = " ".join(ledger_sentences(Verdict(), 1000, 60, language))
    assert "3F2A 9C1B" in said and "3f2a9c1b77e0d4aa" not in said  # a fingerprint, no raw id
    assert "checkpoints" not in said or language != "en"
    assert fmt_number(71, language) in said and fmt_number(1000, language) in said
    if language == "en":
        assert "1 signed checkpoint." in said
        assert "9,219 of 9,290 events are covered by a checkpoint." in said
        assert "The remaining 71 events were recorded after the last checkpoint" in said
        assert "checked against the hash chain" in said
    # All covered: nothing to explain.
    everything = Verdict(covered=9290, checkpoints=3)
    assert len(ledger_sentences(everything, 1000, 60, language)) == 4


# --- events and access entries in words -----------------------------------------------------
FIRST = "0d6f0d43-59a5-4d5e-9a7a-3c8f1d1e0b11"
GOAL = "0839d547-89a1-4df8-b711-c39f55c7a761"
WHEN = datetime(2026, 3, 12, 9, 30, tzinfo=timezone.utc)


def event(type_: str, **fields: object) -> dict:  # type: ignore[type-arg]
    return {"type": type_, "occurred_at": WHEN, "fields": fields}


LOG = [
    event("ConflictRecorded", entry_id=FIRST, incident_id="aa89fc8a-d82d-4dde-8818-65206afad415",
          kind="physical", severity=4, child_role="target", staff_involved=False,
          participants=[{"child_code": "KZ-T5RV5", "role": "initiator"}],
          description="Pushed at the break.", follow_up_on="2026-03-20"),
    event("GoalAdded", goal_id=GOAL, area="social_ties", target="Two friends in class."),
    event("MeasureAdded", measure_id="7e8b4965-3269-45e1-9a75-df78dcd80811",
          measure_type="counselling", responsible="psych.ast-12", starts_on="2026-03-14"),
    event("PlanReviewed", review_id="c109141b-b533-43d2-a1b9-4b9e93c8c9cf",
          outcomes={GOAL: "better"}, evidence={"sessions": 1, "first": {"social_ties": 2}}),
    event("EntryAmended", entry_id="fb0b5126-6933-4cb2-8ee6-ece13bbb42c8", amends=FIRST,
          changes={"severity": 3}, reason="Talked with the pupils."),
    event("EntryRetracted", entry_id="36dba0b8-9007-426f-af3d-10b18130f54a",
          retracts="013cd433-d874-4fcc-8f1d-960643d1a951", reason="Wrong child."),
]


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_an_event_reads_as_a_sentence_without_json_or_identifiers(language):
    wording = Wording(LOG, {"psych.ast-12": "Aigerim Sadykova"}, language)
    texts = [wording.summary(e) for e in LOG]
    for text in texts:
        assert text and not UUID.search(text), text
        assert not set('{}[]"') & set(text), text
    conflict, _, measure, review, amended, retracted = texts
    assert "KZ-T5RV5" in conflict and "Pushed at the break." in conflict
    assert "Aigerim Sadykova" in measure and "psych.ast-12" not in measure
    if language == "en":
        assert conflict.startswith("Kind: physical; Severity: 4; This child's role: target")
        assert "Other children: KZ-T5RV5 (initiator)" in conflict
        assert "Social ties — Better" in review
        assert "Corrects: entry of" in amended and "12" in amended
        assert re.search(r"Withdraws: ref\. [0-9a-f]{6};", retracted)  # not in this log


def test_the_fields_of_an_access_entry_are_named_in_words():
    assert fields_in_words(["occurred_at", "kind", "severity", "recorded_by"], "en") == \
        "When it happened, Kind, Severity, Recorded by"
    russian = fields_in_words(["confidential_notes", "wellbeing", "code"], "ru")
    assert "_" not in russian and re.search("[а-я]", russian)
    assert fingerprint("3f2a9c1b77e0d4aa") == "3F2A 9C1B"


def test_every_field_a_plan_read_logs_has_a_name_in_words():
    # The plan's read logs the plan's own parts ("steps", "consents", "owner_name", ...);
    # the access log names each in words, in every language.
    from projections.plan_view import empty as empty_plan
    from ui.auditor.event_text import label

    logged = [*empty_plan(), "owner_name", "owner_names", "wellbeing_trend", "concerns",
              "concern_decisions", "names",
              # a concern's decisions in the timeline
              "concern_id", "note", "assignee", "outcome", "until", "level"]
    for language in ("en", "ru", "kk"):
        raw = [name for name in logged if label(name, language) == name]
        assert raw == [], (language, raw)
