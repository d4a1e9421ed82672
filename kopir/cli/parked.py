"""`kopir quarantine`: the events the read models' projection and the escalation engine
could not apply, parked with their reasons; list them, apply them again, or discard."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kopir import bootstrap
from kopir.cli.parser import CheckFailed, positive, subcommands
from processes.engine_runner import ENGINE
from processes.follower import LogFollower
from processes.notifier import NOTIFIER
from processes.projection_runner import ProjectionRunner

FOLLOWERS = (ProjectionRunner.name, ENGINE, NOTIFIER)


def register(sub: Any) -> None:
    group = subcommands(sub.add_parser("quarantine", help="events the followers could not "
                                                          "apply: list, retry, discard"),
                        "quarantine_command")
    parser = group.add_parser("list", help="parked events, oldest first, with the reason")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=list_parked)
    parser = group.add_parser("retry", help="apply parked events again, in log order")
    parser.add_argument("--follower", choices=FOLLOWERS, default=None,
                        help="only this follower's (default: every one)")
    parser.add_argument("--discard", nargs="*", type=positive, default=[], metavar="EVENT",
                        help="drop these parked events for good instead of applying them")
    parser.set_defaults(run=retry_parked)


def followers(rt: bootstrap.Runtime, only: str | None = None) -> list[LogFollower]:
    chosen: list[LogFollower] = []
    if only in (None, ProjectionRunner.name) and rt.config.embedded_projections:
        chosen.append(rt.runner)
    if only in (None, ENGINE):
        chosen.append(bootstrap.engine_runner(rt.app, config=rt.config))
    if only in (None, NOTIFIER):
        chosen.append(rt.make_notifier())
    return chosen


def list_parked(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    rows = [dict(entry) for follower in followers(rt) if follower.quarantine is not None
            for entry in follower.quarantine.entries()]
    if args.json:
        print(json.dumps(rows, default=str, ensure_ascii=False))
        return 0
    if not rows:
        print("Nothing is parked: every event was applied.")
        return 0
    print(f"{'follower':18} {'event':>8} {'stream':36} {'kind':26} reason")
    for row in rows:
        kind = row["topic"].rsplit(".", 1)[-1]
        print(f"{row['follower']:18} {row['notification_id']:>8} {row['stream']:36} "
              f"{kind[:26]:26} {row['reason']}")
    return 0


def retry_parked(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    chosen = followers(rt, args.follower)
    parked = {e["notification_id"] for f in chosen if f.quarantine is not None
              for e in f.quarantine.entries()}
    unknown = sorted(set(args.discard) - parked)
    if unknown:
        raise CheckFailed("not parked: " + ", ".join(map(str, unknown))
                          + " (kopir quarantine list shows what is)")
    still = 0
    for follower in chosen:
        mine = [n for n in args.discard if follower.quarantine is not None and n in
                {e["notification_id"] for e in follower.quarantine.entries()}]
        done = follower.retry_parked(mine, waiting=lambda f=follower: print(
            f"waiting for the running {f.name} to pause…", file=sys.stderr, flush=True))
        print(f"{follower.name}: {done.applied} applied, {done.discarded} discarded, "
              f"{done.still} still parked")
        for number, reason in done.reasons.items():
            print(f"  event {number}: {reason[:200]}")
        still += done.still
        follower.close()
    if still:
        raise CheckFailed(f"{still} events are still parked (listed above)")
    return 0
