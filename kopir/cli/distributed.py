"""Commands of the distributed mode's operators: parked messages, the path's health, and
the committed descriptions of the Kafka interface. Kafka's clients load when one of
these commands runs, not for every command of `kopir`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from infrastructure.settings import settings
from kopir import bootstrap
from kopir.cli.parser import positive, subcommands
from kopir.cli.reading import print_json

if TYPE_CHECKING:
    from consumers.parking import ReadModelConsumer


def register(sub: Any) -> None:
    dlq = subcommands(sub.add_parser("dlq", help="messages the consumers could not apply"),
                      "dlq_command")
    parser = dlq.add_parser("list", help="parked messages, child by child")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=dlq_list)
    parser = dlq.add_parser("retry", help="apply parked messages again, in order")
    parser.add_argument("--discard", type=positive, nargs="*", default=[], metavar="ID",
                        help="drop these parked messages (by id) instead of applying them")
    parser.set_defaults(run=dlq_retry)

    parser = sub.add_parser("status", help="relay position, consumer lag, parked messages")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=status_command)

    parser = sub.add_parser("asyncapi", help="write the AsyncAPI document and the contract")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the committed documents are out of date")
    parser.set_defaults(run=asyncapi)


def consume(args: argparse.Namespace) -> int:
    """`kopir consume`: one member of the read models' consumer group, until SIGTERM.

    Broker outages, coordinator changes and failed offset commits are waited out inside
    the app (`consumers.commits`); nothing here starts it again. If the subscriber cannot
    consume any more, the command ends non-zero with one sentence."""
    import asyncio

    from consumers import app as consumer_app  # Kafka's clients load for Kafka commands only

    kafka = settings().kafka
    app = consumer_app.build(consumer_factory=bootstrap.read_model_consumer)
    print(f"consuming {kafka.topic} in group {kafka.group_id} at {kafka.bootstrap}", flush=True)
    asyncio.run(app.run())
    reason = consumer_app.watchdog(app).reason
    if reason is not None:
        print(f"kopir consume: stopped: {reason}", file=sys.stderr, flush=True)
        return 1
    return 0


def consumer() -> "ReadModelConsumer":
    return bootstrap.read_model_consumer()


def dlq_list(args: argparse.Namespace) -> int:
    rows = consumer().parked_messages()
    if args.json:
        print_json(rows)
    elif not rows:
        print("No parked messages: every child is current.")
    else:
        print(f"{'id':>6} {'child':36} {'partition':>9} {'offset':>8}  reason")
        for r in rows:
            print(f"{r['id']:>6} {r['child_key']:36} {r['partition']:>9} {r['offset']:>8}  "
                  f"{r['reason']}")
    return 0


def dlq_retry(args: argparse.Namespace) -> int:
    report = consumer().retry(discard=args.discard)
    print(f"applied {report.applied}, discarded {report.discarded}, "
          f"children still parked: {len(report.still_parked)}")
    for child, reason in report.still_parked.items():
        print(f"  {child}: {reason}")
    return 1 if report.still_parked else 0


def status_command(args: argparse.Namespace) -> int:
    from consumers.status import status

    rt = bootstrap.build()
    if rt.config.embedded_projections:
        return embedded_status(rt, args.json)
    report = status(rt.app, rt.view, settings().kafka)
    if args.json:
        print_json(report)
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


def asyncapi(args: argparse.Namespace) -> int:
    from consumers import documents

    stale = documents.write(check=args.check)
    if args.check and stale:
        print("kopir: out of date: " + ", ".join(stale) + " (run `kopir asyncapi`)",
              file=sys.stderr)
        return 1
    return 0


def embedded_status(rt: bootstrap.Runtime, as_json: bool) -> int:
    """The embedded followers: where each stands, whether one is running, what it parked."""
    last = rt.app.recorder.max_notification_id() or 0
    engine = bootstrap.engine_runner(rt.app, config=rt.config)
    report = {"store": {"last_notification_id": last}, "followers": [
        {"name": f.name, "position": f.position, "behind": max(0, last - f.position),
         "running": f.lock.busy() if f.lock is not None else False,
         "parked": len(f.quarantine.entries()) if f.quarantine is not None else 0}
        for f in (rt.runner, engine)]}
    engine.close()
    if as_json:
        print_json(report)
        return 0
    print(f"event store: last notification {last}")
    for f in report["followers"]:
        print(f"{f['name']}: position {f['position']} ({f['behind']} behind), "
              f"{'running' if f['running'] else 'not running'}, {f['parked']} parked")
    return 0
