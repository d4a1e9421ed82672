"""The command line's parser: argument types that answer in one sentence, and a parser
that raises instead of printing usage and exiting."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import NoReturn

from domain import checks
from domain.access import Actor, Role
from domain.errors import KopirError

# Dates on the command line fall in the records' era (the domain's floor) or soon after.
FLOOR = checks.FLOOR.date()
CEILING = date(2199, 12, 31)

# Reads made from the command line act as this read-only operator.
OPERATOR = Actor("cli-operator", Role.AUDITOR, frozenset({"*"}), "Command-line operator")


class UsageError(Exception):
    """Raised when the command line does not fit the commands' arguments."""


class CheckFailed(KopirError):
    """Raised after a check printed its findings: the one line that says it failed."""


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
    if not FLOOR.year <= when.year <= CEILING.year:
        raise argparse.ArgumentTypeError(
            f"expected a moment between {FLOOR.year} and {CEILING.year}, got {value!r}")
    return when


def day(value: str) -> date:
    try:
        when = date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-05-31, got {value!r}") from None
    if not FLOOR <= when <= CEILING:
        raise argparse.ArgumentTypeError(
            f"expected a date between {FLOOR.year} and {CEILING.year}, got {value!r}")
    return when


def public_key(value: str) -> str:
    """A checkpoint signer's public key: 64 hexadecimal digits."""
    text = value.strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise argparse.ArgumentTypeError(
            f"expected a public key of 64 hexadecimal digits, got {value[:80]!r}")
    return text


def subcommands(parser: argparse.ArgumentParser, dest: str) -> argparse._SubParsersAction:
    return parser.add_subparsers(dest=dest, required=True, parser_class=Parser)
