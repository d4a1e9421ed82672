"""Bounded memories for log followers: what they did lately, not everything they ever did.

The store is the record: a follower that forgot something asks the store (the engine's
runner checks a signal's id there before raising it)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Generic, Iterable, Iterator, TypeVar
from uuid import UUID

T = TypeVar("T")
IDS_KEPT = 20_000
LOG_KEPT = 1_000


class RecentIds:
    """The last `kept` ids added; `in` is True for those only."""

    def __init__(self, kept: int = IDS_KEPT) -> None:
        self.kept = kept
        self._ids: OrderedDict[UUID, None] = OrderedDict()

    def add(self, item: UUID) -> None:
        self._ids[item] = None
        self._ids.move_to_end(item)
        while len(self._ids) > self.kept:
            self._ids.popitem(last=False)

    def __ior__(self, items: Iterable[UUID]) -> RecentIds:
        for item in items:
            self.add(item)
        return self

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def __len__(self) -> int:
        return len(self._ids)


class RecentLog(Generic[T]):
    """A list that keeps only its last `kept` items, indexed as if it kept them all:
    `len()` counts everything ever added, and `log[n:]` gives what came from the n-th on
    (what is no longer kept is left out)."""

    def __init__(self, kept: int = LOG_KEPT) -> None:
        self.kept = kept
        self._items: list[T] = []
        self._dropped = 0

    def __iadd__(self, items: Iterable[T]) -> RecentLog[T]:
        self._items.extend(items)
        if len(self._items) > 2 * self.kept:
            cut = len(self._items) - self.kept
            del self._items[:cut]
            self._dropped += cut
        return self

    def __len__(self) -> int:
        return self._dropped + len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start = None if index.start is None else max(0, index.start - self._dropped)
            stop = None if index.stop is None else max(0, index.stop - self._dropped)
            return self._items[start:stop:index.step]
        if index < 0:
            return self._items[index]
        if index < self._dropped:
            raise IndexError(f"item {index} is no longer kept")
        return self._items[index - self._dropped]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecentLog):
            return self._dropped == other._dropped and self._items == other._items
        return self._dropped == 0 and self._items == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RecentLog({len(self)} items, the last {len(self._items)} kept)"
