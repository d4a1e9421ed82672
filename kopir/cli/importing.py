"""`kopir import FILE --as USER`: form submissions from a CSV or JSON Lines file, recorded
as that user; each rejected row named with its line and what is wrong with it."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kopir import bootstrap
from kopir.cli.parser import CheckFailed
from kopir.cli.progress import ProgressBar
from processes.importing import import_rows, read_rows


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "import", help="record form submissions from a .csv or .jsonl file as a user "
                       "(each row: row_id, form, child_code and the form's fields)")
    parser.add_argument("file", type=Path)
    parser.add_argument("--as", dest="user", required=True,
                        help="the user the rows are recorded as (their role and school apply)")
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    parser.set_defaults(run=import_command)


def import_command(args: argparse.Namespace) -> int:
    rows = list(read_rows(args.file))  # the whole file is read before anything is recorded
    rt = bootstrap.build()
    actor = rt.app.actor_for(args.user)
    bar = ProgressBar("importing")
    report = import_rows(rt.app, actor, iter(rows), lambda done: bar(done, len(rows)))
    if args.json:
        print(json.dumps({**asdict(report), "file": str(args.file)}, ensure_ascii=False))
    else:
        for rejected in report.rejected:
            row = f" (row {rejected.row_id})" if rejected.row_id else ""
            print(f"line {rejected.line}{row}: " + " ".join(rejected.reasons))
        print(report.summary(args.file))
    if rt.config.embedded_projections:
        rt.runner.catch_up()  # the read models show the rows (here, or by a driver beside)
    if report.rejected:
        raise CheckFailed(f"{len(report.rejected)} of {report.rows} rows were rejected and "
                          "nothing of them was recorded; they are listed above")
    return 0
