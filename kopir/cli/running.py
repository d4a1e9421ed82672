"""Commands that run a part of Köpir until stopped: the app, and each follower of the log
on its own (the embedded projection runner, the engine, the relay, a consumer)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from infrastructure.settings import settings
from kopir import bootstrap
from kopir.cli.parser import port
from processes.follower import LogFollower

UI = Path(__file__).resolve().parents[1] / "web.py"


def register(sub: Any) -> None:
    parser = sub.add_parser("serve", help="serve the Streamlit app with embedded projections")
    parser.add_argument("--port", type=port, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    parser.set_defaults(run=serve)
    sub.add_parser("project", help="keep the read models current from the log, in the "
                                   "foreground (the embedded driver without the UI)"
                   ).set_defaults(run=project)
    sub.add_parser("relay", help="publish the event log to Kafka (distributed mode)"
                   ).set_defaults(run=relay)
    sub.add_parser("consume", help="keep the read models current from Kafka (distributed mode)"
                   ).set_defaults(run=consume)
    sub.add_parser("checkpointer", help="sign the log's head every so many events or minutes "
                                        "(distributed mode; the app does it when embedded)"
                   ).set_defaults(run=checkpointer)
    sub.add_parser("notify", help="tell people of concerns by e-mail (KOPIR_SMTP_*) and in the "
                                  "app; one active at a time").set_defaults(run=notify)
    parser = sub.add_parser("engine", help="run the escalation rules on the log (distributed mode)")
    parser.add_argument("--reraise-new-versions", action="store_true",
                        help="let a rule's new version raise cases its old version already raised")
    parser.add_argument("--group", action="store_true",
                        help="share the rules with the other engine processes as a Kafka "
                             "consumer group, each deciding for the partitions it holds")
    parser.set_defaults(run=engine)


def serve(args: argparse.Namespace) -> int:
    command = [sys.executable, "-m", "streamlit", "run", str(UI),
               "--server.port", str(args.port), "--server.address", args.address,
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.enableXsrfProtection", "true", "--client.toolbarMode", "viewer",
               "--client.showErrorDetails", "none"]
    print(f"Köpir is served on http://{args.address}:{args.port}", flush=True)
    # Become the server: signals (Ctrl-C, a supervisor's SIGTERM) reach Streamlit itself.
    os.execv(sys.executable, command)
    return 0


def follow(follower: LogFollower, starting: str) -> int:
    """Run a follower in the foreground until SIGTERM; its error ends the command.
    `starting` is the line it prints first, with its `{position}`."""
    signal.signal(signal.SIGTERM, lambda *_: follower.stop())
    print(starting.format(position=follower.position), flush=True)
    follower.run()
    return 0


def project(args: argparse.Namespace) -> int:
    return follow(bootstrap.build().runner, "projecting from position {position}")


def engine(args: argparse.Namespace) -> int:
    if args.group:
        return engine_group()
    runner = bootstrap.engine_runner(bootstrap.application(),
                                     reraise_new_versions=args.reraise_new_versions)
    return follow(runner, "escalation engine from position {position}")


def engine_group() -> int:
    """One process of the engine's consumer group, until SIGTERM; an error ends it."""
    from consumers import engine_group as group  # Kafka's clients load for Kafka commands only

    kafka = settings().kafka
    app = group.build(kafka, bootstrap.partitioned_engine, kafka.engine_tick_seconds)
    print(f"escalation engine in group {kafka.engine_group_id} on {kafka.topic} "
          f"at {kafka.bootstrap}", flush=True)
    asyncio.run(app.run())
    failure = app.failure or app.watchdog.reason  # type: ignore[attr-defined]
    if failure is not None:
        print(f"kopir engine: stopped: {failure}", file=sys.stderr)
        return 1
    return 0


def notify(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    mail = rt.config.mail
    where = f"SMTP {mail.host}:{mail.port}" if mail.host else "the app only (no KOPIR_SMTP_HOST)"
    return follow(rt.make_notifier(), f"notifier from position {{position}}, telling by {where}")


def checkpointer(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    follower = bootstrap.checkpointer(rt)
    every = f"every {rt.config.checkpoint_every} events or {rt.config.checkpoint_minutes:g} min"
    return follow(follower, f"checkpointer from position {{position}}, signing {every}")


def relay(args: argparse.Namespace) -> int:
    kafka = settings().kafka
    follower = bootstrap.relay(bootstrap.application())
    try:
        return follow(follower, "relaying from position {position} "
                                f"to {kafka.topic} at {kafka.bootstrap}")
    finally:
        follower.close()


def consume(args: argparse.Namespace) -> int:
    """One member of the read models' consumer group, never started again in-process."""
    from kopir.cli import distributed

    return distributed.consume(args)
