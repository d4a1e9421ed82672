"""`kopir plan CODE`: a child's support plan (goals, measures, reviews, approvals, the
family's consents), as it stands or as it stood; `kopir work USER`: a person's week."""

from __future__ import annotations

import argparse
from typing import Any

from domain.errors import KopirError
from kopir.cli.parser import OPERATOR, moment
from kopir.cli.reading import current, print_json


def register(sub: Any) -> None:
    parser = sub.add_parser("plan", help="a child's support plan: goals, measures, reviews, "
                                         "approvals and consents")
    parser.add_argument("child_code")
    parser.add_argument("--as-of", type=moment, default=None,
                        help="the plan as it stood then (only what had been recorded by then)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=plan)

    parser = sub.add_parser("work", help="a person's week: what is overdue, due this week "
                                         "and later")
    parser.add_argument("user")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=work)


def plan(args: argparse.Namespace) -> int:
    found = current().staff().plan(OPERATOR, args.child_code, as_of=args.as_of)
    if args.json:
        print_json(found)
        return 0
    if not found["status"]:
        print(f"{args.child_code} has no support plan.")
        return 0
    closing = f", closure proposed ({found['closing']})" if found["closing"] else ""
    print(f"Support plan of {args.child_code}: {found['status']}{closing}; drafted by "
          f"{found['owner_name']}; next review {found['review_on']}")
    latest = found["reviews"][-1]["outcomes"] if found["reviews"] else {}
    for goal in found["goals"]:
        print(f"  goal  {goal['area']:18} {latest.get(goal['goal_id'], '-'):7} {goal['target']}")
    for m in found["measures"]:
        print(f"  measure {m['measure_type']:27} {m['status']:12} review {m['review_on']}  "
              f"{m['responsible_name']}")
    for review in found["reviews"]:
        ties = review["evidence"].get("positive_ties", 0)
        print(f"  review {review['at']:%Y-%m-%d} by {review['by']}: "
              + ", ".join(f"{o}" for o in review["outcomes"].values())
              + f"; positive ties since the last: {ties}")
    for purpose, consent in found["consents"].items():
        print(f"  consent {purpose}: {'given' if consent['given'] else 'not given'} by "
              f"{consent['given_by']}")
    return 0


def work(args: argparse.Namespace) -> int:
    rt = current()
    actor = rt.app.actor_for(args.user)
    if not actor.school_ids:
        raise KopirError(f"{args.user} works with no school")
    sections = rt.staff().my_work(actor)
    if args.json:
        print_json(sections)
        return 0
    for name, title in (("overdue", "Overdue"), ("this_week", "Due this week"),
                        ("later", "Later")):
        print(f"{title}: {len(sections[name])}")
        for item in sections[name]:
            print(f"  {item['due']:%Y-%m-%d %H:%M}  {item['code']:10} {item['kind']}")
    return 0
