"""`kopir accounts`: an administrator's work on accounts from the command line: add one,
disable or enable it, reset its password to a one-time password (printed once), change
its role and schools. Each is an event in the store, as from the admin page; each
answers in one sentence."""

from __future__ import annotations

import argparse
import secrets
from typing import Any

from domain.access import Actor, Role
from domain.application import SYSTEM, SchoolIntegration
from domain.errors import NotAuthorised
from kopir import bootstrap
from kopir.cli.parser import subcommands

ROLES = [role.value for role in Role]


def schools(value: str) -> list[str]:
    """Schools as a comma-separated list: `AST-12,AST-45`, or `*` for every school."""
    return [s.strip() for s in value.split(",") if s.strip()]


def register(sub: Any) -> None:
    group = subcommands(sub.add_parser("accounts", help="add, disable, enable, reset or "
                                                        "change the role of an account"),
                        "accounts_command")
    parser = group.add_parser("add", help="a new account, with a one-time password to "
                                          "change at the first sign-in")
    parser.add_argument("user")
    parser.add_argument("--name", required=True, help="the person's name as staff know it")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--schools", required=True, type=schools,
                        help="comma-separated school ids, or * for every school")
    _by(parser)
    parser.set_defaults(run=add)
    for name, run, what in (("disable", disable, "the account can no longer sign in"),
                            ("enable", enable, "the account can sign in again"),
                            ("reset", reset, "a one-time password, to change at the next "
                                             "sign-in")):
        parser = group.add_parser(name, help=what)
        parser.add_argument("user")
        _by(parser)
        parser.set_defaults(run=run)
    parser = group.add_parser("set-role", help="a new role and schools, from the next sign-in")
    parser.add_argument("user")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--schools", required=True, type=schools,
                        help="comma-separated school ids, or * for every school")
    _by(parser)
    parser.set_defaults(run=set_role)


def _by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", default=None, metavar="ADMIN",
                        help="the administrator's own account, recorded as the author "
                             "(default: the set-up operator)")


def _administrator(app: SchoolIntegration, user: str | None) -> Actor:
    """Who the events name as their author: an active administrator's account, or the
    operator who set Köpir up."""
    if user is None:
        return SYSTEM
    actor = app.actor_for(user)
    if actor.role != Role.ADMIN:
        raise NotAuthorised(code="denied.administer")
    return actor


def _run(args: argparse.Namespace, work: Any) -> int:
    app = bootstrap.application()
    try:
        print(work(app, _administrator(app, args.by)))
    finally:
        app.close()
    return 0


def add(args: argparse.Namespace) -> int:
    def work(app: SchoolIntegration, admin: Actor) -> str:
        # A random password nobody sees, replaced at once by a one-time password.
        app.register_account(admin, args.user, args.name, args.role, args.schools,
                             secrets.token_urlsafe(24))
        one_time = app.reset_password(admin, args.user)
        return (f"Account {args.user} added ({args.role}, schools {', '.join(args.schools)}): "
                f"the one-time password is {one_time} and must be changed at the first "
                f"sign-in.")
    return _run(args, work)


def disable(args: argparse.Namespace) -> int:
    def work(app: SchoolIntegration, admin: Actor) -> str:
        app.disable_account(admin, args.user)
        return f"Account {args.user} is disabled: it can no longer sign in."
    return _run(args, work)


def enable(args: argparse.Namespace) -> int:
    def work(app: SchoolIntegration, admin: Actor) -> str:
        app.enable_account(admin, args.user)
        return f"Account {args.user} is enabled: it can sign in again."
    return _run(args, work)


def reset(args: argparse.Namespace) -> int:
    def work(app: SchoolIntegration, admin: Actor) -> str:
        one_time = app.reset_password(admin, args.user)
        return (f"The one-time password of {args.user} is {one_time}: it is shown only "
                f"now, and must be changed at the next sign-in.")
    return _run(args, work)


def set_role(args: argparse.Namespace) -> int:
    def work(app: SchoolIntegration, admin: Actor) -> str:
        app.change_role(admin, args.user, args.role, args.schools)
        return (f"Account {args.user} is now {args.role} of {', '.join(args.schools)}, from "
                f"the next sign-in.")
    return _run(args, work)
