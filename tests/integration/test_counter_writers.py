"""Two read-model writers (two Kafka consumers, each with its own partitions) add to the
same school's counters at the same time. Seen under broker restarts: one of them died
of a deadlock, and a counter new to both would have been inserted twice.

PostgreSQL only: a SQLite file has one writer at a time."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, select, text

from consumers.parking import _conflict
from infrastructure.settings import Settings
from projections import counters
from projections.tables import concern_counts, school_counts
from projections.views import ReadModelView

pytestmark = pytest.mark.backends("postgres")


def together(view: ReadModelView, first: int, second: int) -> list[Exception]:
    """Two writers add to the same school's counters: the second starts after the first
    wrote its rows and before it committed them."""
    first_wrote, errors = threading.Event(), []

    def later() -> None:
        first_wrote.wait(10)
        try:  # its insert waits for the first writer's commit, then adds to its row
            with view.unit_of_work() as uow:
                counters.child(uow, "S-1", "open", second)
                counters.concern(uow, ("S-1", "high", "open"), second)
        except Exception as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)

    worker = threading.Thread(target=later)
    worker.start()
    with view.unit_of_work() as uow:
        counters.concern(uow, ("S-1", "high", "open"), first)
        counters.child(uow, "S-1", "open", first)
        counters.flush(uow)  # written, not committed: the second writer cannot see it
        first_wrote.set()
        worker.join(1.0)
        assert worker.is_alive(), "the second writer did not wait for the first"
    worker.join(10)
    return errors


def test_two_writers_adding_to_a_counter_new_to_both_add_up(settings: Settings):
    view = ReadModelView.from_url(settings.read_models_url())
    assert together(view, 2, 1) == []
    with view.engine.connect() as connection:
        assert connection.execute(select(school_counts.c.children)).scalars().all() == [3]
        assert connection.execute(select(concern_counts.c.n)).scalars().all() == [3]
    view.engine.dispose()  # its pool's connections go now, not when collected


def test_a_counter_two_writers_bring_to_zero_leaves_no_row(settings: Settings):
    # (A writer that has not seen another's +1 yet holds -1 for it: the sum is zero.)
    view = ReadModelView.from_url(settings.read_models_url())
    assert together(view, 1, -1) == []
    with view.engine.connect() as connection:
        assert connection.execute(select(school_counts)).all() == []
        assert connection.execute(select(concern_counts)).all() == []
    view.engine.dispose()


def test_a_deadlock_is_recognised_as_a_conflict_to_run_again(settings: Settings):
    # A real deadlock between two connections: each holds a row the other wants.
    engine = create_engine(settings.read_models_url())
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE locks_demo (id int primary key)"))
        connection.execute(text("INSERT INTO locks_demo VALUES (1), (2)"))
    first, second = engine.connect(), engine.connect()
    first.begin(), second.begin()
    first.execute(text("SELECT * FROM locks_demo WHERE id = 1 FOR UPDATE"))
    second.execute(text("SELECT * FROM locks_demo WHERE id = 2 FOR UPDATE"))
    errors: list[BaseException] = []

    def wants_two() -> None:
        try:
            first.execute(text("SELECT * FROM locks_demo WHERE id = 2 FOR UPDATE"))
        except Exception as error:  # noqa: BLE001
            errors.append(error)
            first.rollback()

    waiting = threading.Thread(target=wants_two)
    waiting.start()
    try:
        second.execute(text("SELECT * FROM locks_demo WHERE id = 1 FOR UPDATE"))
    except Exception as error:  # noqa: BLE001
        errors.append(error)
        second.rollback()
    waiting.join(30)
    first.rollback(), second.rollback()
    first.close(), second.close()
    assert len(errors) == 1 and _conflict(errors[0]), errors
    assert not _conflict(ValueError("not a database error"))
    engine.dispose()
