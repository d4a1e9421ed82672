"""Commands for the log's integrity and for erasure: signing keys and checkpoints, verifying
the hash chain (in the store or in an export), and asking for a child's personal data to be
erased (decided by a second person: `kopir.cli.privacy`)."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from infrastructure import ledger
from infrastructure.settings import settings
from kopir import bootstrap
from kopir.cli import privacy
from kopir.cli.parser import OPERATOR, CheckFailed, public_key, subcommands
from kopir.cli.progress import ProgressBar
from kopir.cli.reading import current
from processes import audit


def register(sub: Any) -> None:
    parser = sub.add_parser("erase", help="ask for a child's personal data to be erased: the "
                                          "same as `kopir erasure request`; a second person "
                                          "approves it (four eyes)")
    parser.add_argument("child_code")
    parser.add_argument("--reason", required=True, help="the lawful request it answers")
    parser.add_argument("--as", dest="user", required=True,
                        help="the administrator's user name (recorded with the request)")
    parser.set_defaults(run=erase)

    keys = sub.add_parser("ledger", help="the signed hash chain over the log")
    keys_sub = subcommands(keys, "ledger_command")
    keys_sub.add_parser("keygen", help="create the checkpoint signing key file"
                        ).set_defaults(run=keygen)
    keys_sub.add_parser("checkpoint", help="sign the chain's head now and store it"
                        ).set_defaults(run=checkpoint)

    parser = sub.add_parser("verify-log", help="verify the hash chain against its signed "
                                               "checkpoints (the store, or an export)")
    parser.add_argument("--file", type=Path, default=None,
                        help="verify this export offline instead of the store")
    parser.add_argument("--export", type=Path, default=None,
                        help="sign a checkpoint, then write an export an auditor verifies "
                             "offline")
    parser.add_argument("--trust", nargs="*", default=[], metavar="PUBLIC_KEY", type=public_key,
                        help="accept only checkpoints signed by these keys (hex), instead of "
                             "the configured ones (KOPIR_LEDGER_TRUSTED_KEYS, the signing key)")
    parser.add_argument("--expect-head", nargs="*", default=[], metavar="POSITION:HEAD",
                        dest="expect_head",
                        help="heads an auditor kept: each must be in the log, so a log rolled "
                             "back past them does not verify")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=verify_log)

    parser = sub.add_parser("integrity", help="check a child's stored record (or every "
                                              "child's): readable, in order, and equal to "
                                              "its read model")
    parser.add_argument("child_code", nargs="?", default=None)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=integrity)


def keygen(args: argparse.Namespace) -> int:
    key = bootstrap.signing_key(create=True)
    print(f"checkpoint key {ledger.key_id(ledger.public_key_hex(key))} "
          f"(public key {ledger.public_key_hex(key)})")
    return 0


def checkpoint(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    signed = audit.checkpoint(rt.app, bootstrap.signing_key(), rt.heads())
    print(f"checkpoint at event {signed.position}: {signed.count} events, "
          f"head {signed.head[:16]}…, key {ledger.key_id(signed.public_key)}")
    return 0


def erase(args: argparse.Namespace) -> int:
    """No one erases alone: this files the request a second person decides."""
    return privacy.request(args)


def verify_log(args: argparse.Namespace) -> int:
    expected = [ledger.expected_head(text) for text in args.expect_head]
    config = settings()
    trusted = tuple(args.trust) or \
        bootstrap.trusted_keys(config, bootstrap.signing_key_if_any(config))
    if args.file is not None:  # offline: no store is opened
        checkpoints, rows = ledger.read_export(args.file)
        verdict = ledger.verify(rows, checkpoints, trusted)
        missing = ledger.missing_heads(checkpoints, expected)
        verdict.ok, verdict.problems = verdict.ok and not missing, verdict.problems + missing
    else:
        rt = bootstrap.build(config)
        total = rt.app.recorder.max_notification_id() or 0
        bar = ProgressBar("verifying")
        verdict = audit.verify(rt.app, trusted, lambda n: bar(n, total), rt.heads(), expected)
        if args.export is not None and verdict.ok:
            audit.checkpoint(rt.app, bootstrap.signing_key(), rt.heads())
            written = audit.export(rt.app, args.export)
            print(f"exported {written} events and their checkpoints to {args.export}")
    if args.json:
        print(json.dumps(dataclasses.asdict(verdict)))
    else:
        print(verdict.summary())
    if not verdict.ok:
        raise CheckFailed(f"the log did not verify: {len(verdict.problems)} "
                          f"problem{'s' if len(verdict.problems) != 1 else ''}, listed above")
    return 0


def integrity(args: argparse.Namespace) -> int:
    rt = current()
    codes = [args.child_code] if args.child_code else \
        [row["code"] for row in rt.staff().children(OPERATOR)]
    bar = ProgressBar("checking")
    reports = {}
    for done, code in enumerate(codes, 1):
        reports[code] = rt.audit().integrity(OPERATOR, code)
        bar(done, len(codes))
    failed = sorted(code for code, report in reports.items() if not report["ok"])
    if args.json:
        print(json.dumps(reports, default=str))
    else:
        for code in failed:
            print(f"{code}: " + "; ".join(reports[code]["problems"]))
        events = sum(report["events"] for report in reports.values())
        print(f"{len(codes) - len(failed)} of {len(codes)} records intact "
              f"({events} events checked)" + (f"; {len(failed)} with problems" if failed else ""))
    if failed:
        raise CheckFailed(f"{len(failed)} of {len(codes)} records failed the integrity check: "
                          + ", ".join(failed[:10]) + (" …" if len(failed) > 10 else ""))
    return 0
