"""On a SQLite file a command's events are written on a pooled DBAPI connection, and are
the same rows the library's transaction would have written: same table, same ids in
order, the same error when a child's version was taken, and the datastore's write lock
still taken in turn with the library's own transactions in the process."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from eventsourcing.persistence import IntegrityError
from sqlalchemy import event

from domain.application import SchoolIntegration
from infrastructure.settings import Settings
from tests.integration.test_group_commit import event as stored


def test_a_command_on_a_sqlite_file_is_written_outside_the_orm_and_reads_back(
        sqlite_settings: Settings):
    app = SchoolIntegration(env=sqlite_settings.app_env())
    statements: list[str] = []
    event.listen(app.recorder.datastore.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    child = uuid.uuid4()
    # When two commands record three events of one child
    first = app.recorder.insert_events([stored(child, 1), stored(child, 2)])
    second = app.recorder.insert_events([stored(child, 3)])
    # Then their ids follow one another, and the rows read back as written
    assert list(first) + list(second) == [first[0], first[0] + 1, first[0] + 2]
    back = app.recorder.select_events(child)
    assert [(e.originator_version, e.topic, e.state) for e in back] == \
        [(v, "tests:Recorded", b"{}") for v in (1, 2, 3)]
    # and no INSERT went through SQLAlchemy's statement execution
    assert not [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    app.close()


def test_a_taken_version_is_the_librarys_integrity_error_and_writes_nothing(
        sqlite_settings: Settings):
    app = SchoolIntegration(env=sqlite_settings.app_env())
    child = uuid.uuid4()
    app.recorder.insert_events([stored(child, 1)])
    with pytest.raises(IntegrityError):
        app.recorder.insert_events([stored(child, 2), stored(child, 1)])
    assert [e.originator_version for e in app.recorder.select_events(child)] == [1]
    app.close()


def test_a_library_transaction_holding_the_write_lock_makes_a_command_wait(
        sqlite_settings: Settings):
    app = SchoolIntegration(env=sqlite_settings.app_env())
    child = uuid.uuid4()
    done = threading.Event()

    def command() -> None:
        app.recorder.insert_events([stored(child, 1)])
        done.set()

    # While a library transaction of this process is open for writing
    with app.recorder.transaction(commit=True):
        writer = threading.Thread(target=command)
        writer.start()
        time.sleep(0.3)
        # Then the command waits for it
        assert not done.is_set()
    writer.join(10)
    assert done.is_set()
    assert [e.originator_version for e in app.recorder.select_events(child)] == [1]
    app.close()
