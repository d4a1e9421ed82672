"""Append and rebuild rates on SQLite, each against a raw sqlite3 baseline in the same run.

    python -m bench.core [--commands N] [--children N]

- append: one transaction per command through SchoolIntegration (validation, access
  check, aggregate load, save), with eventsourcing-sqlalchemy and with eventsourcing's
  own SQLite recorder; baseline: raw sqlite3 inserts of the same stored rows, one
  transaction each.
- rebuild: `kopir rebuild` on demo data; baseline: raw sqlite3 read of the same
  notifications, JSON decode, and executemany of one row per event.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sqlite3
import tempfile
import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from bench.common import Row, report, timed
from domain import clock
from domain.access import Actor, Role
from domain.application import SYSTEM, SchoolIntegration
from domain.commands import ConflictReport, Enrolment
from domain.vocabulary import ConflictKind
from infrastructure.settings import Settings
from kopir.seed import demo
from processes.engine_runner import EngineRunner
from processes.projection_runner import ProjectionRunner
from processes.rebuild import rebuild
from projections.views import ReadModelView

TEACHER = Actor("t", Role.PSYCHOLOGIST, frozenset({"S1"}))


def app_for(env: dict[str, str], manual: clock.ManualClock) -> SchoolIntegration:
    return SchoolIntegration(env=env, clock_=manual)


def enrolled(env: dict[str, str], children: int) -> tuple[SchoolIntegration, clock.ManualClock,
                                                          list[str]]:
    """An application with one school and `children` enrolled, a year back in time."""
    manual = clock.ManualClock(clock.SYSTEM_CLOCK.now() - timedelta(days=400))
    app = app_for(env, manual)
    app.register_school(SYSTEM, "S1", "School", "Region")
    codes = [f"B-{i:05d}" for i in range(children)]
    for code in codes:
        app.enrol_child(TEACHER, Enrolment(code, "S1", 5, manual.now().year - 11, manual.now()))
    return app, manual, codes


def append_commands(env: dict[str, str], commands: int, children: int) -> tuple[float, SchoolIntegration]:
    app, manual, codes = enrolled(env, children)
    with timed() as elapsed:
        for n in range(commands):
            manual.advance(timedelta(minutes=5))
            app.record_conflict(TEACHER, codes[n % children], ConflictReport(
                manual.now(), ConflictKind.VERBAL, 1 + n % 5,
                "Спор на перемене; үзілісте ұрысып қалды. Talked with both pupils."))
    return elapsed[0], app


def append_concurrent(env: dict[str, str], commands: int, children: int,
                      submitters: int) -> tuple[float, SchoolIntegration]:
    """`submitters` threads (the interface's sessions) recording at once, each about
    children of its own, one command per transaction as in `append_commands`."""
    app, manual, codes = enrolled(env, children)
    start = manual.now()  # the entries fall between the enrolments and the clock's now
    manual.advance(timedelta(minutes=commands + 1))

    def submit(who: int) -> None:
        mine = codes[who::submitters]
        for n in range(who, commands, submitters):
            app.record_conflict(TEACHER, mine[n % len(mine)], ConflictReport(
                start + timedelta(minutes=n), ConflictKind.VERBAL, 1 + n % 5,
                "Спор на перемене; үзілісте ұрысып қалды. Talked with both pupils."))

    threads = [threading.Thread(target=submit, args=(who,)) for who in range(submitters)]
    with timed() as elapsed:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return elapsed[0], app


def append_batched(env: dict[str, str], commands: int, children: int, batch: int) -> float:
    manual = clock.ManualClock(clock.SYSTEM_CLOCK.now() - timedelta(days=400))
    app = app_for(env, manual)
    app.register_school(SYSTEM, "S1", "School", "Region")
    codes = [f"B-{i:05d}" for i in range(children)]
    with app.batch():
        for code in codes:
            app.enrol_child(TEACHER, Enrolment(code, "S1", 5, manual.now().year - 11, manual.now()))
    with timed() as elapsed:
        for first in range(0, commands, batch):
            with app.batch():
                for n in range(first, min(commands, first + batch)):
                    manual.advance(timedelta(minutes=5))
                    app.record_conflict(TEACHER, codes[n % children], ConflictReport(
                        manual.now(), ConflictKind.VERBAL, 1 + n % 5, "Talked with both pupils."))
    app.close()
    return elapsed[0]


def raw_append(rows: list[tuple[bytes, int, str, bytes]], path: Path) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, originator_id BLOB, "
               "originator_version INTEGER, topic TEXT, state BLOB, "
               "UNIQUE (originator_id, originator_version))")
    with timed() as elapsed:
        for row in rows:
            db.execute("BEGIN")
            db.execute("INSERT INTO events (originator_id, originator_version, topic, state) "
                       "VALUES (?, ?, ?, ?)", row)
            db.execute("COMMIT")
    db.close()
    return elapsed[0]


def raw_rebuild(events_db: Path, target: Path, upto: int) -> float:
    source = sqlite3.connect(events_db)
    out = sqlite3.connect(target)
    out.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, originator_id TEXT, version INTEGER, "
                "kind TEXT, fields TEXT)")
    with timed() as elapsed:
        cursor = source.execute("SELECT id, originator_id, originator_version, topic, state "
                                "FROM schoolintegration_events WHERE id <= ? ORDER BY id", (upto,))
        while batch := cursor.fetchmany(1000):
            values = []
            for id_, originator, version, topic, state in batch:
                fields = json.loads(state)
                values.append((id_, str(originator), version, topic.rsplit(".", 1)[-1],
                               json.dumps(fields, sort_keys=True, ensure_ascii=False)))
            out.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", values)
        out.commit()
    return elapsed[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=3000)
    parser.add_argument("--children", type=int, default=200, help="demo children for rebuild")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        # Append, one transaction per command.
        sqlalchemy_env = Settings(database_url=f"sqlite:///{base}/sa.db").app_env()
        core_env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(base / "core.db")}
        sa_seconds, app = append_commands(sqlalchemy_env, args.commands, 50)
        stored = [(n.originator_id.bytes, n.originator_version, n.topic, n.state)
                  for n in app.recorder.select_notifications(1, 10**7)][-args.commands:]
        raw_seconds = raw_append(stored, base / "raw.db")
        core_seconds, _ = append_commands(core_env, args.commands, 50)
        rows.append(Row("append: command, eventsourcing-sqlalchemy", args.commands, sa_seconds,
                        "raw sqlite3 insert, 1 tx/row", raw_seconds))
        rows.append(Row("append: command, eventsourcing core SQLite", args.commands, core_seconds,
                        "raw sqlite3 insert, 1 tx/row", raw_seconds))
        key = base64.b64encode(os.urandom(32)).decode()
        encrypted_env = Settings(database_url=f"sqlite:///{base}/enc.db", cipher_key=key).app_env()
        enc_seconds, _ = append_commands(encrypted_env, args.commands, 50)
        rows.append(Row("append: command, per-child AES-GCM keys", args.commands, enc_seconds,
                        "raw sqlite3 insert, 1 tx/row", raw_seconds))
        # The same commands from several submitters at once: the store's group commit
        # against the library's own SQLite recorder under the same load.
        submitters = 4
        core_many, _ = append_concurrent(
            {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
             "SQLITE_DBNAME": str(base / "core-many.db")}, args.commands, 48, submitters)
        enc_many, many_app = append_concurrent(
            Settings(database_url=f"sqlite:///{base}/enc-many.db", cipher_key=key).app_env(),
            args.commands, 48, submitters)
        rows.append(Row(f"append: {submitters} submitters, eventsourcing core SQLite",
                        args.commands, core_many, "raw sqlite3 insert, 1 tx/row", raw_seconds))
        rows.append(Row(f"append: {submitters} submitters, per-child keys, group commit",
                        args.commands, enc_many, "raw sqlite3 insert, 1 tx/row", raw_seconds))
        shared = many_app.recorder.group_commit
        print(f"group commit: {shared.requests} commands in {shared.groups} transactions")
        batched = append_batched(Settings(database_url=f"sqlite:///{base}/batch.db").app_env(),
                                 args.commands, 50, 300)
        rows.append(Row("append: commands batched 300/tx, sqlalchemy", args.commands, batched,
                        "raw sqlite3 insert, 1 tx/row", raw_seconds))

        # Rebuild on demo data.
        config = Settings(database_url=f"sqlite:///{base}/demo.db")
        demo_app, _ = demo.seed(
            lambda clk, ids: SchoolIntegration(env=config.app_env(), clock_=clk, ids=ids),
            children=args.children, seed_value=7, until=date(2026, 11, 20))
        runner = ProjectionRunner(demo_app, ReadModelView.from_url(config.read_models_url()))
        result = rebuild(runner)
        if not result.identical:
            raise SystemExit(f"bench.core: the rebuild differs: {result.differences}")
        baseline = raw_rebuild(base / "demo.db", base / "raw-rebuild.db", result.position)
        rows.append(Row("rebuild: read models from the demo log", result.events, result.seconds,
                        "raw sqlite3 read + json + executemany", baseline))
        # The same history, encrypted with per-child keys.
        enc_config = Settings(database_url=f"sqlite:///{base}/demo-enc.db", cipher_key=key)
        enc_app, _ = demo.seed(
            lambda clk, ids: SchoolIntegration(env=enc_config.app_env(), clock_=clk, ids=ids),
            children=args.children, seed_value=7, until=date(2026, 11, 20))
        enc_result = rebuild(ProjectionRunner(enc_app, ReadModelView.from_url(
            enc_config.read_models_url())))
        if not enc_result.identical:
            raise SystemExit(f"bench.core: the rebuild differs: {enc_result.differences}")
        rows.append(Row("rebuild: the same log, per-child AES-GCM keys", enc_result.events,
                        enc_result.seconds, "raw sqlite3 read + json + executemany", baseline))
        # The escalation engine catching up from zero over the same log.
        catching_up = EngineRunner(demo_app, name="bench-catch-up")
        with timed() as engine_seconds:
            decided = catching_up.process_available()
        with timed() as decode_seconds:
            for first in range(1, decided + 1, 2000):
                for n in demo_app.recorder.select_notifications(first, 2000):
                    demo_app.mapper.to_domain_event(n)
        rows.append(Row("engine: catching up from zero", decided, engine_seconds[0],
                        "reading + decoding the same events", decode_seconds[0]))
        per_rule = Counter(n.topic for n in demo_app.recorder.select_notifications(1, 10**7)
                           if "EscalationRaised" in n.topic)
        print("escalations raised in the demo history:", dict(Counter(
            demo_app.mapper.to_domain_event(n).rule_id
            for n in demo_app.recorder.select_notifications(1, 10**7)
            if "EscalationRaised" in n.topic)), f"(total {sum(per_rule.values())})")
    report("Core on SQLite: append and rebuild", rows)


if __name__ == "__main__":
    main()
