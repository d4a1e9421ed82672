"""The escalation engine shared by two processes as a Kafka consumer group (real PostgreSQL
and Kafka): one is killed with SIGKILL mid-stream, the other takes its partitions, and the
signals and concerns come out equal to those of one engine over a copy of the same log."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text

from bench.engine_group import copy_of
from bench.stack import manual_clock, new_stack, record_history, wait_for
from domain.application import SchoolIntegration
from infrastructure.settings import Settings
from processes.engine_runner import EngineRunner
from tests.conftest import postgres_admin_url

ROOT = Path(__file__).resolve().parents[2]


def drop(url: str) -> None:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def outcome(url: str, key: str) -> dict[str, Any]:
    """What the engine decided in a store: every signal, and every concern's state."""
    app = SchoolIntegration(env=Settings(database_url=url, cipher_key=key).app_env())
    try:
        signals, concerns = [], {}
        for n in app.recorder.select_notifications(1, 10**7):
            if n.topic.endswith("EscalationRaised"):
                signals.append(str(n.originator_id))
            elif ":Concern." in n.topic and n.originator_id not in concerns:
                concern = app.repository.get(n.originator_id)
                concerns[n.originator_id] = (concern.level, concern.status,
                                             tuple(sorted(concern.signals)))
        return {"signals": sorted(signals), "signals_once": len(signals) == len(set(signals)),
                "concerns": {str(k): v for k, v in sorted(concerns.items(), key=str)}}
    finally:
        app.close()


def differences(got: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """What the group decided that one engine did not, and the other way round."""
    concerns = {k for k in {*got["concerns"], *expected["concerns"]}
                if got["concerns"].get(k) != expected["concerns"].get(k)}
    found = {"signals only in the group": sorted(set(got["signals"]) - set(expected["signals"])),
             "signals only in one engine": sorted(set(expected["signals"]) - set(got["signals"])),
             "concerns that differ": {k: (got["concerns"].get(k), expected["concerns"].get(k))
                                      for k in sorted(concerns)},
             "a signal twice": not got["signals_once"]}
    return {what: which for what, which in found.items() if which}


def positions(url: str) -> dict[str, int]:
    engine = create_engine(Settings(database_url=url).events_url())
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT application_name, max(notification_id) FROM engine_tracking "
                "WHERE application_name LIKE 'escalation-engine#p%' GROUP BY 1")).all()
        return {name: int(last) for name, last in rows}
    except Exception:  # noqa: BLE001 - the table is not there yet
        return {}
    finally:
        engine.dispose()


def test_two_engine_processes_one_killed_decide_as_one_engine(postgres_databases, tmp_path):
    # Given a log with 90 children's history, and a copy of it
    stack = new_stack(postgres_databases, tmp_path)
    app = stack.app(manual_clock())
    record_history(app, events=900, children=90, seed=7, batch=300)
    app.close()
    single = copy_of(stack.store_url, [])
    try:
        # One engine over the copy: the reference
        reference = SchoolIntegration(env=Settings(database_url=single,
                                                   cipher_key=stack.cipher_key).app_env())
        runner = EngineRunner(reference)
        for _ in range(3):  # its own decisions come back as events; decide until quiet
            runner.process_available()
            runner.caught_up()
        runner.close()
        reference.close()
        expected = outcome(single, stack.cipher_key)
        assert expected["signals"], "the history should raise something"

        # The relay and two engine processes in one group over the original
        env = {**stack.env(), "KOPIR_KAFKA_ENGINE_GROUP_ID": f"{stack.kafka.group_id}-engine",
               "KOPIR_KAFKA_ENGINE_TICK_SECONDS": "1"}

        def start(name: str, *command: str) -> subprocess.Popen:
            return subprocess.Popen([sys.executable, "-m", "kopir.cli", *command], cwd=ROOT,
                                    env=env, stdout=open(tmp_path / f"{name}.log", "ab"),
                                    stderr=subprocess.STDOUT)

        relay = start("relay", "relay")
        first, second = start("first", "engine", "--group"), start("second", "engine", "--group")
        try:
            # Both hold partitions (Kafka shares them out) and have decided some
            def holding(name: str) -> bool:
                return "taken, rebuilt" in (tmp_path / f"{name}.log").read_text(errors="replace")

            wait_for(lambda: holding("first") and holding("second") and
                     len(positions(stack.store_url)) >= 2, 120,
                     "both engine processes to hold partitions and decide for them")
            # Then the first is killed
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            killed_at = time.monotonic()

            def holds_every_partition() -> bool:
                assigned = [line for line in (tmp_path / "second.log").read_text(
                    errors="replace").splitlines() if "assigned to partitions" in line]
                return bool(assigned) and assigned[-1].count("partition=") == 6

            # Kafka gives the survivor the killed one's partitions after the session timeout
            wait_for(holds_every_partition, 90, "the survivor to take every partition")
            # The second takes every partition and decides as the single engine did
            try:
                wait_for(lambda: outcome(stack.store_url, stack.cipher_key) == expected, 120,
                         "the group's decisions to equal the single engine's")
            except AssertionError:
                assert differences(outcome(stack.store_url, stack.cipher_key), expected) == {}
            took = time.monotonic() - killed_at
            assert second.poll() is None, (tmp_path / "second.log").read_text()
            print(f"the survivor finished the killed engine's partitions {took:.1f}s after kill -9")
            assert holds_every_partition()
        finally:
            for process in (relay, first, second):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (relay, first, second):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        # Nothing decided twice: each signal once, and the survivor ended cleanly
        assert outcome(stack.store_url, stack.cipher_key)["signals_once"]
        assert second.returncode == 0, (tmp_path / "second.log").read_text()
    finally:
        drop(single)
