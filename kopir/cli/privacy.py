"""Privacy over the child's whole life in the system: erasure requests decided by a second
person (`kopir erasure request|approve|reject|list`), and retention on a schedule
(`kopir retention run [--dry-run] [--every SECONDS]`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from domain.errors import MissingMasterKey
from kopir import bootstrap
from kopir.cli.parser import positive, subcommands
from kopir.cli.reading import print_json
from kopir.cli.running import follow
from processes.retention import Outcome, run_once


def register(sub: Any) -> None:
    erasure = subcommands(sub.add_parser(
        "erasure", help="erase a child's personal data on a lawful request, by four eyes: "
                        "an administrator asks, a data-protection officer (or a second "
                        "administrator) approves or rejects"), "erasure_command")
    parser = erasure.add_parser("request", help="ask for a child's personal data to be erased")
    parser.add_argument("child_code")
    parser.add_argument("--reason", required=True, help="the lawful request it answers")
    as_user(parser, "the administrator asking")
    parser.set_defaults(run=request)
    for name, does in (("approve", "approve a request and erase the child's data now"),
                       ("reject", "reject a request: nothing is erased")):
        parser = erasure.add_parser(name, help=does)
        parser.add_argument("request_id")
        parser.add_argument("--note", required=True, help="the reason for the decision")
        as_user(parser, "the data-protection officer or another administrator deciding")
        parser.set_defaults(run=approve if name == "approve" else reject)
    parser = erasure.add_parser("list", help="pending requests, then decisions")
    as_user(parser, "an administrator or the data-protection officer")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=list_requests)

    retention = subcommands(sub.add_parser(
        "retention", help="erase the children whose retention period has run out "
                          "(KOPIR_RETENTION_YEARS after the later of the enrolment's closing "
                          "and coming of age)"), "retention_command")
    parser = retention.add_parser("run", help="erase (or list) the children due now")
    parser.add_argument("--dry-run", action="store_true", help="list them; erase nothing")
    parser.add_argument("--every", type=positive, default=None, metavar="SECONDS",
                        help="keep running, erasing what is due this often (the distributed "
                             "mode's singleton; one active at a time)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=retention_run)


def as_user(parser: argparse.ArgumentParser, who: str) -> None:
    parser.add_argument("--as", dest="user", required=True,
                        help=f"the user name of {who} (recorded with it)")


def request(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    request_id = rt.app.request_erasure(rt.app.actor_for(args.user), args.child_code,
                                        args.reason)
    print(f"asked for the personal data of {args.child_code} to be erased: request "
          f"{request_id}. A data-protection officer or another administrator decides it: "
          f"kopir erasure approve|reject {request_id} --note … --as USER")
    return 0


def approve(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    actor = rt.app.actor_for(args.user)
    code = next((r["child_code"] for r in rt.app.erasure_requests(actor)
                 if r["request_id"] == args.request_id), args.request_id)
    destroyed = rt.approve_erasure(actor, args.request_id, args.note)
    print(f"approved request {args.request_id}: erased the personal data of {code}, "
          f"{destroyed} keys destroyed; the events remain, their personal content is "
          "unreadable")
    return 0


def reject(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    rt.app.reject_erasure(rt.app.actor_for(args.user), args.request_id, args.note)
    print(f"rejected request {args.request_id}: nothing was erased")
    return 0


def list_requests(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    rows = rt.app.erasure_requests(rt.app.actor_for(args.user))
    if args.json:
        print_json(rows)
    elif not rows:
        print("No erasure requests.")
    for r in [] if args.json else rows:
        decided = "" if r["status"] == "pending" else \
            f" by {r['decided_by']} on {r['decided_at']:%Y-%m-%d}: {r['note']}"
        print(f"{r['request_id']}  {r['child_code']:12} {r['status']:8} asked by "
              f"{r['requested_by']} on {r['requested_at']:%Y-%m-%d}: {r['reason']}{decided}")
    return 0


def retention_run(args: argparse.Namespace) -> int:
    rt = bootstrap.build()
    if args.every is not None:
        if args.dry_run:
            print("kopir: --dry-run lists once; it does not go with --every", file=sys.stderr)
            return 2
        if not getattr(rt.app.mapper, "encrypts", False):
            raise MissingMasterKey()
        follower = rt.make_retention(every=args.every)
        years = rt.config.retention_years
        return follow(follower, f"retention from position {{position}}: erasing {years} years "
                                f"after closing or coming of age, every {args.every} s")
    outcomes = run_once(rt.make_retention(), args.dry_run)
    if args.json:
        print_json([{"child_code": o.due.code, "due_at": o.due.due_at, "erased": o.erased,
                     "keys": o.keys, "refused": o.refused, "legal_basis": o.due.legal_basis}
                    for o in outcomes])
        return 0 if all(o.erased or args.dry_run for o in outcomes) else 1
    for o in outcomes:
        print(f"{o.due.code:12} due {o.due.due_at:%Y-%m-%d}  {said(o, args.dry_run)}")
    print(summary(outcomes, args.dry_run, rt.config.retention_years))
    return 0 if all(o.erased or args.dry_run for o in outcomes) else 1


def said(outcome: Outcome, dry_run: bool) -> str:
    if dry_run:
        return "would be erased"
    if outcome.erased:
        return f"erased ({outcome.keys} keys destroyed)"
    return f"not erased: {outcome.refused}"


def summary(outcomes: list[Outcome], dry_run: bool, years: int) -> str:
    rule = f"{years} years after the later of the enrolment's closing and coming of age"
    if not outcomes:
        return f"No child is due for erasure ({rule})."
    if dry_run:
        return f"{len(outcomes)} children due for erasure ({rule}); dry run: nothing erased."
    erased = sum(o.erased for o in outcomes)
    return f"erased the personal data of {erased} of {len(outcomes)} children due ({rule})."
