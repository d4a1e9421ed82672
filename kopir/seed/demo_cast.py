"""Who and where the demo is about: six schools in four regions, and their staff (one
tutor and one psychologist per school, a supervisor per region, a coordinator, an
auditor and an administrator), all with the demo password; and the records a demo
history is planned with (a child's plan, a timed action)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from domain.access import Role
from domain.errors import ConcernStateError

DEMO_PASSWORD = "kopir-demo"
SCHOOLS = [
    ("AST-12", "Astana school No. 12", "Astana"),
    ("AST-45", "Astana gymnasium No. 45", "Astana"),
    ("ALA-05", "Almaty gymnasium No. 5", "Almaty"),
    ("ALA-131", "Almaty school No. 131", "Almaty"),
    ("SHY-41", "Shymkent school No. 41", "Shymkent"),
    ("AKT-03", "Aktobe school No. 3", "Aktobe"),
]
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    display_name: str
    role: Role
    schools: tuple[str, ...]


def demo_users() -> list[DemoUser]:
    users = [DemoUser("admin", "Administrator", Role.ADMIN, ("*",)),
             DemoUser("auditor", "Data-protection auditor", Role.AUDITOR, ("*",)),
             DemoUser("coordinator", "Ministry coordinator", Role.SUPERVISOR, ("*",))]
    for region in sorted({r for _, _, r in SCHOOLS}):
        ids = tuple(s for s, _, r in SCHOOLS if r == region)
        users.append(DemoUser(f"supervisor.{region.lower()}", f"{region} district supervisor",
                              Role.SUPERVISOR, ids))
    for school_id, name, _ in SCHOOLS:
        key = school_id.lower()
        users.append(DemoUser(f"teacher.{key}", f"Class tutor, {name}", Role.TEACHER, (school_id,)))
        users.append(DemoUser(f"psych.{key}", f"Psychologist, {name}", Role.PSYCHOLOGIST,
                              (school_id,)))
    return users


@dataclass(order=True)
class Action:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class Plan:
    code: str
    school: str
    enrol_at: datetime
    birth_year: int
    trajectory: str  # improving | stable | worsening
    end_at: datetime | None = None  # enrolment closed
    transfer: tuple[datetime, str] | None = None


def unless_gone(run: Callable[[], None]) -> None:
    """A supervisor's answer, unless the concern has moved on meanwhile (someone else
    answered it, or it was resolved)."""
    try:
        run()
    except ConcernStateError:
        pass
