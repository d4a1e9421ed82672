"""Reading rules.toml into rules, refusing a bad file with the line and the reason."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.errors import KopirError
from domain.rules import schema
from domain.rules.words import Negation
from domain.vocabulary import INDICATORS, LEVELS

RULES_FILE = Path(__file__).resolve().parent / "rules.toml"
LANGUAGES = ("kk", "ru", "en")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS = ("event", "window", "drop", "absence", "consecutive", "unacknowledged")


class RuleFileError(KopirError):
    """Raised when a rules file cannot be used; says where and why."""


@dataclass(frozen=True)
class Calendar:
    school_days: frozenset[int] = frozenset(range(5))
    summer_break: tuple[tuple[int, int], tuple[int, int]] | None = ((6, 1), (8, 31))

    def is_school_day(self, day: date) -> bool:
        if day.weekday() not in self.school_days:
            return False
        if self.summer_break:
            start, end = self.summer_break
            if start <= (day.month, day.day) <= end:
                return False
        return True

    def add_school_days(self, moment: datetime, days: int) -> datetime:
        """The same time of day, `days` school days later."""
        current = moment
        counted = 0
        while counted < days:
            current += timedelta(days=1)
            if self.is_school_day(current.date()):
                counted += 1
        return current


@dataclass(frozen=True)
class Condition:
    kind: str
    events: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_severity: int | None = None
    words: tuple[str, ...] = ()
    negative_only: bool = False
    days: int = 0
    threshold: int = 0
    threshold_from_12: int | None = None
    by: int = 0
    indicators: tuple[str, ...] = INDICATORS
    after: tuple[str, ...] = ()
    after_kinds: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()
    expect_attendance: tuple[str, ...] = ()
    school_days: bool = False
    attendance: str = ""
    count: int = 0
    # Absence: a task for the child's psychologist falls due after `days`; the rule fires
    # (the supervisor is told) only when `task_days` more days pass with it still undone.
    task_days: int = 0

    def threshold_for(self, age: int | None) -> int:
        if age is not None and age >= 12 and self.threshold_from_12 is not None:
            return self.threshold_from_12
        return self.threshold


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    level: str
    acknowledge_within: timedelta
    reasons: dict[str, str]
    when: Condition
    line: int = 0
    titles: dict[str, str] = field(default_factory=dict)  # a human name, per language

    def title(self, language: str = "en") -> str:
        return self.titles.get(language) or self.titles.get("en") or self.id

    def reason(self, values: dict[str, Any], language: str = "en") -> str:
        template = self.reasons.get(language) or self.reasons["en"]
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    calendar: Calendar = field(default_factory=Calendar)
    source: str = ""
    negation: Negation = field(default_factory=Negation)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rules)

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def load_rules(path: Path | str = RULES_FILE) -> RuleSet:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RuleFileError(f"{path}: cannot be read ({error.strerror})") from None
    return parse_rules(text, source=str(path))


def parse_rules(text: str, source: str = "rules") -> RuleSet:
    problem = schema.file_problem(text)
    if problem is not None:
        raise RuleFileError(f"{source}:{problem[0]}: {problem[1]}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        raise RuleFileError(f"{source}:{line.group(1) if line else '?'}: not valid TOML "
                            f"({error})") from None
    rule_lines = [n for n, line in enumerate(text.splitlines(), 1)
                  if line.strip() == "[[rule]]"]
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleFileError(f"{source}:1: no [[rule]] tables")
    calendar = _calendar(data.get("calendar", {}), source, text)
    negation = _negation(data.get("negation", {}), source, text)
    rules, seen = [], set()
    for index, raw in enumerate(raw_rules):
        line = rule_lines[index] if index < len(rule_lines) else 0
        rule = _rule(raw, f"{source}:{line}", line, text)
        if rule.id in seen:
            raise RuleFileError(f"{source}:{line}: rule id {rule.id!r} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(tuple(rules), calendar, source, negation)


def _line_of(text: str, key: str, after: int) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if n >= after and re.match(rf"\s*{re.escape(key)}\s*=", line):
            return n
    return after


def _calendar(raw: dict[str, Any], source: str, text: str) -> Calendar:
    days = raw.get("school_days", ["mon", "tue", "wed", "thu", "fri"])
    bad = [d for d in days if d not in WEEKDAYS]
    if bad:
        line = _line_of(text, "school_days", 1)
        raise RuleFileError(f"{source}:{line}: unknown day {bad[0]!r} (use mon … sun)")
    summer = raw.get("summer_break")
    parsed = None
    if summer:
        try:
            parsed = tuple(tuple(int(p) for p in s.split("-")) for s in summer)
        except (ValueError, AttributeError, TypeError):
            parsed = None
        if parsed is None or len(parsed) != 2 or any(len(p) != 2 for p in parsed):
            line = _line_of(text, "summer_break", 1)
            raise RuleFileError(f"{source}:{line}: summer_break is two \"MM-DD\" dates")
    return Calendar(frozenset(WEEKDAYS.index(d) for d in days), parsed)  # type: ignore[arg-type]


def _negation(raw: Any, source: str, text: str) -> Negation:
    problem = schema.negation_problem(raw)
    if problem is not None:
        raise RuleFileError(f"{source}:{_line_of(text, problem[0], 1)}: {problem[1]}")

    def words(name: str) -> frozenset[str]:
        return frozenset(w.casefold() for w in raw.get(name, ()))

    return Negation(before=words("before"), after=words("after"),
                    endings=tuple(e.casefold() for e in raw.get("endings", ())),
                    contrasts=words("contrasts"),
                    before_words=raw.get("before_words", Negation.before_words),
                    after_words=raw.get("after_words", Negation.after_words))


def _rule(raw: dict[str, Any], where: str, line: int, text: str) -> Rule:
    def fail(key: str, reason: str) -> RuleFileError:
        source = where.rsplit(":", 1)[0]
        return RuleFileError(f"{source}:{_line_of(text, key, line)}: {reason}")

    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", rule_id):
        raise fail("id", "each rule needs an id of lower-case letters, digits and dashes")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("version", f"rule {rule_id!r}: version must be a whole number from 1")
    level = raw.get("level")
    if level not in LEVELS:
        raise fail("level", f"rule {rule_id!r}: level must be one of {', '.join(LEVELS)}")
    hours = raw.get("acknowledge_within_hours")
    if not isinstance(hours, (int, float)) or isinstance(hours, bool) or hours <= 0:
        raise fail("acknowledge_within_hours",
                   f"rule {rule_id!r}: acknowledge_within_hours must be a positive number")
    if hours > 24 * 90:
        raise fail("acknowledge_within_hours",
                   f"rule {rule_id!r}: acknowledge_within_hours is at most 2160 (90 days)")
    reasons = raw.get("reason", {})
    if not isinstance(reasons, dict):
        raise fail("reason", f"rule {rule_id!r}: reason is a table of kk, ru and en")
    missing = [lang for lang in LANGUAGES if not isinstance(reasons.get(lang), str)]
    if missing:
        raise fail("reason." + missing[0], f"rule {rule_id!r}: reason.{missing[0]} is missing")
    titles = raw.get("title", {})
    bad_title = "" if isinstance(titles, dict) else "title"
    for language, name in titles.items() if not bad_title else ():
        if language not in LANGUAGES or not isinstance(name, str) or not 0 < len(name) <= 80:
            bad_title = f"title.{language}"
    if bad_title:
        raise fail(bad_title, f"rule {rule_id!r}: title is a table of kk, ru and en names "
                              "of at most 80 characters")
    when = raw.get("when")
    if not isinstance(when, dict):
        raise fail("kind", f"rule {rule_id!r}: needs a [rule.when] table")
    condition = _condition(when, rule_id, fail)
    for language in LANGUAGES:
        problem = schema.reason_problem(reasons[language], condition.kind)
        if problem is not None:
            raise fail(f"reason.{language}", f"rule {rule_id!r}: {problem}")
    return Rule(rule_id, version, level, timedelta(hours=hours), dict(reasons), condition, line,
                dict(titles))


def _condition(raw: dict[str, Any], rule_id: str, fail: Any) -> Condition:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise fail("kind", f"rule {rule_id!r}: unknown condition kind {kind!r} "
                           f"(use one of {', '.join(KINDS)})")
    known = set(Condition.__dataclass_fields__)
    unknown = [k for k in raw if k not in known]
    if unknown:
        raise fail(unknown[0], f"rule {rule_id!r}: unknown setting {unknown[0]!r}")
    for name, value in raw.items():
        problem = schema.setting_problem(name, value)
        if problem is not None:
            raise fail(name, f"rule {rule_id!r}: {problem}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    condition = Condition(**values)
    needs = {"event": ("events",), "window": ("events", "days", "threshold"),
             "drop": ("by",), "absence": ("after", "expect", "days"),
             "consecutive": ("events", "attendance", "count"), "unacknowledged": ()}[kind]
    for name in needs:
        if not getattr(condition, name):
            raise fail("kind", f"rule {rule_id!r}: a {kind} condition needs {name!r}")
    for name in ("days", "threshold", "by", "count", "task_days"):
        value = getattr(condition, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise fail(name, f"rule {rule_id!r}: {name} must be a whole number")
    bad = [i for i in condition.indicators if i not in INDICATORS]
    if bad:
        raise fail("indicators", f"rule {rule_id!r}: unknown wellbeing indicator {bad[0]!r}")
    return condition
