"""Commands that read: children and a child's chronology (as an operator, logged like any
read), the read models rebuilt and compared, and rules files checked or back-tested."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from domain.errors import KopirError
from domain.rules.loader import load_rules
from kopir import bootstrap
from kopir.cli.parser import OPERATOR, CheckFailed, UsageError, moment, subcommands
from kopir.cli.progress import ProgressBar
from processes.backtest import backtest
from processes.evaluation import evaluate_rules, read_truth
from processes.rebuild import rebuild, report_json


def register(sub: Any) -> None:
    parser = sub.add_parser("rebuild", help="drop the read models and replay the log")
    parser.add_argument("--verify", action="store_true",
                        help="exit non-zero if the rebuilt models differ from the old ones")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=rebuild_command)

    parser = sub.add_parser("children", help="list child codes with school and state")
    parser.add_argument("--school", default=None)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=children)

    parser = sub.add_parser("concerns", help="open concerns: level, signals, deadline, "
                                             "assignee, most urgent first")
    parser.add_argument("--school", default=None)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=concerns)

    parser = sub.add_parser("chronology", help="a child's chronology")
    parser.add_argument("child_code")
    parser.add_argument("--as-of", type=moment, default=None,
                        help="the record as it stood then (only what had been recorded by then)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=chronology)

    rules = subcommands(sub.add_parser("rules", help="escalation rules: check a file, "
                                                     "back-test it"), "rules_command")
    parser = rules.add_parser("check", help="load a rules file and report what is wrong")
    parser.add_argument("rules_file")
    parser.set_defaults(run=rules_check)
    parser = rules.add_parser("backtest", help="what a rules file would have raised; "
                                               "writes nothing")
    parser.add_argument("rules_file")
    parser.add_argument("--from", dest="start", type=moment, default=None)
    parser.add_argument("--to", dest="end", type=moment, default=None)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=rules_backtest)
    parser = rules.add_parser("evaluate", help="how well a rules file finds labelled episodes, "
                                               "and the load it puts on people; writes nothing")
    parser.add_argument("rules_file", nargs="?", default=None,
                        help="default: the shipped rules")
    parser.add_argument("--truth", type=Path, default=None,
                        help="labelled episodes, one JSON line each (default: the file "
                             "`kopir demo` writes beside the store)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=rules_evaluate)


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def current() -> bootstrap.Runtime:
    """The runtime with the read models brought up to the log (as they are, for a store
    opened read-only)."""
    rt = bootstrap.build()
    if not rt.config.store_read_only():
        rt.runner.catch_up()  # here, or by a projection driver running beside
    return rt


def rebuild_command(args: argparse.Namespace) -> int:
    report = rebuild(bootstrap.build().runner, progress=ProgressBar("rebuilding"),
                     waiting=lambda: print("waiting for the running projection driver to "
                                           "pause…", file=sys.stderr, flush=True))
    if args.json:
        print(report_json(report))
    else:
        state = "identical to" if report.identical else "DIFFERENT from"
        print(f"Rebuilt {report.events} events in {report.seconds:.2f}s "
              f"({report.rate:,.0f} events/s); the read models are {state} the previous ones.")
        for table, lines in report.differences.items():
            for line in lines:
                print(f"  {table}: {line}")
    if args.verify and not report.identical:
        raise CheckFailed("the rebuilt read models differ from the previous ones, as listed "
                          "above")
    return 0


def children(args: argparse.Namespace) -> int:
    staff = current().staff()
    rows = staff.children(OPERATOR, school_id=args.school)
    if args.school is not None and not rows:
        known = {r["school_id"] for r in staff.children(OPERATOR)}
        if args.school not in known:
            raise KopirError(f"no children in school {args.school!r}"
                             + (f"; schools with children: {', '.join(sorted(known))}"
                                if known else ""))
    if args.json:
        print_json([{"code": r["code"], "school_id": r["school_id"], "status": r["status"],
                     "grade": r["grade"], "age_band": r["age_band"],
                     "open_escalations": r["open_escalations"]} for r in rows])
        return 0
    print(f"{'code':10} {'school':8} {'state':7} {'grade':>5} {'age':>6} {'open escalations':>16}")
    for r in rows:
        print(f"{r['code']:10} {r['school_id']:8} {r['status']:7} {r['grade']:>5} "
              f"{r['age_band']:>6} {r['open_escalations']:>16}")
    return 0


def concerns(args: argparse.Namespace) -> int:
    rt = current()
    if args.school is not None and not rt.app.is_school(args.school):
        raise KopirError(f"there is no school {args.school!r}")
    rows = rt.oversight().open_concerns(OPERATOR, school=args.school)
    found = [{"code": r["child_code"], "school_id": r["school_id"], "level": r["level"],
              "status": r["status"], "signals": r["signal_count"],
              "open_signals": r["open_signals"], "acknowledge_by": r["acknowledge_by"],
              "assignee": r["assignee"] or "", "episode": r["episode"]} for r in rows]
    if args.json:
        print_json(found)
        return 0
    if not found:
        print("No open concerns" + (f" in {args.school}." if args.school else "."))
        return 0
    print(f"{'code':10} {'school':8} {'level':6} {'status':12} {'signals':>7} "
          f"{'acknowledge by':16} assignee")
    for r in found:
        deadline = f"{r['acknowledge_by']:%Y-%m-%d %H:%M}" if r["acknowledge_by"] else ""
        print(f"{r['code']:10} {r['school_id']:8} {r['level']:6} {r['status']:12} "
              f"{r['signals']:>7} {deadline:16} {r['assignee']}")
    return 0


def chronology(args: argparse.Namespace) -> int:
    rows = current().staff().chronology(OPERATOR, args.child_code, as_of=args.as_of)
    if args.json:
        print_json(rows)
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


def rules_check(args: argparse.Namespace) -> int:
    rules = load_rules(args.rules_file)
    print(f"{args.rules_file}: {len(rules.rules)} rules: "
          + ", ".join(f"{r.id} v{r.version} ({r.level})" for r in rules))
    return 0


def rules_backtest(args: argparse.Namespace) -> int:
    if args.start and args.end and args.start > args.end:
        raise UsageError("--from is after --to: give the earlier moment first")
    rules = load_rules(args.rules_file)
    rt = current()
    report = backtest(rt.app, rt.view, rules, args.start, args.end)
    if args.json:
        print_json(report)
        return 0
    print(f"Back-test of {args.rules_file} over {report['events']} events "
          f"({report['from'] or 'the beginning'} to {report['to'] or 'now'}); nothing was written.")
    print(f"{'rule':28} {'school':8} {'would raise':>11} {'live':>6} {'difference':>10}")
    for row in report["rows"]:
        print(f"{row['rule_id']:28} {row['school_id']:8} {row['would_raise']:>11} "
              f"{row['live']:>6} {row['would_raise'] - row['live']:>+10}")
    grouped = report["concerns"]
    print(f"As concerns: these signals would open {grouped['would_open']} (each taken as "
          "resolved after two quiet weeks, as `kopir rules evaluate` counts them); "
          f"{grouped['live']} were opened live in the period.")
    return 0


def rules_evaluate(args: argparse.Namespace) -> int:
    rules = load_rules(args.rules_file) if args.rules_file else load_rules()
    rt = current()
    truth = read_truth(args.truth or rt.config.truth_path())
    report = evaluate_rules(rt.app, rt.view, rules, truth)
    if args.json:
        print_json(report)
        return 0
    load = report["load"]
    print(f"Rules {args.rules_file or 'shipped'} over {report['events']} events: "
          f"{load['children']} children, {load['child_terms']} child-terms, {load['weeks']} "
          f"weeks of term time, {load['episodes']} labelled episodes; nothing was written.")
    print(f"{'rule':34} {'signals':>7} {'precision':>9} {'in time':>7} {'recall':>6} "
          f"{'median h':>8}")
    for row in [*report["rules"], report["overall"]]:
        name = report["titles"].get(row["rule_id"], "all rules together")
        print(f"{name[:34]:34} {row['signals']:>7} {_share(row['precision']):>9} "
              f"{row['episodes_in_time']:>7} {_share(row['recall']):>6} "
              f"{_number(row['median_hours_to_detection']):>8}")
    for way in ("escalations", "concerns"):
        shown = load[way]
        print(f"as {way}: {shown['items']} items, {_number(shown['per_child_per_term'])} per "
              f"child per term, {_number(shown['items_per_supervisor_per_week'])} per "
              f"supervisor per week (busiest {_number(shown['busiest_supervisor_per_week'])})"
              + (f"; {shown['opened']} concerns opened, {_number(shown['new_per_child_per_term'])}"
                 f" new per child per term, {_number(shown['signals_per_concern'])} signals "
                 "each" if way == "concerns" else ""))
    return 0


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
