"""The chronology: order by when things happened, late entries, corrections, as-of replay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from domain.checks import TEXT
from domain.commands import Correction
from tests import forms
from tests.readers import Readers

KAZAKH = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
EMOJI = "😀🙂😢👍🏽🧒🏻👩‍👧🇰🇿❤️"
ALPHABET = KAZAKH + CYRILLIC + EMOJI + "abc XYZ 0123456789.,;:!?'\"<>&\n"


def test_entries_sort_by_when_they_happened_and_late_ones_are_flagged(world):
    app, queries = world.app, Readers(world.app, world.rt.view)
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    first = world.later(days=1)
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(first, description="On time"))
    # Recorded five days after it happened, and dated between the others.
    world.later(days=5)
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(
        first - timedelta(hours=3), description="Backdated"))
    world.project()
    rows = queries.staff.chronology(world.psychologist, "AST-0001")
    assert [r["fields"].get("description") for r in rows] == [None, "Backdated", "On time"]
    backdated = rows[1]
    assert backdated["late"] and backdated["delay_seconds"] == int(timedelta(days=5, hours=3)
                                                                  .total_seconds())
    assert not rows[2]["late"]


def test_the_record_as_it_stood_excludes_what_was_recorded_later(world):
    app, queries = world.app, Readers(world.app, world.rt.view)
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    entry = app.record_conflict(world.teacher, "AST-0001",
                                forms.conflict(world.later(days=1), description="First"))
    moment = world.later(hours=2)
    # Later: a backdated entry that happened before `moment`, and a correction of the first.
    world.later(days=2)
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(
        moment - timedelta(hours=1), description="Told later"))
    app.amend_entry(world.teacher, "AST-0001", Correction(entry, "more detail",
                                                          {"description": "First, amended"}))
    world.project()
    then = queries.staff.chronology(world.psychologist, "AST-0001", as_of=moment)
    now = queries.staff.chronology(world.psychologist, "AST-0001")
    assert [r["fields"].get("description") for r in then] == [None, "First"]
    assert then[1]["status"] == "recorded"
    assert [r["fields"].get("description") for r in now] == [
        None, "First, amended", "Told later", None]
    assert now[1]["original_fields"]["description"] == "First"
    # Replaying up to now gives exactly the read model.
    assert queries.staff.chronology(world.psychologist, "AST-0001",
                              as_of=world.clock.now()) == now


def test_fields_follow_the_readers_role(world):
    app, queries = world.app, Readers(world.app, world.rt.view)
    app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1),
                                                        returned_from="Syria"))
    app.record_counselling_session(world.psychologist, "AST-0001", forms.session(world.later(hours=1)))
    app.record_conflict(world.teacher, "AST-0001", forms.conflict(world.later(hours=1)))
    world.project()
    by_psych = queries.staff.chronology(world.psychologist, "AST-0001")
    assert by_psych[1]["confidential_notes"] == "Sleeps badly before tests."
    assert by_psych[0]["fields"]["returned_from"] == "Syria"
    by_supervisor = queries.staff.chronology(world.supervisor, "AST-0001")
    assert all("confidential_notes" not in r for r in by_supervisor)
    assert "returned_from" not in by_supervisor[0]["fields"]
    # A teacher sees only what they recorded themselves.
    by_teacher = queries.staff.chronology(world.teacher, "AST-0001")
    assert [r["kind"] for r in by_teacher] == ["ConflictRecorded"]
    with pytest.raises(Exception, match="No child with code AST-0001 is enrolled"):
        queries.staff.chronology(world.other_teacher, "AST-0001")


@hsettings(max_examples=25, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(description=st.text(alphabet=ALPHABET, min_size=1, max_size=TEXT).filter(str.strip),
       action=st.one_of(st.just(""), st.just("ә" * TEXT), st.text(alphabet=ALPHABET, max_size=60)))
def test_text_in_kazakh_russian_and_emoji_round_trips_exactly(sqlite_world, description, action):
    world = sqlite_world
    code = f"RT-{world.app.recorder.max_notification_id() or 0:05d}"
    world.app.enrol_child(world.psychologist, forms.enrolment(code, world.later(minutes=1)))
    entry = world.app.record_conflict(world.teacher, code, forms.conflict(
        world.later(minutes=1), description=description, action_taken=action))
    # From the store...
    stored = world.app.entry_fields(world.app.child(code), entry)
    assert (stored["description"], stored["action_taken"]) == (description, action)
    # ...and through the projection to what people read.
    world.project()
    [row] = [r for r in Readers(world.app, world.rt.view).staff.chronology(world.teacher, code)]
    assert (row["fields"]["description"], row["fields"]["action_taken"]) == (description, action)


def test_maximum_lengths_pass_and_one_more_character_is_refused(world):
    world.app.enrol_child(world.psychologist, forms.enrolment("AST-0001", world.later(hours=1)))
    longest = ("қ😀" * TEXT)[:TEXT]
    world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
        world.later(hours=1), description=longest))
    with pytest.raises(Exception, match="too long: 2001 characters"):
        world.app.record_conflict(world.teacher, "AST-0001", forms.conflict(
            world.later(hours=1), description=longest + "ү"))
    world.project()
    [row] = [r for r in Readers(world.app, world.rt.view).staff.chronology(world.teacher, "AST-0001")]
    assert row["fields"]["description"] == longest
