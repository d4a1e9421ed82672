"""Several consumer processes share the partitions; stopping one rebalances without loss."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from bench.stack import manual_clock, new_stack, record_history, tables_equal, wait_for
from processes.rebuild import snapshot


@pytest.fixture
def stack(postgres_databases, tmp_path):  # type: ignore[no-untyped-def]
    s = new_stack(postgres_databases, tmp_path, consumer_batch=200)
    yield s
    s.stop_all()


def assignments(stack) -> dict[str, set[int]]:  # type: ignore[no-untyped-def]
    """Partitions of the topic held by each live member of the group."""
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka.bootstrap)
    try:
        group = admin.describe_groups([stack.kafka.group_id])[stack.kafka.group_id]
    except KafkaError:  # a fresh broker creates its group coordinator on first use
        return {}
    finally:
        admin.close()
    held: dict[str, set[int]] = {}
    for member in group["members"]:
        assignment = member["member_assignment"]  # empty while the group rebalances
        for assigned in assignment.get("assigned_partitions", []) if assignment else []:
            if assigned["topic"] == stack.kafka.topic:
                held[member["member_id"]] = set(assigned["partitions"])
    return held


def test_two_consumers_share_six_partitions_and_one_stopping_loses_nothing(stack):
    app = stack.app(manual_clock())
    record_history(app, events=3000, children=120)
    stack.start("consumer-a", "consume")
    stack.start("consumer-b", "consume")
    # Both processes hold partitions, together all six, none twice.
    wait_for(lambda: len(assignments(stack)) == 2
             and all(assignments(stack).values()), 60, "two members with partitions")
    held = list(assignments(stack).values())
    assert held[0] | held[1] == set(range(6)) and not held[0] & held[1]
    stack.start("relay", "relay")
    wait_for(lambda: "Processed" in stack.log("consumer-a") and "Processed" in stack.log("consumer-b"),
             60, "both consumers to apply batches")
    # One stops (kill -9) while more is recorded: the other takes over all partitions.
    stack.kill9("consumer-b")
    record_history(app, events=3000, children=30, seed=5)
    wait_for(lambda: list(assignments(stack).values()) == [set(range(6))], 60,
             "the survivor to hold every partition")
    view = stack.view()
    last = app.recorder.max_notification_id()
    wait_for(lambda: stack.applied_everything(view, last), 120, "the survivor to catch up")
    assert tables_equal(snapshot(view), stack.reference()) == []
    app.close()
