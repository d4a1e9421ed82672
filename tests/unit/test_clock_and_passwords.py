from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain import clock
from domain.passwords import hash_password, verify_password


def test_a_manual_clock_moves_only_forward():
    manual = clock.ManualClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    manual.advance(timedelta(hours=2))
    assert manual.now().hour == 2
    with pytest.raises(ValueError):
        manual.set(datetime(2025, 1, 1, tzinfo=timezone.utc))


def test_the_clock_in_use_is_scoped():
    manual = clock.ManualClock(datetime(2020, 5, 5, tzinfo=timezone.utc))
    with clock.using(manual):
        assert clock.now() == manual.now()
    assert clock.now().year >= 2026


def test_passwords_are_salted_and_verified():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and "correct horse" not in first
    assert verify_password("correct horse", first)
    assert not verify_password("wrong horse", first)
    assert not verify_password("correct horse", "garbage")
