"""PostgreSQL cuts the connections of the relay and the consumers again and again, in
the middle of their batches (pg_terminate_backend). They recover (or are restarted, as
the deployment's restart policy would), and the read models end equal to a rebuild from
scratch: nothing lost, nothing applied twice."""

from __future__ import annotations

import random
import threading
import time

import psycopg
import pytest

from bench.stack import manual_clock, new_stack, record_history, wait_for
from processes.rebuild import snapshot
from tests.conftest import postgres_admin_url
from tests.faults.conftest import scale


@pytest.fixture
def stack(postgres_databases, tmp_path):  # type: ignore[no-untyped-def]
    s = new_stack(postgres_databases, tmp_path)
    yield s
    s.stop_all()


def terminate(databases: list[str]) -> int:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = ANY(%s) AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' AND usename = current_user",
            (databases,)).fetchall()
    return sum(1 for (ended,) in rows if ended)


def test_terminated_backends_mid_batch_lose_and_duplicate_nothing(stack):
    app = stack.app(manual_clock())
    record_history(app, events=scale(8000, 100_000), children=100, batch=1000)
    last = app.recorder.max_notification_id()
    app.close()
    databases = [url.rsplit("/", 1)[1] for url in (stack.store_url, stack.views_url)]
    stack.start("relay", "relay")
    stack.start("consumer", "consume")

    stop = threading.Event()
    cut: list[int] = []

    def cutter() -> None:
        rng = random.Random(3)
        while not stop.wait(rng.uniform(0.2, 0.8)):
            try:
                cut.append(terminate(databases))
            except psycopg.Error as error:  # e.g. a backend that ended meanwhile
                print(f"could not cut this round: {error}")

    thread = threading.Thread(target=cutter, daemon=True)
    thread.start()
    restarts: list[str] = []

    def restart_policy() -> bool:
        for name, command in (("relay", "relay"), ("consumer", "consume")):
            if stack.processes[name].poll() is not None:
                restarts.append(name)
                stack.processes.pop(name)
                stack.start(name, command)
        return False

    deadline = time.monotonic() + scale(20, 60)
    while time.monotonic() < deadline:
        restart_policy()
        time.sleep(0.5)
    stop.set()
    thread.join()
    assert sum(cut) >= 5, f"too few connections were cut: {cut}"
    view = stack.view()  # the test's own connections were cut too: a fresh pool
    wait_for(lambda: restart_policy() or stack.applied_everything(view, last), 300,
             f"the consumers to apply notification {last} after the cuts")
    print(f"connections cut: {sum(cut)} in {len(cut)} rounds; restarts: {restarts}")
    from processes.rebuild import compare

    assert compare(stack.reference(), snapshot(view), limit=3) == {}
    view.datastore.engine.dispose()
