"""Failover of every singleton on PostgreSQL: two real processes of each (relay, engine,
notifier, checkpointer, projection driver), the active one killed with SIGKILL ten times,
a new standby started after each kill (as a restart policy would), and the time until the
standby is active measured: p50 and max per singleton, in bench/results.

    python -m bench.failover [--kills 10] [--only relay,engine]
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from bench.common import RESULTS
from bench.kafka import databases, drop, percentile
from bench.stack import new_stack
from bench.standby import SINGLETONS, TAKEOVER_LIMIT, Pair, Singleton


def failovers(create: Callable[[], str], folder: Path, singleton: Singleton, kills: int,
              smtp_port: int = 0) -> list[float]:
    """`kills` times: kill -9 the active instance, time the take-over, start a new
    standby (as a restart policy would), record more; the take-over times."""
    (folder / singleton.name).mkdir(parents=True, exist_ok=True)
    pair = Pair(new_stack(create, folder / singleton.name), singleton, smtp_port=smtp_port)
    try:
        last = pair.prepare()
        pair.two()
        pair.wait_position(last)
        for kill in range(kills):
            _, took = pair.kill_active()
            print(f"{singleton.name}: kill {kill + 1}: active again after {took:.2f}s",
                  flush=True)
            last = pair.grow(seed=10 + kill, events=40)
            pair.wait_standing_by(pair.start())
            pair.wait_position(last)
        problems = pair.written_by_two()
        assert not problems, problems
        return pair.takeovers
    finally:
        pair.close()


class Accepting:
    """An SMTP server's handler that takes every message."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[int]:
    """A real SMTP server on 127.0.0.1 for the notifiers; its port."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(Accepting(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--only", default=",".join(SINGLETONS))
    args = parser.parse_args()
    create, names = databases()
    results: dict[str, list[float]] = {}
    failed: dict[str, str] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp, smtp_server() as port:
            for name in args.only.split(","):
                try:  # one singleton's trouble (a broker away) does not cost the others'
                    results[name] = failovers(create, Path(tmp), SINGLETONS[name],
                                              args.kills, port)
                except AssertionError as error:
                    failed[name] = str(error)
                    print(f"{name}: failed: {error}", flush=True)
    finally:
        drop(names)
    print(f"\nfailover: kill -9 of the active instance → its standby active (seconds, "
          f"{args.kills} kills each)")
    print(f"{'singleton':14} {'p50':>7} {'max':>7}")
    rows = []
    for name, times in results.items():
        rows.append({"singleton": name, "kills": len(times), "p50": percentile(times, 0.5),
                     "max": max(times), "seconds": times})
        print(f"{name:14} {rows[-1]['p50']:>7.2f} {rows[-1]['max']:>7.2f}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"failover-{stamp}.json"
    path.write_text(json.dumps({"title": "Failover: take-over after kill -9",
                                "machine": platform.platform(),
                                "python": platform.python_version(),
                                "limit_seconds": TAKEOVER_LIMIT, "rows": rows,
                                "failed": failed}, indent=2))
    print(f"written to {path.relative_to(RESULTS.parent.parent)}")
    slow = [r["singleton"] for r in rows if r["max"] > TAKEOVER_LIMIT]
    if slow or failed:
        raise SystemExit(f"take-over slower than {TAKEOVER_LIMIT:g}s: {', '.join(slow)}; "
                         f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
