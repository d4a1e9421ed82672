"""The `kopir` command: demo data, serving the app, rebuilding read models, reading records.

Bad arguments or refused reads print one line and exit non-zero; never a traceback
(set KOPIR_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn, Sequence

from domain.access import Actor, Role
from domain.errors import KopirError

# Reads made from the command line act as this read-only operator.
OPERATOR = Actor("cli-operator", Role.AUDITOR, frozenset({"*"}), "Command-line operator")


class UsageError(Exception):
    """Raised when the command line does not fit the commands' arguments."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {number}")
    return number


def _port(value: str) -> int:
    number = _positive(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, got {number}")
    return number


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date and time like 2025-03-01T12:00:00+05:00, got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.now().astimezone().tzinfo)
    return moment


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-05-31, got {value!r}") from None


def build_parser() -> Parser:
    parser = Parser(prog="kopir", description="Köpir: school integration records.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    demo = sub.add_parser("demo", help="seed realistic synthetic demo data")
    demo.add_argument("--children", type=_positive, default=60)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--until", type=_day, default=None,
                      help="last day of the demo history (default: today)")
    demo.add_argument("--reset", action="store_true",
                      help="delete an existing SQLite store first")

    generate = sub.add_parser("generate", help="a synthetic national dataset for benchmarks")
    generate.add_argument("--preset", choices=["quick", "national"], default=None,
                          help="quick: 10k children, 500 schools, 1M events; "
                               "national: 100k children, 5,000 schools, 10M events")
    generate.add_argument("--children", type=_positive, default=1000)
    generate.add_argument("--schools", type=_positive, default=50)
    generate.add_argument("--events", type=_positive, default=100_000)
    generate.add_argument("--seed", type=int, default=1)

    serve = sub.add_parser("serve", help="serve the Streamlit app with embedded projections")
    serve.add_argument("--port", type=_port, default=8501)
    serve.add_argument("--address", default="127.0.0.1")

    rebuild = sub.add_parser("rebuild", help="drop the read models and replay the log")
    rebuild.add_argument("--verify", action="store_true",
                         help="exit non-zero if the rebuilt models differ from the old ones")
    rebuild.add_argument("--json", action="store_true")

    children = sub.add_parser("children", help="list child codes with school and state")
    children.add_argument("--school", default=None)
    children.add_argument("--json", action="store_true")

    chron = sub.add_parser("chronology", help="a child's chronology")
    chron.add_argument("child_code")
    chron.add_argument("--as-of", type=_moment, default=None,
                       help="the record as it stood then (only what had been recorded by then)")
    chron.add_argument("--json", action="store_true")

    sub.add_parser("project", help="keep the read models current from the log, in the "
                                   "foreground (the embedded driver without the UI)")
    sub.add_parser("relay", help="publish the event log to Kafka (distributed mode)")
    sub.add_parser("consume", help="keep the read models current from Kafka (distributed mode)")
    engine = sub.add_parser("engine", help="run the escalation rules on the log (distributed mode)")
    engine.add_argument("--reraise-new-versions", action="store_true",
                        help="let a rule's new version raise cases its old version already raised")
    rules = sub.add_parser("rules", help="escalation rules: check a file, back-test it")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, parser_class=Parser)
    check = rules_sub.add_parser("check", help="load a rules file and report what is wrong")
    check.add_argument("rules_file")
    backtest = rules_sub.add_parser("backtest", help="what a rules file would have raised; "
                                                    "writes nothing")
    backtest.add_argument("rules_file")
    backtest.add_argument("--from", dest="start", type=_moment, default=None)
    backtest.add_argument("--to", dest="end", type=_moment, default=None)
    backtest.add_argument("--json", action="store_true")
    dlq = sub.add_parser("dlq", help="messages the consumers could not apply")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True, parser_class=Parser)
    dlq_list = dlq_sub.add_parser("list", help="parked messages, child by child")
    dlq_list.add_argument("--json", action="store_true")
    dlq_retry = dlq_sub.add_parser("retry", help="apply parked messages again, in order")
    dlq_retry.add_argument("--discard", type=_positive, nargs="*", default=[], metavar="ID",
                           help="drop these parked messages (by id) instead of applying them")
    status = sub.add_parser("status", help="relay position, consumer lag, parked messages")
    status.add_argument("--json", action="store_true")
    asyncapi = sub.add_parser("asyncapi", help="write the AsyncAPI document and the contract")
    asyncapi.add_argument("--check", action="store_true",
                          help="exit 1 if the committed documents are out of date")
    erase = sub.add_parser("erase", help="erase a child's personal data (crypto-shredding)")
    erase.add_argument("child_code")
    erase.add_argument("--reason", required=True, help="the lawful request it answers")
    erase.add_argument("--as", dest="user", required=True,
                       help="the administrator's user name (recorded with the erasure)")
    ledger_cmd = sub.add_parser("ledger", help="the signed hash chain over the log")
    ledger_sub = ledger_cmd.add_subparsers(dest="ledger_command", required=True,
                                           parser_class=Parser)
    ledger_sub.add_parser("keygen", help="create the checkpoint signing key file")
    ledger_sub.add_parser("checkpoint", help="sign the chain's head now and store it")
    verify = sub.add_parser("verify-log", help="verify the hash chain against its signed "
                                               "checkpoints (the store, or an export)")
    verify.add_argument("--file", type=Path, default=None,
                        help="verify this export offline instead of the store")
    verify.add_argument("--export", type=Path, default=None,
                        help="sign a checkpoint, then write an export an auditor verifies offline")
    verify.add_argument("--trust", nargs="*", default=[], metavar="PUBLIC_KEY",
                        help="accept only checkpoints signed by these keys (hex)")
    verify.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `kopir children | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"kopir: {error}", file=sys.stderr)
        return 2
    except KopirError as error:
        print(f"kopir: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # one line for people; the trace on request
        if os.environ.get("KOPIR_DEBUG"):
            raise
        if _disk_full(error):
            print("kopir: the disk is full. Everything saved before this moment is intact; "
                  "free some space and run the command again.", file=sys.stderr)
            return 1
        print(f"kopir: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


def _disk_full(error: BaseException) -> bool:
    """SQLite's 'database or disk is full' or a refused write (a file size limit),
    PostgreSQL's 'No space left on device'."""
    causes: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(causes) < 20:
        e = pending.pop()
        if e is not None and e not in causes:
            causes.append(e)
            pending += [e.__cause__, e.__context__, getattr(e, "orig", None)]
    names = {getattr(e, "sqlite_errorname", "") for e in causes}
    if names & {"SQLITE_FULL", "SQLITE_IOERR_WRITE"}:
        return True
    text = " ".join(str(e).lower() for e in causes)
    return any(s in text for s in ("disk is full", "file too large", "no space left"))


def _runtime():  # type: ignore[no-untyped-def]
    from kopir import runtime

    return runtime.build()


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def cmd_demo(args: argparse.Namespace) -> int:
    from domain.application import SchoolIntegration
    from kopir import demo
    from kopir.progress import ProgressBar
    from kopir.settings import settings
    from projections.runner import EmbeddedRunner
    from projections.views import ReadModelView

    config = settings()
    if args.reset:
        _reset_sqlite(config.events_url(), config.read_models_url())
    if not config.master_key():  # the demo encrypts too: a master key of its own in ./var
        import base64

        path = config.master_key_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        path.chmod(0o600)
    probe = SchoolIntegration(env=config.app_env())
    if probe.recorder.max_notification_id():
        print("kopir: the store already has data; use `kopir demo --reset` to start over "
              "(SQLite only)", file=sys.stderr)
        return 1
    probe.close()
    app, actions = demo.seed(
        lambda clk, ids: SchoolIntegration(env=config.app_env(), clock_=clk, ids=ids),
        children=args.children, seed_value=args.seed, until=args.until,
        progress=ProgressBar("recording"))
    if config.embedded_projections:  # otherwise the consumers project from Kafka
        view = ReadModelView.from_url(config.read_models_url())
        runner = EmbeddedRunner(app, view, batch_size=config.batch_size)
        runner.process_available(progress=ProgressBar("projecting"))
    from kopir import audit

    audit.checkpoint(app, _signing_key(create=True))  # the demo's history, signed
    events = app.recorder.max_notification_id() or 0
    print(f"Seeded {args.children} children in {len(demo.SCHOOLS)} schools: {actions} actions, "
          f"{events} events. Demo users (password {demo.DEMO_PASSWORD!r}): "
          + ", ".join(u.user_id for u in demo.demo_users()))
    return 0


def _reset_sqlite(*urls: str) -> None:
    for url in urls:
        if not url.startswith("sqlite:///"):
            raise KopirError("--reset only deletes SQLite files; drop PostgreSQL data by hand.")
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def cmd_serve(args: argparse.Namespace) -> int:
    script = Path(__file__).resolve().parent.parent / "ui" / "streamlit_app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(script),
               "--server.port", str(args.port), "--server.address", args.address,
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.enableXsrfProtection", "true", "--client.toolbarMode", "viewer",
               "--client.showErrorDetails", "none"]
    print(f"Köpir is served on http://{args.address}:{args.port}", flush=True)
    # Become the server: signals (Ctrl-C, a supervisor's SIGTERM) reach Streamlit itself.
    os.execv(sys.executable, command)


def cmd_rebuild(args: argparse.Namespace) -> int:
    from kopir.progress import ProgressBar
    from projections.rebuild import rebuild, report_json

    runtime = _runtime()
    report = rebuild(runtime.runner, progress=ProgressBar("rebuilding"))
    if args.json:
        print(report_json(report))
    else:
        state = "identical to" if report.identical else "DIFFERENT from"
        print(f"Rebuilt {report.events} events in {report.seconds:.2f}s "
              f"({report.rate:,.0f} events/s); the read models are {state} the previous ones.")
        for table, lines in report.differences.items():
            for line in lines:
                print(f"  {table}: {line}")
    return 1 if args.verify and not report.identical else 0


def cmd_children(args: argparse.Namespace) -> int:
    from projections.queries import Queries

    runtime = _runtime()
    runtime.runner.process_available()
    rows = Queries(runtime.app, runtime.view).children(OPERATOR, school_id=args.school)
    if args.school is not None and not rows:
        known = {r["school_id"] for r in Queries(runtime.app, runtime.view).children(OPERATOR)}
        if args.school not in known:
            raise KopirError(f"no children in school {args.school!r}"
                             + (f"; schools with children: {', '.join(sorted(known))}"
                                if known else ""))
    if args.json:
        _print_json([{"code": r["code"], "school_id": r["school_id"], "status": r["status"],
                      "grade": r["grade"], "age_band": r["age_band"],
                      "open_escalations": r["open_escalations"]} for r in rows])
        return 0
    print(f"{'code':10} {'school':8} {'state':7} {'grade':>5} {'age':>6} {'open escalations':>16}")
    for r in rows:
        print(f"{r['code']:10} {r['school_id']:8} {r['status']:7} {r['grade']:>5} "
              f"{r['age_band']:>6} {r['open_escalations']:>16}")
    return 0


def cmd_chronology(args: argparse.Namespace) -> int:
    from projections.queries import Queries

    runtime = _runtime()
    runtime.runner.process_available()
    rows = Queries(runtime.app, runtime.view).chronology(OPERATOR, args.child_code,
                                                         as_of=args.as_of)
    if args.json:
        _print_json(rows)
        return 0
    heading = f"Chronology of {args.child_code}"
    if args.as_of:
        heading += f" as recorded by {args.as_of.isoformat()}"
    print(heading)
    for row in rows:
        marks = []
        if row["late"]:
            marks.append(f"late by {row['delay_seconds'] // 86400}d")
        if row["status"] != "recorded":
            marks.append(row["status"])
        summary = row["fields"].get("description") or row["fields"].get("summary") \
            or row["fields"].get("reason") or row.get("reason") or ""
        print(f"{row['occurred_at']:%Y-%m-%d %H:%M}  {row['kind']:28} "
              f"{'[' + ', '.join(marks) + ']' if marks else '':18} {summary[:80]}")
    return 0


def cmd_relay(args: argparse.Namespace) -> int:
    from consumers.relay import Relay
    from consumers.settings import kafka_settings
    from domain.application import SchoolIntegration
    from kopir.settings import settings

    relay = Relay(SchoolIntegration(env=settings().app_env()), kafka_settings())
    signal.signal(signal.SIGTERM, lambda *_: relay.stop())
    print(f"relaying from position {relay.position} to {relay.settings.topic} "
          f"at {relay.settings.bootstrap}", flush=True)
    try:
        relay.run()
    finally:
        relay.close()
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from domain.application import SchoolIntegration
    from kopir import national
    from kopir.progress import ProgressBar
    from kopir.settings import settings

    config = settings()
    size = national.PRESETS[args.preset] if args.preset else \
        national.Preset(args.children, args.schools, args.events)
    if size.children + size.schools > size.events:
        raise UsageError("--events must be more than the children and schools it enrols")
    probe = SchoolIntegration(env=config.app_env())
    if probe.recorder.max_notification_id():
        print("kopir: the store already has data; generate into an empty store",
              file=sys.stderr)
        return 1
    probe.close()
    app = national.generate(
        lambda clk, ids: SchoolIntegration(env={**config.app_env(), **national.generator_env(size)},
                                           clock_=clk, ids=ids),
        size.children, size.schools, size.events, seed=args.seed,
        progress=ProgressBar("generating"))
    print(f"generated {app.recorder.max_notification_id()} events: {size.children} children "
          f"in {size.schools} schools")
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    import threading

    from kopir import runtime

    rt = runtime.build()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f"projecting from position {rt.runner.position}", flush=True)
    rt.runner.start()
    try:
        done.wait()
    finally:
        rt.runner.stop()
    return 0


def cmd_engine(args: argparse.Namespace) -> int:
    from domain.application import SchoolIntegration
    from kopir.settings import settings
    from projections.engine_runner import EngineRunner

    engine = EngineRunner(SchoolIntegration(env=settings().app_env()),
                          reraise_new_versions=args.reraise_new_versions)
    signal.signal(signal.SIGTERM, lambda *_: engine.stop())
    print(f"escalation engine from position {engine.position}", flush=True)
    engine.run()
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from domain.rules.loader import load_rules

    rules = load_rules(args.rules_file)
    if args.rules_command == "check":
        print(f"{args.rules_file}: {len(rules.rules)} rules: "
              + ", ".join(f"{r.id} v{r.version} ({r.level})" for r in rules))
        return 0
    from projections.backtest import backtest

    runtime = _runtime()
    runtime.runner.process_available()
    report = backtest(runtime.app, runtime.view, rules, args.start, args.end)
    if args.json:
        _print_json(report)
        return 0
    print(f"Back-test of {args.rules_file} over {report['events']} events "
          f"({report['from'] or 'the beginning'} to {report['to'] or 'now'}); nothing was written.")
    print(f"{'rule':28} {'school':8} {'would raise':>11} {'live':>6} {'difference':>10}")
    for row in report["rows"]:
        print(f"{row['rule_id']:28} {row['school_id']:8} {row['would_raise']:>11} "
              f"{row['live']:>6} {row['would_raise'] - row['live']:>+10}")
    return 0


def cmd_consume(args: argparse.Namespace) -> int:
    """Run the consumer; if the broker connection breaks the app, start it again."""
    import asyncio
    import time

    from consumers.app import build

    while True:
        app = build()
        try:
            asyncio.run(app.run())
        except Exception as error:  # e.g. a commit to a broker that went away
            print(f"kopir consume: {type(error).__name__}: {error}; restarting in 2 s",
                  file=sys.stderr, flush=True)
            time.sleep(2)
            continue
        if app._should_exit:  # stopped by SIGTERM/SIGINT (faststream's own flag)
            return 0
        time.sleep(2)


def _consumer():  # type: ignore[no-untyped-def]
    from consumers.parking import ReadModelConsumer
    from consumers.settings import kafka_settings
    from consumers.topics import producer

    runtime = _runtime()
    kafka = kafka_settings()
    return ReadModelConsumer(runtime.app.mapper, runtime.view, producer(kafka), kafka.dlq_topic)


def cmd_dlq(args: argparse.Namespace) -> int:
    consumer = _consumer()
    if args.dlq_command == "list":
        rows = consumer.parked_messages()
        if args.json:
            _print_json(rows)
        elif not rows:
            print("No parked messages: every child is current.")
        else:
            print(f"{'id':>6} {'child':36} {'partition':>9} {'offset':>8}  reason")
            for r in rows:
                print(f"{r['id']:>6} {r['child_key']:36} {r['partition']:>9} {r['offset']:>8}  "
                      f"{r['reason']}")
        return 0
    report = consumer.retry(discard=args.discard)
    print(f"applied {report.applied}, discarded {report.discarded}, "
          f"children still parked: {len(report.still_parked)}")
    for child, reason in report.still_parked.items():
        print(f"  {child}: {reason}")
    return 1 if report.still_parked else 0


def cmd_status(args: argparse.Namespace) -> int:
    from consumers.settings import kafka_settings
    from consumers.status import status

    runtime = _runtime()
    report = status(runtime.app, runtime.view, kafka_settings())
    if args.json:
        _print_json(report)
        return 0
    print(f"event store: last notification {report['store']['last_notification_id']}")
    print(f"relay: position {report['relay']['position']} "
          f"({report['relay']['behind']} behind)")
    for p in report["partitions"]:
        print(f"partition {p['partition']}: end {p['end_offset']}, committed "
              f"{p['committed_offset']}, lag {p['lag']}, applied up to notification "
              f"{p['applied_up_to']}")
    print(f"parked: {report['parked']['messages']} messages of "
          f"{report['parked']['children']} children")
    return 0


def cmd_asyncapi(args: argparse.Namespace) -> int:
    from consumers import documents

    stale = documents.write(check=args.check)
    if args.check and stale:
        print("kopir: out of date: " + ", ".join(stale) + " (run `kopir asyncapi`)",
              file=sys.stderr)
        return 1
    return 0


def _signing_key(create: bool = False):  # type: ignore[no-untyped-def]
    from kopir import ledger
    from kopir.settings import settings

    return ledger.load_signing_key(settings().ledger_env(), create=create)


def cmd_ledger(args: argparse.Namespace) -> int:
    from domain.application import SchoolIntegration
    from kopir import audit, ledger
    from kopir.settings import settings

    if args.ledger_command == "keygen":
        key = _signing_key(create=True)
        print(f"checkpoint key {ledger.key_id(ledger.public_key_hex(key))} "
              f"(public key {ledger.public_key_hex(key)})")
        return 0
    app = SchoolIntegration(env=settings().app_env())
    signed = audit.checkpoint(app, _signing_key())
    print(f"checkpoint at event {signed.position}: {signed.count} events, head {signed.head[:16]}…, "
          f"key {ledger.key_id(signed.public_key)}")
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    from kopir import runtime
    from kopir.crypto import scrub

    rt = runtime.build()
    actor = rt.app.actor_for(args.user)
    destroyed = rt.app.erase_personal_data(actor, args.child_code, args.reason)
    from kopir.settings import settings

    if settings().embedded_projections:
        rt.runner.process_available()
        scrub(rt.view.datastore.engine)  # type: ignore[union-attr]
    scrub(rt.app.recorder.datastore.engine)  # type: ignore[attr-defined]
    print(f"erased the personal data of {args.child_code}: {destroyed} keys destroyed; "
          "the events remain, their personal content is unreadable")
    return 0


def cmd_verify_log(args: argparse.Namespace) -> int:
    from kopir import audit, ledger
    from kopir.progress import ProgressBar

    if args.file is not None:
        checkpoints, rows = ledger.read_export(args.file)
        verdict = ledger.verify(rows, checkpoints, tuple(args.trust))
    else:
        from domain.application import SchoolIntegration
        from kopir.settings import settings

        app = SchoolIntegration(env=settings().app_env())
        total = app.recorder.max_notification_id() or 0
        bar = ProgressBar("verifying")
        verdict = audit.verify(app, tuple(args.trust), lambda n: bar(n, total))
        if args.export is not None and verdict.ok:
            audit.checkpoint(app, _signing_key())
            written = audit.export(app, args.export)
            print(f"exported {written} events and their checkpoints to {args.export}")
    if args.json:
        print(json.dumps(dataclasses.asdict(verdict)))
    else:
        print(verdict.summary())
    return 0 if verdict.ok else 1


COMMANDS = {
    "generate": cmd_generate,
    "project": cmd_project,
    "demo": cmd_demo,
    "erase": cmd_erase,
    "ledger": cmd_ledger,
    "verify-log": cmd_verify_log,
    "serve": cmd_serve,
    "rebuild": cmd_rebuild,
    "children": cmd_children,
    "chronology": cmd_chronology,
    "relay": cmd_relay,
    "consume": cmd_consume,
    "engine": cmd_engine,
    "rules": cmd_rules,
    "dlq": cmd_dlq,
    "status": cmd_status,
    "asyncapi": cmd_asyncapi,
}

if __name__ == "__main__":
    sys.exit(main())
