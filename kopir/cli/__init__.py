"""The `kopir` command: demo data, serving the app, the followers, reading records, the
distributed mode's tools, and the integrity of the log. One module per group of commands.

Bad arguments or refused reads print one line and exit non-zero; never a traceback
(set KOPIR_DEBUG=1 to see one).
"""

from __future__ import annotations

import signal
import sys
from typing import Sequence

from domain.errors import KopirError
from kopir.cli import (
    accounts,
    data,
    distributed,
    importing,
    integrity,
    keys,
    parked,
    plans,
    printing,
    privacy,
    reading,
    running,
    subject,
)
from kopir.cli.parser import Parser, UsageError, subcommands
from kopir.cli.sentences import sentence

GROUPS = (data, importing, running, reading, printing, plans, parked, distributed, integrity,
          accounts, subject, privacy, keys)


def build_parser() -> Parser:
    parser = Parser(prog="kopir", description="Köpir: school integration records.")
    sub = subcommands(parser, "command")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `kopir children | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        args = build_parser().parse_args(argv)
        return int(args.run(args))
    except UsageError as error:
        print(f"kopir: {one_line(str(error))}", file=sys.stderr)
        return 2
    except KopirError as error:
        print(f"kopir: {one_line(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # one line for people; the trace on request
        if _debug():
            raise
        print(f"kopir: {sentence(error)}", file=sys.stderr)
        return 1


def one_line(text: str) -> str:
    return " ".join(text.split()) or "refused"


def _debug() -> bool:
    from infrastructure.settings import settings

    try:
        return settings().debug
    except Exception:  # noqa: BLE001 - a broken configuration is what is being reported
        return False
