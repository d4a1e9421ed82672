"""Rules files that would crash, hang or fill memory later are refused when they are
checked, with the line and the reason. (Finding 14.)"""

from __future__ import annotations

import pytest

from domain.rules.loader import RULES_FILE, RuleFileError, parse_rules

SHIPPED = RULES_FILE.read_text(encoding="utf-8")
ONE_RULE = '''
[[rule]]
id = "probe"
version = 1
level = "medium"
acknowledge_within_hours = 24
reason.en = "{reason}"
reason.ru = "Проверка."
reason.kk = "Тексеру."
[rule.when]
kind = "{kind}"
{settings}
'''


def rule(condition: str, kind: str = "window", reason: str = "{count} in {days} days.") -> str:
    return ONE_RULE.format(settings=condition, kind=kind, reason=reason)


@pytest.mark.parametrize("condition,kind,reason,said", [
    ('events = ["ConflictRecorded"]\ndays = 999999999\nthreshold = 3', "window",
     "{count} in {days} days.", "days must be a whole number from 0 to 366"),
    ('events = ["ConflictRecorded"]\nwords = 5', "event", "Severity {severity}.",
     "words must be a list"),
    ('events = ["ConflictRecorded"]\nmin_severity = "high"', "event", "Severity {severity}.",
     "min_severity must be a whole number"),
    ('events = ["ConflictRecorded"]\ndays = 14\nthreshold = 3\nthreshold_from_12 = "x"',
     "window", "{count} in {days} days.", "threshold_from_12 must be a whole number"),
    ('events = ["ConflictRecorded"]', "event", "Severity {severity.nope}.",
     "not {severity.nope}"),
    ('events = ["ConflictRecorded"]', "event", "Severity {severity:>99999999}.",
     "without a format"),
    ('events = ["ConflictRecorded"]', "event", "Severity {0}.", "not {0}"),
    ('events = ["ConflictRecorded"]\ndays = 14\nthreshold = 3', "window", "Severity {severity}.",
     "not {severity}"),
])
def test_a_rule_that_would_fail_later_is_refused_now(condition, kind, reason, said):
    with pytest.raises(RuleFileError, match=said.replace("{", r"\{").replace("}", r"\}")):
        parse_rules(rule(condition, kind, reason), source="probe.toml")


def test_files_too_large_or_too_deeply_keyed_are_refused_before_parsing():
    dotted = "\n".join(f"{'.'.join(['a'] * 40)}{n} = 1" for n in range(100))
    with pytest.raises(RuleFileError, match=r"probe.toml:1: keys nest at most"):
        parse_rules(dotted, source="probe.toml")
    huge = SHIPPED + "\n# padding\n" * 10_000
    with pytest.raises(RuleFileError, match="at most 65,536 characters"):
        parse_rules(huge, source="probe.toml")


def test_the_shipped_rules_pass_and_a_good_rule_still_loads():
    assert len(parse_rules(SHIPPED).rules) >= 6
    good = parse_rules(rule('events = ["ConflictRecorded"]\ndays = 14\nthreshold = 3'))
    assert good.rules[0].reason({"count": 3, "days": 14}) == "3 in 14 days."
