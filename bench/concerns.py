"""Concerns: how soon a HIGH signal reaches a person's mailbox, and the monitor's query
at 10,000 children with concerns; each against a baseline measured in the same run.

    python -m bench.concerns [--signals 60] [--children 10000] [--repeat 30]

- signal → e-mail: a HIGH incident recorded through the application, then the engine,
  the projections and the notifier each take their turn (as their loops do, without
  their poll pauses), until a real SMTP server on 127.0.0.1 (aiosmtpd) has the message;
  p50 and p99. Baseline: the same server taking a message of the same size from smtplib.
- monitor: `concern_monitor` (counts per level, schools, the matching count, a page of
  25 by urgency) over 10,000 children with concerns, for a region and for the country.
  Baseline: the same two SQL statements' plain counterparts run with sqlite3.
"""

from __future__ import annotations

import argparse
import json
import random
import smtplib
import socket
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable

from bench.common import RESULTS, Row, report
from domain import clock
from domain.access import Actor, Role
from domain.application import SYSTEM
from domain.commands import ConflictReport, Enrolment
from domain.vocabulary import ConflictKind
from infrastructure.settings import Settings
from kopir import bootstrap
from processes.engine_runner import EngineRunner
from processes.notifier import Notifier
from projections.queries import OversightQueries
from projections.tables import concerns

START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


class Inbox:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def signal_to_mail(signals: int, folder: Path, inbox: Inbox, port: int) -> list[float]:
    config = Settings(database_url=f"sqlite:///{folder}/kopir.db")
    manual = clock.ManualClock(START)
    rt = bootstrap.build(config, clock_=manual)
    app = rt.app
    app.register_school(SYSTEM, "S1", "School One", "Astana")
    for user, role in (("psy", Role.PSYCHOLOGIST), ("sup", Role.SUPERVISOR)):
        app.register_account(SYSTEM, user, user, role, ["S1"], "a long password 1")
        app.set_notifications(SYSTEM, user, f"{user}@school.kz")
    psychologist = Actor("psy", Role.PSYCHOLOGIST, frozenset({"S1"}))
    engine = EngineRunner(app)
    mail = config.mail.model_copy(update={"host": "127.0.0.1", "port": port, "tls": "none"})
    notifier = Notifier(app, rt.view, mail)
    samples = []
    for n in range(signals):
        code = f"KZ-B{n:04d}"
        manual.advance(timedelta(minutes=5))
        app.enrol_child(psychologist, Enrolment(code, "S1", 5, 2014, manual.now()))
        before = inbox.count
        started = time.perf_counter()
        app.record_conflict(psychologist, code, ConflictReport(
            manual.now(), ConflictKind.PHYSICAL, 4, "Hit in the yard; separated."))
        while inbox.count == before:
            engine.step()
            rt.runner.step()
            notifier.step()
        samples.append(time.perf_counter() - started)
    engine.close()
    notifier.close()
    rt.close()
    return samples


def raw_mail(repeat: int, port: int, inbox: Inbox) -> list[float]:
    samples = []
    for n in range(repeat):
        message = EmailMessage()
        message["From"], message["To"] = "kopir@localhost", "sup@school.kz"
        message["Subject"] = f"Köpir: HIGH concern, KZ-B{n:04d} (S1)"
        message.set_content("KZ-B0000 · HIGH · S1 · a new concern\n  http://k/monitor?c=x\n")
        before = inbox.count
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)
        while inbox.count == before:
            time.sleep(0.0005)
        samples.append(time.perf_counter() - started)
    return samples


def monitor(children: int, repeat: int, folder: Path) -> list[Row]:
    """10k children with a concern each, in 500 schools of 25 regions."""
    config = Settings(database_url=f"sqlite:///{folder}/monitor.db")
    rt = bootstrap.build(config, clock_=clock.ManualClock(START))
    rng = random.Random(5)
    rows = []
    for n in range(children):
        school = f"SCH-{n % 500:03d}"
        status = rng.choice(["open", "open", "acknowledged", "assigned", "snoozed", "resolved"])
        at = START - timedelta(hours=rng.randint(0, 24 * 300))
        rows.append({"concern_key": f"c{n}/1", "concern_id": f"c{n}", "child_id": f"k{n}",
                     "child_code": f"KZ-{n:05d}", "school_id": school, "episode": 1,
                     "status": status, "level": rng.choice(["low", "medium", "high"]),
                     "opened_at": at, "last_signal_at": at, "signal_count": rng.randint(1, 9),
                     "open_signals": 1, "acknowledge_by": at + timedelta(hours=24),
                     "acknowledged_at": None, "assignee": None,
                     "snoozed_until": at + timedelta(days=3) if status == "snoozed" else None,
                     "resolved_at": None, "outcome": None, "rises": 0, "tier": 0,
                     "signals": "[]", "history": "[]"})
    with rt.view.engine.begin() as connection:
        connection.execute(concerns.insert(), rows)
    rt.view.analyse()
    queries = OversightQueries(rt.app, rt.view)
    region = frozenset(f"SCH-{n:03d}" for n in range(0, 500, 25))
    raw = sqlite3.connect(f"{folder}/monitor-views.db")
    result = []
    for scope, actor, schools in (
            (f"a region ({len(region)} schools)", Actor("r", Role.SUPERVISOR, region), region),
            ("the country (500 schools)", Actor("c", Role.SUPERVISOR, frozenset({"*"})), None)):
        where = "1 = 1" if schools is None else \
            f"school_id IN ({','.join(repr(s) for s in sorted(schools))})"

        def plain(where: str = where) -> Any:
            live = "status IN ('open','acknowledged','assigned','snoozed')"
            return raw.execute(f"SELECT level, count(*) FROM rm_concerns WHERE {live} AND "
                               f"{where} GROUP BY level").fetchall() + raw.execute(
                f"SELECT * FROM rm_concerns WHERE {live} AND {where} "
                "ORDER BY acknowledge_by LIMIT 25").fetchall()

        ours = timed_calls(lambda a=actor: queries.concern_monitor(a, limit=25), repeat)
        baseline = timed_calls(plain, repeat)
        result.append(Row(f"monitor: a refresh, {scope}", repeat, ours,
                          "sqlite3: the level counts and a page", baseline))
    rt.close()
    return result


def timed_calls(call: Callable[[], Any], repeat: int) -> float:
    call()  # warm
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signals", type=int, default=60)
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    folder = Path(tempfile.mkdtemp(prefix="kopir-concerns-"))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ours = signal_to_mail(args.signals, folder, inbox, port)
        baseline = raw_mail(args.signals, port, inbox)
    finally:
        controller.stop()
    (p50, p99), (b50, b99) = percentiles(ours), percentiles(baseline)
    print("\nConcerns: a HIGH signal to an accepted e-mail")
    print(f"{'measure':48} {'count':>6} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"{'signal → e-mail accepted by the SMTP server':48} {len(ours):>6} "
          f"{p50 * 1000:>8.1f} {p99 * 1000:>8.1f}")
    print(f"{'baseline: smtplib sends one message':48} {len(baseline):>6} "
          f"{b50 * 1000:>8.1f} {b99 * 1000:>8.1f}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"concerns-mail-{stamp}.json").write_text(json.dumps({
        "signals": len(ours), "p50_ms": p50 * 1000, "p99_ms": p99 * 1000,
        "baseline_p50_ms": b50 * 1000, "baseline_p99_ms": b99 * 1000}, indent=2))
    report(f"Concerns: the monitor at {args.children:,} children with concerns",
           monitor(args.children, args.repeat, folder))


if __name__ == "__main__":
    main()
