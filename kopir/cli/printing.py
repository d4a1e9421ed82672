"""`kopir print`: a child's file as a PDF, made for a named user (what their role may see,
in their language), and logged as their read of the child's record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from domain.errors import KopirError
from kopir.cli.reading import current
from ui.child_file import child_file_pdf
from ui.i18n import LANGUAGES


def register(sub: Any) -> None:
    parser = sub.add_parser("print", help="a child's file (chronology, plan, concerns) as a PDF, "
                                          "as a user may see it; logged as their read")
    parser.add_argument("child_code")
    parser.add_argument("--as", dest="user", required=True,
                        help="the user the file is made for (their role decides what it shows)")
    parser.add_argument("--language", choices=sorted(LANGUAGES), default="en")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the PDF (default: CODE.pdf here)")
    parser.set_defaults(run=print_file)


def print_file(args: argparse.Namespace) -> int:
    out: Path = args.out or Path(f"{args.child_code}.pdf")
    if out.is_dir():
        raise KopirError(f"{out} is a folder: give a file name for the PDF with --out")
    rt = current()
    actor = rt.app.actor_for(args.user)
    pdf = child_file_pdf(rt.staff(), actor, args.child_code, args.language, rt.app.clock.now())
    try:
        out.write_bytes(pdf)
    except OSError as error:
        raise KopirError(f"cannot write the PDF to {out}: {error.strerror or error}") from None
    print(f"Wrote the file of {args.child_code} for {args.user} to {out} "
          f"({len(pdf):,} bytes); the read is logged.")
    return 0
