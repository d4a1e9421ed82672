"""A SQLite file already in its write-ahead log is not asked to switch again.

The library asks `PRAGMA journal_mode=WAL` on every process's first transaction. Beside
a running projection driver that statement once failed with "database is locked" and
stopped the driver; reading the mode is enough when the file is in WAL already."""

from pathlib import Path

from sqlalchemy import event

from projections.views import ReadModelView


def statements_of(view: ReadModelView) -> list[str]:
    seen: list[str] = []
    event.listen(view.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


def test_a_second_process_on_a_file_in_wal_reads_the_mode_and_does_not_set_it(tmp_path: Path):
    # The first process creates the read models: the file is switched to WAL once.
    url = f"sqlite:///{tmp_path / 'views.db'}"
    first = ReadModelView.from_url(url)
    first.max_tracking_id("projections")
    assert first.datastore.is_sqlite_wal_mode

    # Another process opens the same file and reads its position.
    second = ReadModelView.from_url(url)
    seen = statements_of(second)
    second.max_tracking_id("projections")
    assert second.datastore.is_sqlite_wal_mode
    assert not [s for s in seen if "journal_mode=" in s.replace(" ", "").lower()]


def test_a_new_file_still_ends_in_wal(tmp_path: Path):
    view = ReadModelView.from_url(f"sqlite:///{tmp_path / 'fresh.db'}")
    view.max_tracking_id("projections")
    with view.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
