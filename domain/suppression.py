"""Small-cell suppression for the ministry's aggregates: which published numbers are
shown as "<5" so that no child can be singled out.

The rule, applied to every table the ministry sees:

1. **Primary.** A cell (or a total) is suppressed when fewer than 5 children stand behind
   it (`THRESHOLD`), zero included: a count of incidents of 3 children is suppressed
   however many incidents they were; an average (wellbeing) is suppressed when fewer than
   5 children were assessed.
2. **Complementary.** A table publishes lines: a row of cells with its row total, a column
   with its column total, the row totals with the grand total, the column totals with the
   grand total. A line in which exactly one entry is suppressed would give it away by
   subtraction, so the next-smallest entry of that line (by value, then by the children
   behind it) is suppressed too; a line with every cell suppressed but its total gives up
   its total. A suppressed zero protects nothing (it may be guessed), so a line whose
   suppressed entries hold only one non-zero number gets another non-zero one suppressed.
   This is repeated until no line has exactly one suppressed entry, nor exactly one
   suppressed non-zero entry.
3. **Ties.** Entries that reveal each other (a region's children and its positive ties
   per child: the ratio times the count is the number of ties) are suppressed together.
4. **Audit.** Lines can combine (a suppressed cell can be the only link between two
   otherwise closed groups). Each suppressed entry is checked against every published
   line solved together (exact elimination over the rationals); any entry the lines
   still determine makes the smallest published entry of one of its lines suppressed too,
   and steps 2–4 run again. Everything ends suppressed at worst, so this terminates.

The result: every published count stands for 5 children or more, and no suppressed
entry can be recovered from the published ones by sums and differences of the lines.
Pure: no I/O, no project imports; the read models feed it (projections/queries/ministry.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from typing import Callable, Hashable, Iterable, Mapping, Sequence

THRESHOLD = 5
SUPPRESSED = "<5"

Key = Hashable
Rank = Callable[[Key], tuple[float, int, str]]


@dataclass(frozen=True)
class Entry:
    """A number a table would publish: its value, and how many children stand behind it."""

    value: float
    children: int


@dataclass(frozen=True)
class Line:
    """A published sum: the parts add up to the total."""

    parts: tuple[Key, ...]
    total: Key

    @property
    def members(self) -> tuple[Key, ...]:
        return (*self.parts, self.total)


def suppress(entries: Mapping[Key, Entry], lines: Sequence[Line] = (),
             ties: Iterable[Sequence[Key]] = (), threshold: int = THRESHOLD) -> frozenset[Key]:
    """The keys of the entries to show as "<5" (primary, complementary, ties, audit)."""
    lines = [Line(tuple(k for k in line.parts if k in entries), line.total)
             for line in lines if line.total in entries]
    ties = [tuple(k for k in group if k in entries) for group in ties]
    hidden = {k for k, e in entries.items() if e.children < threshold}

    def rank(key: Key) -> tuple[float, int, str]:
        return (entries[key].value, entries[key].children, repr(key))

    while True:
        _complete(hidden, lines, ties, rank)
        found = determined(lines, hidden)
        if not found:
            return frozenset(hidden)
        for key in sorted(found, key=repr):
            choice = _smallest_open(hidden, [ln for ln in lines if key in ln.members], rank)
            if choice is None:  # all its own lines hidden: widen to every line touched
                choice = _smallest_open(hidden, [ln for ln in lines
                                                 if hidden.intersection(ln.members)], rank)
            if choice is not None:
                hidden.add(choice)


def _complete(hidden: set[Key], lines: Sequence[Line], ties: Sequence[Sequence[Key]],
              rank: Rank) -> None:
    """Steps 2 and 3, to a fixed point."""
    while True:
        before = len(hidden)
        for group in ties:
            if hidden.intersection(group):
                hidden.update(group)
        for line in lines:
            shut = [k for k in line.members if k in hidden]
            if len(shut) == 1 or sum(1 for k in shut if rank(k)[0]) == 1:
                choice = _smallest_open(hidden, [line], rank)
                if choice is not None:
                    hidden.add(choice)
        if len(hidden) == before:
            return


def _smallest_open(hidden: set[Key], lines: Sequence[Line], rank: Rank) -> Key | None:
    """The smallest published cell of these lines (a total only when no cell is left)."""
    parts = [k for ln in lines for k in ln.parts if k not in hidden]
    totals = [ln.total for ln in lines if ln.total not in hidden]
    pool = [k for k in parts if rank(k)[0]] or parts or totals
    return min(pool, key=rank) if pool else None


def determined(lines: Sequence[Line], hidden: Iterable[Key]) -> set[Key]:
    """The hidden entries that the published lines pin down, solved together: those whose
    unit vector lies in the row space of the lines over the hidden entries (a row of the
    reduced echelon form with a single non-zero). Exact: fraction-free elimination over
    the integers, each row kept divided by the gcd of its entries."""
    hidden = set(hidden)
    pivots: list[tuple[Key, dict[Key, int]]] = []
    order: dict[Key, int] = {}
    for line in lines:
        row: dict[Key, int] = {}
        for key in line.parts:
            if key in hidden:
                row[key] = row.get(key, 0) + 1
        if line.total in hidden:
            row[line.total] = row.get(line.total, 0) - 1
        for col, pivot in pivots:  # pivot columns are cleared elsewhere: one pass suffices
            if row.get(col):
                row = _combine(row, pivot, col)
        row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        for key in row:
            order.setdefault(key, len(order))
        col = min(row, key=order.__getitem__)
        pivots = [(other, _combine(pivot, row, col) if pivot.get(col) else pivot)
                  for other, pivot in pivots]
        pivots.append((col, _normal(row)))
    return {col for col, row in pivots if len(row) == 1}


def _combine(row: dict[Key, int], pivot: dict[Key, int], col: Key) -> dict[Key, int]:
    """`row` with its `col` entry cleared by a multiple of `pivot` (integers only)."""
    a, b = pivot[col], row[col]
    out = {k: v * a for k, v in row.items()}
    for k, v in pivot.items():
        out[k] = out.get(k, 0) - b * v
    return _normal({k: v for k, v in out.items() if v})


def _normal(row: dict[Key, int]) -> dict[Key, int]:
    divisor = 0
    for v in row.values():
        divisor = gcd(divisor, v)
    return {k: v // divisor for k, v in row.items()} if divisor > 1 else row


def grid(cells: Mapping[tuple[str, str], Entry], rows: Sequence[str], columns: Sequence[str],
         row_totals: Mapping[str, Entry] | None, column_totals: Mapping[str, Entry],
         grand: Entry | None, prefix: str = "") -> tuple[dict[Key, Entry], list[Line]]:
    """The entries and lines of a rows × columns table with its column totals, its row
    totals if published (`None`: the columns do not add up), and the grand total (with
    the row totals). Keys:
    (prefix, row, column); "*" is the total of a row or column."""
    entries: dict[Key, Entry] = {(prefix, r, c): cells[(r, c)] for r in rows for c in columns}
    entries.update({(prefix, "*", c): column_totals[c] for c in columns})
    lines = [Line(tuple((prefix, r, c) for r in rows), (prefix, "*", c)) for c in columns]
    if row_totals is not None and grand is not None:
        entries[(prefix, "*", "*")] = grand
        entries.update({(prefix, r, "*"): row_totals[r] for r in rows})
        lines += [Line(tuple((prefix, r, c) for c in columns), (prefix, r, "*")) for r in rows]
        lines.append(Line(tuple((prefix, r, "*") for r in rows), (prefix, "*", "*")))
        lines.append(Line(tuple((prefix, "*", c) for c in columns), (prefix, "*", "*")))
    return entries, lines
