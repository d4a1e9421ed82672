"""The shape of the code: modules small enough to read in one sitting, and stored events
that keep the names they were first written with wherever their classes live."""

from __future__ import annotations

from pathlib import Path

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic, resolve_topic

from domain import model

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("domain", "infrastructure", "processes", "projections", "consumers", "ui", "kopir",
           "bench")
LONGEST = 300


def test_no_product_module_is_longer_than_a_sitting():
    long = {str(path.relative_to(ROOT)): n for package in PRODUCT
            for path in (ROOT / package).rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST}
    assert long == {}
    assert not (ROOT / "kopir" / "cli.py").exists()  # the command line is kopir/cli/


def test_stored_events_keep_their_first_names():
    # Every aggregate and event class is stored as domain.model:<Aggregate>.<Event>, the
    # names the first stores were written with, and those names lead back to the class.
    aggregates = [model.Child, model.Escalation, model.School, model.StaffAccount,
                  model.AccessEntry, model.LedgerCheckpoint]
    classes = aggregates + [value for aggregate in aggregates for value in vars(aggregate).values()
                            if isinstance(value, type) and issubclass(value, CanMutateAggregate)]
    for cls in classes:
        topic = get_topic(cls)
        assert topic == f"domain.model:{cls.__qualname__}", cls
        assert resolve_topic(topic) is cls
    assert get_topic(model.Child.ConflictRecorded) == "domain.model:Child.ConflictRecorded"
