"""`kopir subject-access CODE --as DPO [--out DIR]`: everything Köpir holds about one child,
as JSON and as a printable PDF, for the data-protection officer only; the export is logged
as their read of the child's record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from domain.errors import KopirError
from kopir.cli.reading import current
from processes.subject_access import to_json
from ui.i18n import LANGUAGES
from ui.subject_file import export_of


def register(sub: Any) -> None:
    parser = sub.add_parser("subject-access",
                            help="export everything held about a child (JSON and PDF), "
                                 "for the data-protection officer; logged")
    parser.add_argument("child_code")
    parser.add_argument("--as", dest="user", required=True,
                        help="the data-protection officer's user name (the export is "
                             "logged as their read)")
    parser.add_argument("--out", type=Path, default=Path("."),
                        help="the folder to write CODE-subject-access.json and .pdf to "
                             "(default: here)")
    parser.add_argument("--language", choices=sorted(LANGUAGES), default="en",
                        help="the language of the PDF")
    parser.set_defaults(run=export)


def export(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise KopirError(f"{out} is a file: give a folder for the export with --out")
    rt = current()
    try:
        actor = rt.app.actor_for(args.user)
        data, pdf = export_of(rt.app, rt.view, actor, args.child_code, args.language)
    finally:
        rt.close()
    stem = f"{data['child']['code']}-subject-access"
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{stem}.json").write_text(to_json(data) + "\n", encoding="utf-8")
        (out / f"{stem}.pdf").write_bytes(pdf)
    except OSError as error:
        raise KopirError(f"cannot write the export to {out}: {error.strerror or error}") from None
    held = (f"{len(data['record'])} entries, {len(data['concerns']['signals'])} signals, "
            f"{len(data['access_log'])} reads in the access log")
    if data["erased"]:
        print(f"The personal content of {args.child_code} was erased on "
              f"{data['erased']['at']:%Y-%m-%d}: wrote what is left ({held}; kinds and dates, "
              f"no text) to {out / stem}.json and .pdf; the export is logged.")
    else:
        print(f"Wrote the subject-access export of {args.child_code} ({held}) to "
              f"{out / stem}.json and .pdf; the export is logged.")
    return 0
