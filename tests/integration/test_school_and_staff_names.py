"""A school is registered with its name in Kazakh, Russian and English and a region from
the country's list; an account with the person's name in the three languages. The read
models keep them; schools and accounts registered with one name, before names had
languages, still load."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.application import SYSTEM
from domain.errors import InvalidEntry
from domain.model import School, StaffAccount, school_uuid
from domain.regions import local_name

NAMES = {"kk": "Ақтөбе қаласының № 3 мектебі", "ru": "Школа № 3 города Актобе",
         "en": "Aktobe school No. 3"}
PERSON = {"kk": "Қайрат Мұқанов", "ru": "Кайрат Муканов", "en": "Kairat Mukanov"}


def test_a_school_and_a_person_are_named_in_three_languages(sqlite_world) -> None:
    w = sqlite_world
    # The administrator registers a school by its names and its region's Russian name.
    w.app.register_school(SYSTEM, "AKT-03", NAMES["en"], "Актюбинская область", names=NAMES)
    w.app.register_account(SYSTEM, "psych.akt-03", PERSON["en"], "psychologist", ["AKT-03"],
                           "a-long-password", display_names=PERSON)
    w.project()
    [school] = [s for s in w.rt.staff().schools(w.admin) if s["school_id"] == "AKT-03"]
    assert school["names"] == NAMES and school["region"] == "aktobe"
    [person] = [p for p in w.rt.admin().accounts(w.admin) if p["user_id"] == "psych.akt-03"]
    assert person["display_names"] == PERSON
    assert local_name(person["display_names"], "ru") == "Кайрат Муканов"
    # The one who signs in carries the names too (the sidebar greets them in the UI's
    # language).
    actor = w.app.log_in("psych.akt-03", "a-long-password")
    assert dict(actor.display_names)["kk"] == "Қайрат Мұқанов"
    # Schools of the old kind: one name, the region in words; read as a code.
    [old] = [s for s in w.rt.staff().schools(w.admin) if s["school_id"] == "S1"]
    assert old["names"] == {} and old["region"] == "astana" and old["name"] == "School One"


def test_names_in_an_unknown_language_are_refused(sqlite_world) -> None:
    with pytest.raises(InvalidEntry) as refused:
        sqlite_world.app.register_school(SYSTEM, "S7", "Seven", "astana", names={"de": "Sieben"})
    assert [p.field for p in refused.value.problems] == ["names"]


@pytest.mark.parametrize("kind", ["school", "account"])
def test_an_event_recorded_before_names_had_languages_still_loads(sqlite_world, kind) -> None:
    w = sqlite_world
    mapper = w.app.mapper
    if kind == "school":
        event = next(iter(w.app.events.get(school_uuid("S1"))))
        assert isinstance(event, School.SchoolRegistered)
        dropped = "names"
    else:
        w.app.register_account(SYSTEM, "old.one", "Old One", "teacher", ["S1"], "a-long-password")
        event = next(e for e in w.app.events.get(w.app.account("old.one").id))
        assert isinstance(event, StaffAccount.AccountRegistered)
        dropped = "display_names"
    stored = mapper.to_stored_event(event)
    # As an earlier release stored it: no names, no class version.
    state = mapper.transcoder.decode(stored.state)
    del state[dropped], state["class_version"]
    old = replace(stored, state=mapper.transcoder.encode(state))
    loaded = mapper.to_domain_event(old)
    assert getattr(loaded, dropped) == {}
