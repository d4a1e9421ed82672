"""Commands that fill a store: the demo's school years, and a national dataset."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.errors import KopirError
from domain.rules.quality import Episode
from infrastructure import ledger
from infrastructure.keyring import new_key_file
from infrastructure.settings import Settings, settings
from kopir import bootstrap
from kopir.cli.parser import FLOOR, UsageError, day, positive
from kopir.cli.progress import ProgressBar
from kopir.seed import demo, national
from kopir.seed.demo_episodes import write_truth
from processes import audit


def register(sub: Any) -> None:
    parser = sub.add_parser("demo", help="seed realistic synthetic demo data")
    parser.add_argument("--children", type=positive, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--until", type=day, default=None,
                        help="last day of the demo history (default: today)")
    parser.add_argument("--reset", action="store_true",
                        help="delete an existing SQLite store first")
    parser.add_argument("--if-empty", action="store_true",
                        help="seed only an empty store; keep one that has data")
    parser.set_defaults(run=demo_command)

    parser = sub.add_parser("generate", help="a synthetic national dataset for benchmarks")
    parser.add_argument("--preset", choices=["quick", "national"], default=None,
                        help="quick: 10k children, 500 schools, 1M events; "
                             "national: 100k children, 5,000 schools, 10M events")
    parser.add_argument("--children", type=positive, default=1000)
    parser.add_argument("--schools", type=positive, default=50)
    parser.add_argument("--events", type=positive, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.set_defaults(run=generate_command)


def _has_data(config: Settings) -> bool:
    probe = bootstrap.application(config)
    try:
        return bool(probe.recorder.max_notification_id())
    finally:
        probe.close()


def _require_empty(config: Settings, advice: str) -> None:
    if _has_data(config):
        raise KopirError(f"the store already has data; {advice}")


def _reset_sqlite(*urls: str) -> None:
    for url in urls:
        if not url.startswith("sqlite:///"):
            raise KopirError("--reset only deletes SQLite files; drop PostgreSQL data by hand.")
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def _own_master_key(config: Settings) -> None:
    """The demo encrypts too: without a configured key it makes its own beside the store."""
    if config.master_key():
        return
    new_key_file(config.master_key_file())


def demo_command(args: argparse.Namespace) -> int:
    config = settings()
    today = datetime.now(tz=UTC).date()
    if args.until and args.until > today:
        raise UsageError(f"--until is the demo history's last day; it cannot be after today "
                         f"({today.isoformat()})")
    if args.until and args.until.year < FLOOR.year + 3:
        raise UsageError(f"--until needs three school years after {FLOOR.year} before it")
    if args.reset:
        _reset_sqlite(config.events_url(), config.read_models_url())
        config.ledger_heads_path().unlink(missing_ok=True)  # the heads of the store deleted
        config.truth_path().unlink(missing_ok=True)
    if args.if_empty and not args.reset and _has_data(config):
        print("The store already has data; kept as it is (`RESET=1 make demo` or "
              "`kopir demo --reset` starts over).")
        return 0
    _require_empty(config, "use `kopir demo --reset` to start over (SQLite only)")
    _own_master_key(config)  # only once the store is known to be there, and empty
    labels: list[Episode] = []
    app, actions = demo.seed(
        lambda clk, ids: bootstrap.application(config, clk, ids),
        children=args.children, seed_value=args.seed, until=args.until,
        progress=ProgressBar("recording", unit="days"), labels=labels)
    write_truth(config.truth_path(), labels)  # beside the data, never in the store
    audit.checkpoint(app, bootstrap.signing_key(config, create=True),  # the history, signed
                     ledger.HeadsFile(config.ledger_heads_path()))
    if config.embedded_projections:  # otherwise the consumers project from Kafka
        _, runner = bootstrap.read_models(config, app)
        runner.process_available(progress=ProgressBar("projecting"))
    events = app.recorder.max_notification_id() or 0
    print(f"Seeded {args.children} children in {len(demo.SCHOOLS)} schools: {actions} actions, "
          f"{events} events. Demo users (password {demo.DEMO_PASSWORD!r}): "
          + ", ".join(u.user_id for u in demo.demo_users()))
    return 0


def generate_command(args: argparse.Namespace) -> int:
    config = settings()
    size = national.PRESETS[args.preset] if args.preset else \
        national.Preset(args.children, args.schools, args.events)
    if size.children + size.schools > size.events:
        raise UsageError("--events must be more than the children and schools it enrols")
    _require_empty(config, "generate into an empty store")
    labels: list[Episode] = []
    app = national.generate(
        lambda clk, ids: bootstrap.application(config, clk, ids, **national.generator_env(size)),
        size.children, size.schools, size.events, seed=args.seed,
        progress=ProgressBar("generating"), labels=labels)
    write_truth(config.truth_path(), labels)
    print(f"generated {app.recorder.max_notification_id()} events: {size.children} children "
          f"in {size.schools} schools")
    return 0
