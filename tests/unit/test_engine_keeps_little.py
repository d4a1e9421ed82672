"""Of an entry, the engine keeps only what a rule may read again (domain.rules.horizon):
at national scale (100,000 children) every byte kept per entry counts."""

from __future__ import annotations

from datetime import timedelta

from domain.rules.engine import Engine
from tests.unit.test_rules_engine import MONDAY, RULES, History

HOUR = timedelta(hours=1)


def kept_texts(h: History) -> dict[str, str]:
    """What the engine holds of each of the child's entries: entry id -> its text."""
    [child] = h.engine.children.values()
    return {fact.entry_id: fact.text for fact in child.facts}


def test_an_entry_no_rule_reads_again_is_let_go_once_decided():
    # A friendly interaction (positive: no frequency rule counts it) and an argument: the
    # engine keeps the argument for the frequency rules, not the friendly interaction.
    h = History().at(MONDAY)
    friendly = h.incident(MONDAY, peer=True, positive=True, kind="friendship", severity=0)
    argument = h.incident(MONDAY + HOUR)
    assert friendly not in kept_texts(h) and argument in kept_texts(h)


def test_free_text_is_kept_only_while_a_rule_on_words_raised_on_it():
    # An argument and an injury mentioned: the words rule raised on the second only, whose
    # text an amendment may still need (to take the signal back or not).
    h = History().at(MONDAY)
    argument = h.incident(MONDAY, text="Argument at break.")
    injury = h.incident(MONDAY + HOUR, severity=1, text="His wrist was injured.")
    assert [d.triggering for d in h.raised("serious-incident")] == [(injury,)]
    texts = kept_texts(h)
    assert texts[argument] == "" and "injured" in texts[injury]


def test_the_engine_that_keeps_everything_keeps_every_text():
    # The reference the bounded engine is compared with keeps every entry as it came.
    h = History(engine=Engine(RULES, late_within=None)).at(MONDAY)
    friendly = h.incident(MONDAY, peer=True, positive=True, kind="friendship", severity=0,
                          text="Played together.")
    assert kept_texts(h)[friendly].startswith("Played together.")
