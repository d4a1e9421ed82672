"""Names of schools, regions and people in the reader's language: a name given in
kk/ru/en is shown in the UI's language, else in a language the reader would understand
next, else as it was registered, else by its id."""

from __future__ import annotations

from typing import Any, Mapping

from domain.access import Actor
from domain.regions import local_name, region_name
from ui.i18n import current_language


def school(row: Mapping[str, Any], language: str | None = None) -> str:
    """A school row of the read models (school_id, name, names)."""
    return local_name(row.get("names"), language or current_language(), row.get("name") or "",
                      row.get("school_id") or "")


def region(code: str) -> str:
    return region_name(code or "", current_language())


def person(row: Mapping[str, Any], prefix: str = "", language: str | None = None) -> str:
    """A person in a row: `display_name` and `display_names` (with a prefix: the plan's
    `owner_name`/`owner_names`, a measure's `responsible_name`/`responsible_names`)."""
    if prefix:
        names, name = row.get(f"{prefix}_names"), row.get(f"{prefix}_name")
        identifier = row.get(prefix) or ""
    else:
        names, name = row.get("display_names"), row.get("display_name")
        identifier = row.get("user_id") or ""
    return local_name(names, language or current_language(), name or "", identifier)


def actor(who: Actor, language: str | None = None) -> str:
    """The signed-in person's own name."""
    return local_name(dict(who.display_names), language or current_language(), who.display_name,
                      who.user_id)


def staff(reader: Any) -> dict[str, str]:
    """Every person's name by user id, in the reader's language (a query object with
    `staff_names` and `staff_names_by_language`)."""
    language = current_language()
    by_language = reader.staff_names_by_language()
    return {user: local_name(by_language.get(user), language, name, user)
            for user, name in reader.staff_names().items()}
