"""Form submissions written as rows of a file (`kopir import`): a school moving a history
kept on paper, or a scenario for a test. Each row names its form and carries that form's
fields as text (a CSV cell) or as JSON values (a JSON Lines object); it becomes the very
payload the form on screen would give, so the same checks and messages apply.

Every row has a `row_id`: the submission id is derived from it, so importing a file twice
records each row once. A correction names the row it corrects in `entry` (or that
entry's id)."""

from __future__ import annotations

import json
import typing
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime, tzinfo
from typing import Any, Callable, Mapping
from uuid import UUID, uuid5

from domain import checks, clock
from domain.commands import (
    Concern,
    ConflictReport,
    Correction,
    CounsellingSession,
    Enrolment,
    Participant,
    Payload,
    PeerIncidentReport,
    Wellbeing,
)
from domain.errors import Problems
from domain.plan_forms import Consent, FamilyContact, Goal, Measure, PlanDraft, Review
from domain.vocabulary import INDICATORS

NAMESPACE = UUID("6f1c2a9e-4b53-5d3e-9a8f-1c0b7e2d4a61")  # of imported submissions
FORMS: dict[str, type[Payload]] = {
    "enrolment": Enrolment, "conflict": ConflictReport, "peer_incident": PeerIncidentReport,
    "session": CounsellingSession, "concern": Concern, "amendment": Correction,
    "retraction": Correction, "family_contact": FamilyContact, "consent": Consent,
    "plan": PlanDraft, "measure": Measure, "review": Review}
ROW = frozenset({"row_id", "form", "child_code"})
CORRECTION = frozenset({"entry", "reason", "changes"})


@dataclass(frozen=True)
class Submission:
    line: int
    row_id: str
    form: str
    child_code: str
    payload: Payload

    @property
    def entry_id(self) -> str:
        return submission_id(self.row_id)


def submission_id(row_id: str) -> str:
    """The submission id of an imported row: the same row, the same id, every time."""
    return str(uuid5(NAMESPACE, row_id))


def entry_reference(value: str) -> str:
    """The entry a correction names: an entry id as it is, or the row that recorded it."""
    try:
        return str(UUID(value))
    except ValueError:
        return submission_id(value)


def _types() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for payload in FORMS.values():
        found.update(typing.get_type_hints(payload))
    return found


TYPES = _types()


def parse(values: Mapping[str, Any], line: int, zone: tzinfo) -> Submission:
    """A row as a submission; raises InvalidEntry with every problem of the row."""
    p = Problems()
    given = {k.strip(): v for k, v in values.items() if isinstance(k, str) and not _empty(v)}
    row_id, form = _text(given.get("row_id")), _text(given.get("form"))
    checks.text(p, "row_id", row_id, required=True, limit=64)
    if form not in FORMS:
        p.add("form", "choice.unknown", allowed=", ".join(FORMS))
        p.raise_if_any()
    payload_type = FORMS[form]
    code = _text(given.get("child_code"))
    checks.child_code(p, "child_code", code)
    known = {f.name for f in fields(payload_type)}
    if "wellbeing" in known:  # a score each, or all four as one object
        known |= set(INDICATORS)
    if payload_type is Correction:
        known = set(CORRECTION) - ({"changes"} if form == "retraction" else set())
        known |= {k for k in given if k.startswith("change.") and form == "amendment"}
    for name in sorted(set(given) - known - ROW):
        p.add(name, "import.unknown_field", form=form)
    content = {k: v for k, v in given.items() if k in known}
    if payload_type is Correction:
        payload: Any = _correction(p, content, form, zone)
    else:
        payload = _payload(p, payload_type, {**content, "child_code": code}, zone)
    p.raise_if_any()
    return Submission(line, row_id, form, code, payload)


def _payload(p: Problems, payload_type: type[Payload], content: dict[str, Any],
             zone: tzinfo) -> Any:
    hints = typing.get_type_hints(payload_type)
    arguments: dict[str, Any] = {}
    for f in fields(payload_type):
        if f.name == "wellbeing":
            value = _wellbeing(p, content, zone)
            if value is not None:
                arguments["wellbeing"] = value
        elif f.name in content:
            arguments[f.name] = _convert(p, f.name, hints[f.name], content[f.name], zone)
    missing = [f.name for f in fields(payload_type) if f.name not in arguments
               and f.default is MISSING and f.default_factory is MISSING]
    for name in missing:
        p.add(name, "import.missing")
    unreadable = {item.field for item in p.items}
    if unreadable & set(INDICATORS):
        unreadable.add("wellbeing")  # said score by score already
    payload = payload_type(**arguments, **dict.fromkeys(missing))
    # The form's own checks, for everything that could be read: all problems at once.
    subject = {"subject": content["child_code"]} if "subject" in typing.get_type_hints(
        payload_type.problems) else {}
    for item in payload.problems(clock.now(), **subject).items:  # type: ignore[call-arg]
        if item.field not in unreadable:
            p.items.append(item)
    return payload


