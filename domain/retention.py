"""Retention: how long a child's personal content is kept, as a pure policy.

The rule (storage limitation): a child's personal content is erased N years after the
later of two moments, the closing of their enrolment and their coming of age (18).
While the enrolment is open nothing is due, whatever the child's age.

- Law of the Republic of Kazakhstan of 21 May 2013 No. 94-V "On personal data and their
  protection": personal data are kept no longer than the purposes of their collection
  and processing need, and are destroyed when those purposes are reached.
- For reference, GDPR Art. 5(1)(e) (storage limitation) and Art. 17 (erasure).

Neither law fixes N: the data controller (the education authority deploying Köpir)
does, in `KOPIR_RETENTION_YEARS` (infrastructure.settings; 5 by default). A child's
record holds the birth year only, so coming of age is read as 1 January of
birth_year + 18: the earliest day the child can be 18, a reading that errs (by under a
year) toward keeping less, as storage limitation asks. The N years run from the later of
that day and the closure: nothing is erased while the enrolment is open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from domain.child import Child

RULE = "retention.v1"
DEFAULT_YEARS = 5
ADULTHOOD = 18


def add_years(moment: datetime, years: int) -> datetime:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def coming_of_age(birth_year: int) -> datetime:
    """1 January of the year the child turns 18: the record holds the birth year only."""
    return datetime(birth_year + ADULTHOOD, 1, 1, tzinfo=timezone.utc)


@dataclass
class Lifetime:
    """What the policy knows of one child's record, from its events."""

    code: str
    birth_year: int
    closed_at: datetime | None = None  # when the enrolment closed (as it happened)
    erased: bool = False


@dataclass(frozen=True)
class Due:
    """A child whose personal content is due for erasure, and why."""

    code: str
    due_at: datetime
    closed_at: datetime
    of_age_at: datetime
    years: int

    @property
    def legal_basis(self) -> str:
        """What PersonalDataErased records: the rule, its dates, and the law it follows."""
        return (f"retention ({RULE}): {self.years} years after the later of the enrolment's "
                f"closing ({self.closed_at.date().isoformat()}) and coming of age "
                f"({self.of_age_at.date().isoformat()}), due {self.due_at.date().isoformat()};"
                " storage limitation, Law of the Republic of Kazakhstan No. 94-V "
                "\"On personal data and their protection\" (cf. GDPR Art. 5(1)(e), 17)")


@dataclass(frozen=True)
class RetentionPolicy:
    years: int = DEFAULT_YEARS

    def due_at(self, life: Lifetime) -> datetime | None:
        """When the child's personal content is due for erasure (None: enrolment open)."""
        if life.closed_at is None:
            return None
        return add_years(max(life.closed_at, coming_of_age(life.birth_year)), self.years)

    def due(self, lives: Iterable[Lifetime], now: datetime) -> list[Due]:
        """The children due for erasure at `now` and not erased yet, the longest due first."""
        found = []
        for life in lives:
            when = self.due_at(life)
            if when is not None and not life.erased and when <= now:
                found.append(Due(life.code, when, life.closed_at or when,
                                 coming_of_age(life.birth_year), self.years))
        return sorted(found, key=lambda d: (d.due_at, d.code))


@dataclass
class Lifetimes:
    """Every child's lifetime, kept from the events that matter to retention."""

    by_id: dict[Any, Lifetime] = field(default_factory=dict)

    def observe(self, event: Any) -> None:
        if isinstance(event, Child.ChildEnrolled):
            self.by_id[event.originator_id] = Lifetime(event.code, event.birth_year)
            return
        life = self.by_id.get(event.originator_id)
        if life is None:
            return
        if isinstance(event, Child.EnrolmentClosed):
            life.closed_at = event.occurred_at
        elif isinstance(event, Child.PersonalDataErased):
            life.erased = True

    def __iter__(self) -> Iterator[Lifetime]:
        return iter(self.by_id.values())
