"""Local time and formats per language: a moment stored in UTC is shown on the reader's
clock (Asia/Almaty by default, a school's own zone, or the one a user picked); what a
user types on their clock is stored as UTC; dates, numbers and charts speak the
language through Babel (CLDR)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

import infrastructure.settings as config
from infrastructure.settings import Settings
from ui.charts import vega_locale, wall_time
from ui.i18n import (
    date_input_format,
    fmt_date,
    fmt_datetime,
    fmt_duration,
    fmt_number,
    fmt_percent,
    fmt_time,
    from_local,
    local_date,
    local_zone,
    to_local,
    zone_choices,
)

# 15:12 UTC on a March evening: 20:12 in Almaty (UTC+5 since 1 March 2024 in tzdata).
EVENING = datetime(2026, 3, 8, 15, 12, tzinfo=timezone.utc)


@pytest.fixture
def deployment(monkeypatch):
    """Settings as a deployment would have them, without touching the environment."""
    def configure(**values):
        chosen = Settings(database_url="memory://", **values)
        monkeypatch.setattr(config, "settings", lambda: chosen)
        return chosen
    configure()
    return configure


def test_a_utc_moment_is_shown_on_almaty_time_by_default(deployment):
    assert local_zone().key == "Asia/Almaty"
    local = to_local(EVENING)
    assert (local.hour, local.minute, local.utcoffset()) == (20, 12, timedelta(hours=5))
    assert fmt_time(EVENING, "ru") == "20:12"
    assert fmt_datetime(EVENING, "ru") == "8 марта 2026\u202fг., 20:12"
    # Late in the UTC day is already tomorrow in Almaty.
    assert local_date(datetime(2026, 3, 8, 21, 0, tzinfo=timezone.utc)) == date(2026, 3, 9)


def test_what_a_user_types_on_their_clock_is_stored_as_utc(deployment):
    # The form says 20:12 (the browser's wall clock, naive): that is 15:12 UTC.
    stored = from_local(datetime(2026, 3, 8, 20, 12))
    assert stored == EVENING and stored.tzinfo is timezone.utc
    # A day alone means its local midnight.
    assert from_local(date(2026, 3, 9)) == datetime(2026, 3, 8, 19, 0, tzinfo=timezone.utc)
    # And back again, unchanged.
    assert to_local(stored).replace(tzinfo=None) == datetime(2026, 3, 8, 20, 12)


def test_a_school_in_another_zone_and_a_users_choice_override_the_deployment(deployment):
    deployment(school_timezones="AKT-3=Asia/Aqtobe, AST-1=Asia/Almaty")
    tutor = SimpleNamespace(school_ids=frozenset({"AKT-3"}))
    assert local_zone(tutor).key == "Asia/Aqtobe"
    assert to_local(EVENING, tutor).hour == 20  # Aqtobe is UTC+5 too since 2024…
    deployment(timezone="Europe/Moscow", school_timezones="AKT-3=Asia/Aqtobe")
    assert local_zone(school_id="AST-1").key == "Europe/Moscow"  # …no override: the deployment's
    assert to_local(EVENING, SimpleNamespace(school_ids=frozenset({"AST-1"}))).hour == 18
    # A supervisor of several schools sees the deployment's zone.
    assert local_zone(SimpleNamespace(school_ids=frozenset({"AKT-3", "AST-1"}))).key \
        == "Europe/Moscow"
    assert zone_choices()[:2] == ("Europe/Moscow", "Asia/Aqtobe")


def test_an_unknown_time_zone_is_refused_in_one_sentence():
    with pytest.raises(ValidationError) as refused:
        Settings(database_url="memory://", timezone="Asia/Almaty-Ata")
    assert "unknown time zone 'Asia/Almaty-Ata'" in str(refused.value)
    with pytest.raises(ValidationError, match="is not school_id=Zone"):
        Settings(database_url="memory://", school_timezones="AKT-3 Asia/Aqtobe")
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Base'"):
        Settings(database_url="memory://", school_timezones="AKT-3=Mars/Base")


def test_dates_come_from_cldr_in_each_language(deployment):
    day = date(2026, 3, 8)
    assert fmt_date(day, "ru") == "8 марта 2026\u202fг."  # genitive: "8 марта", not "8 март"
    assert fmt_date(date(2026, 12, 1), "ru") == "1 декабря 2026\u202fг."
    assert fmt_date(day, "kk") == "2026\u202fж. 8 наурыз"
    assert fmt_date(date(2026, 9, 1), "kk") == "2026\u202fж. 1 қыркүйек"
    assert fmt_date(day, "en") == "March 8, 2026"
    assert fmt_datetime(EVENING, "en") == "March 8, 2026, 8:12\u202fPM"
    # A moment's day is the reader's day.
    assert fmt_date(datetime(2026, 3, 8, 20, 0, tzinfo=timezone.utc), "ru") == "9 марта 2026\u202fг."


def test_numbers_percentages_and_spans_come_from_cldr(deployment):
    # Russian and Kazakh group thousands with CLDR's no-break space and use a comma.
    assert fmt_number(1234567, "ru") == "1\u00a0234\u00a0567"
    assert fmt_number(1234567.25, "kk", 2) == "1\u00a0234\u00a0567,25"
    assert fmt_number(1234567.25, "en", 2) == "1,234,567.25"
    assert " " not in fmt_number(1234567, "ru")  # never a plain space a line could break at
    assert fmt_percent(0.125, "ru", 1) == "12,5\u00a0%"
    assert fmt_percent(0.125, "en", 1) == "12.5%"
    assert fmt_duration(timedelta(minutes=45), "ru") == "45 мин"
    assert fmt_duration(timedelta(days=3), "kk") == "3 күн"
    assert fmt_duration(timedelta(hours=5), "en") == "5 hr"


def test_date_pickers_use_the_languages_order():
    assert date_input_format("ru") == date_input_format("kk") == "DD.MM.YYYY"
    assert date_input_format("en") == "YYYY-MM-DD"


def test_charts_get_month_and_day_names_and_separators_from_cldr():
    ru, kk = vega_locale("ru"), vega_locale("kk")
    assert ru["time"]["months"][2] == "март" and ru["time"]["shortMonths"][0] == "янв."
    assert kk["time"]["months"][0].lower() == "қаңтар"
    assert ru["time"]["days"][0] == "воскресенье"  # d3 counts from Sunday
    assert ru["time"]["shortDays"][1] == "пн"
    assert (ru["number"]["decimal"], ru["number"]["thousands"]) == (",", "\u00a0")
    assert vega_locale("en")["time"]["shortMonths"][0] == "Jan"


def test_charts_draw_moments_at_the_readers_wall_time(deployment):
    # Drawn as UTC, so the browser's own zone cannot move an evening entry to another day.
    assert wall_time(datetime(2026, 3, 8, 20, 0, tzinfo=timezone.utc)) == "2026-03-09T01:00:00Z"
    assert wall_time(date(2026, 3, 8)) == "2026-03-08T00:00:00Z"
    assert wall_time("2026-03") == "2026-03-01T00:00:00Z"
    assert wall_time("school 3") == "school 3"
