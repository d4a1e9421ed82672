"""The fencing log notes which positions each lock holder wrote, for the checks of recent
take-overs; it does not grow for ever: taking a lock drops that lock's notes older than a
month (and keeps the other locks' and the recent ones)."""

from __future__ import annotations

import psycopg
import pytest

from infrastructure import fencing
from infrastructure.locks import AdvisoryLock
from infrastructure.settings import Settings

pytestmark = pytest.mark.backends("postgres")


def test_taking_a_lock_drops_its_fencing_notes_older_than_a_month(settings: Settings):
    conninfo = settings.events_url().replace("postgresql+psycopg://", "postgresql://")
    first = AdvisoryLock("projections", conninfo)
    assert first.try_acquire() and first.epoch == 1
    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute(f"INSERT INTO {fencing.FENCE_LOG} (name, epoch, first_position, "
                   "last_position, written_at) VALUES "
                   "('projections', 1, 1, 10, now() - interval '40 days'), "
                   "('projections', 1, 11, 20, now() - interval '2 days'), "
                   "('engine', 1, 1, 10, now() - interval '40 days')")
        first.release()
        second = AdvisoryLock("projections", conninfo)
        assert second.try_acquire() and second.epoch == 2
        kept = db.execute(f"SELECT name, first_position FROM {fencing.FENCE_LOG} "
                          "ORDER BY name, first_position").fetchall()
        second.release()
    assert kept == [("engine", 1), ("projections", 11)]
