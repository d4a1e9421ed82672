"""The consumer's offset commits and its watchdog, against aiokafka's own errors.

A failed commit after the read-model transaction is owed, not raised; a subscriber that
cannot consume any more ends the process (the watchdog's reason), it never idles on.
The broker itself is restarted in tests/faults/test_broker_restarts.py.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, KafkaConnectionError

from consumers.commits import ForgetRevoked, Offsets, Watchdog, next_offsets, rewind

T0, T1 = TopicPartition("t", 0), TopicPartition("t", 1)


class FakeConsumer:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.committed: list[dict[TopicPartition, int]] = []
        self.assigned = {T0, T1}
        self.seeks: list[tuple[TopicPartition, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.committed.append(dict(offsets))

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))


def record(partition: int, offset: int) -> Any:
    return SimpleNamespace(topic="t", partition=partition, offset=offset)


def test_a_failed_commit_is_owed_and_committed_later_never_raised(caplog):
    consumer = FakeConsumer(CommitFailedError("rebalanced"), KafkaConnectionError())
    offsets = Offsets()
    batch = [record(0, 5), record(0, 6), record(1, 2)]
    assert next_offsets(batch) == {T0: 7, T1: 3}
    assert asyncio.run(offsets.commit(consumer, next_offsets(batch))) is False
    assert offsets.owed == {T0: 7, T1: 3} and "offsets not committed" in caplog.text
    # The next batch (partition 0 only) carries what partition 1 still owes.
    assert asyncio.run(offsets.commit(consumer, {T0: 9})) is False
    assert asyncio.run(offsets.commit(consumer, {})) is True
    assert consumer.committed == [{T0: 9, T1: 3}] and offsets.owed == {}
    assert offsets.failed == 2


def test_what_another_member_holds_now_is_not_committed_and_offsets_never_go_back():
    consumer = FakeConsumer(CommitFailedError("rebalanced"))
    offsets = Offsets()
    asyncio.run(offsets.commit(consumer, {T0: 10, T1: 4}))
    consumer.assigned = {T0}  # partition 1 moved to another member
    asyncio.run(offsets.commit(consumer, {T0: 8}))  # an older offset never wins
    assert consumer.committed == [{T0: 10}]


def test_a_batch_that_was_not_applied_is_read_again_where_it_is_still_held():
    consumer = FakeConsumer()
    consumer.assigned = {T0}
    rewind(consumer, [record(0, 7), record(0, 5), record(1, 3)])
    assert consumer.seeks == [(T0, 5)]


def finished(error: BaseException | None = None) -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
    return future


def watch(subscriber: Any) -> tuple[str | None, list[bool]]:
    stopped: list[bool] = []
    dog = Watchdog(subscriber, Offsets(), stop=lambda: stopped.append(True), interval=0.01)
    asyncio.run(asyncio.wait_for(dog.run(), 5))
    return dog.reason, stopped


def test_the_watchdog_ends_a_process_whose_consume_loop_has_ended():
    async def scenario() -> tuple[str | None, list[bool]]:
        consumer = SimpleNamespace(_closed=False)
        subscriber = SimpleNamespace(consumer=consumer, running=True, tasks=[finished()])
        return await asyncio.to_thread(watch, subscriber)

    reason, stopped = asyncio.run(scenario())
    assert reason == "its consume loop has ended" and stopped == [True]


def test_the_watchdog_ends_a_process_whose_kafka_coordination_or_fetching_died():
    async def scenario(part: str) -> tuple[str | None, list[bool]]:
        alive = asyncio.get_running_loop().create_future()
        dead = finished(RuntimeError("boom"))
        consumer = SimpleNamespace(
            _closed=False,
            _coordinator=SimpleNamespace(_coordination_task=dead if part == "c" else alive),
            _fetcher=SimpleNamespace(_fetch_task=dead if part == "f" else alive))
        subscriber = SimpleNamespace(consumer=consumer, running=True, tasks=[alive])
        return await asyncio.to_thread(watch, subscriber)

    reason, stopped = asyncio.run(scenario("c"))
    assert reason is not None and "group coordination" in reason and "boom" in reason
    reason, _ = asyncio.run(scenario("f"))
    assert reason is not None and "fetching" in reason


def test_revoked_partitions_owe_nothing_any_more():
    consumer = FakeConsumer(CommitFailedError("rebalanced"))
    offsets = Offsets()
    asyncio.run(offsets.commit(consumer, {T0: 10, T1: 4}))
    asyncio.run(ForgetRevoked(offsets).on_partitions_revoked({T1}))
    # Partition 1 comes back to this member: another may have committed past 4 meanwhile.
    asyncio.run(offsets.commit(consumer, {}))
    assert consumer.committed == [{T0: 10}]