def _correction(p: Problems, content: dict[str, Any], form: str, zone: tzinfo) -> Any:
    entry, reason = _text(content.get("entry")), content.get("reason")
    if not entry:
        p.add("entry", "import.missing")
    changes = _object(content.get("changes", {}))
    if not isinstance(changes, dict):
        p.add("changes", "amendment.format")
        changes = {}
    changes = {**changes, **{k.removeprefix("change."): v for k, v in content.items()
                              if k.startswith("change.")}}
    if form == "amendment" and not changes:
        p.add("changes", "amendment.empty")
    converted = {name: _convert(p, f"change.{name}", TYPES.get(name, str), value, zone)
                 for name, value in changes.items()}
    return Correction(entry_reference(entry) if entry else "", reason if isinstance(
        reason, str) else "", converted)


def _convert(p: Problems, name: str, kind: Any, value: Any, zone: tzinfo) -> Any:
    """A cell's text (or a JSON value) as the form's field type; the value as it is when
    it does not convert, with a problem saying what was expected."""
    optional = type(None) in typing.get_args(kind)
    if optional:
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    converter = BY_NAME.get(name.removeprefix("change.")) or CONVERTERS.get(kind)
    if converter is None:
        return value if not isinstance(value, str) else value.strip()
    try:
        return converter(value, zone)
    except (ValueError, TypeError, AttributeError):
        p.add(name, CONVERSION_PROBLEMS.get(kind) or CONVERSION_PROBLEMS.get(
            name.removeprefix("change."), "import.value"))
        return value


def _int(value: Any, _: tzinfo) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    return int(str(value).strip())


def _bool(value: Any, _: tzinfo) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("yes", "true", "1", "да", "иә"):
        return True
    if text in ("no", "false", "0", "нет", "жоқ"):
        return False
    raise ValueError(value)


def _moment(value: Any, zone: tzinfo) -> datetime:
    when = datetime.fromisoformat(str(value).strip())
    return when if when.tzinfo is not None else when.replace(tzinfo=zone)


def _day(value: Any, _: tzinfo) -> date:
    return date.fromisoformat(str(value).strip())


def _strings(value: Any, _: tzinfo) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value)
    return tuple(v.strip() for v in str(value).replace(",", ";").split(";") if v.strip())


def _pairs(value: Any) -> list[tuple[str, str]]:
    """`key: text; key: text` (a CSV cell), or a JSON object or list of pairs."""
    if isinstance(value, dict):
        return [(str(k).strip(), str(v).strip()) for k, v in value.items()]
    if isinstance(value, list):
        return [(str(v["area"]).strip(), str(v["target"]).strip()) for v in value]
    found = [tuple(x.strip() for x in part.split(":", 1)) for part in str(value).split(";")
             if part.strip()]
    if not found or any(len(pair) != 2 for pair in found):
        raise ValueError(value)
    return found  # type: ignore[return-value]


def _goals(value: Any, _: tzinfo) -> tuple[Goal, ...]:
    return tuple(Goal(area, target) for area, target in _pairs(value))


def _outcomes(value: Any, _: tzinfo) -> dict[str, str]:
    """Outcomes by wellbeing area (an imported review names its goals by their area)."""
    return dict(_pairs(value))


def _participants(value: Any, _: tzinfo) -> tuple[Participant, ...]:
    if isinstance(value, str):
        value = [dict(zip(("child_code", "role"), (x.strip() for x in part.split(":", 1))))
                 for part in value.split(";") if part.strip()]
    if not isinstance(value, list) or not all(
            isinstance(v, dict) and {"child_code", "role"} == set(v) for v in value):
        raise ValueError(value)
    return tuple(Participant(str(v["child_code"]), v["role"]) for v in value)


CONVERTERS: dict[Any, Callable[[Any, tzinfo], Any]] = {
    int: _int, bool: _bool, datetime: _moment, date: _day}
BY_NAME: dict[str, Callable[[Any, tzinfo], Any]] = {
    "languages": _strings, "participants": _participants, "goals": _goals,
    "outcomes": _outcomes}
CONVERSION_PROBLEMS = {int: "import.number", bool: "flag.format", datetime: "import.moment",
                       date: "import.day", "participants": "import.participants",
                       "goals": "import.goals", "outcomes": "import.outcomes"}


def _wellbeing(p: Problems, content: dict[str, Any], zone: tzinfo) -> Wellbeing | None:
    """The four scores: a `wellbeing` object (JSON), or a column each."""
    scores = _object(content.get("wellbeing", {}))
    if not isinstance(scores, dict):
        p.add("wellbeing", "import.wellbeing")
        return None
    scores = {**scores, **{name: content[name] for name in INDICATORS if name in content}}
    if not scores:
        return None
    values = {}
    for name in INDICATORS:
        if name not in scores:
            p.add(name, "import.missing")
        else:
            values[name] = _convert(p, name, int, scores[name], zone)
    return Wellbeing(**values) if len(values) == len(INDICATORS) else None


def _object(value: Any) -> Any:
    """A JSON object given as a CSV cell's text, or as it is (None when it does not read)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else "" if value is None else str(value)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())

