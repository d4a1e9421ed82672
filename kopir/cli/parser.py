"""The command line's parser: argument types that answer in one sentence, and a parser
that raises instead of printing usage and exiting."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import NoReturn

from domain.access import Actor, Role

# Reads made from the command line act as this read-only operator.
OPERATOR = Actor("cli-operator", Role.AUDITOR, frozenset({"*"}), "Command-line operator")


class UsageError(Exception):
    """Raised when the command line does not fit the commands' arguments."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {number}")
    return number


def port(value: str) -> int:
    number = positive(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, got {number}")
    return number


def moment(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date and time like 2025-03-01T12:00:00+05:00, got {value!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.now().astimezone().tzinfo)
    return when


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-05-31, got {value!r}") from None


def subcommands(parser: argparse.ArgumentParser, dest: str) -> argparse._SubParsersAction:
    return parser.add_subparsers(dest=dest, required=True, parser_class=Parser)
