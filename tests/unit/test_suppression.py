"""Small-cell suppression (domain/suppression.py): fewer than 5 children behind a number
shows "<5", and no suppressed number can be worked back out of the published ones."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.suppression import Entry, Line, determined, grid, suppress


def column(values: dict[str, int]) -> tuple[dict, list[Line]]:
    """One column of regions (a count of children each) with its national total."""
    entries = {r: Entry(n, n) for r, n in values.items()}
    entries["*"] = Entry(sum(values.values()), sum(values.values()))
    return entries, [Line(tuple(values), "*")]


def test_a_region_under_five_takes_the_next_smallest_with_it():
    # Astana 7, Almaty 3, Shymkent 12: the national 22 minus Astana and Shymkent would
    # give Almaty's 3, so Astana (the next smallest) is hidden too.
    entries, lines = column({"astana": 7, "almaty": 3, "shymkent": 12})
    assert suppress(entries, lines) == {"almaty", "astana"}


def test_zero_is_under_five_and_a_small_total_is_hidden():
    entries, lines = column({"astana": 0, "almaty": 3})
    assert suppress(entries, lines) == {"astana", "almaty", "*"}


def test_a_line_with_every_cell_hidden_gives_up_its_total_only_if_it_alone_is_shown():
    # Both regions under 5, the total over: two unknowns in one sum, nothing to recover.
    entries, lines = column({"astana": 3, "almaty": 4})
    assert suppress(entries, lines) == {"astana", "almaty"}
    # One region under 5 and nothing else to hide but the total.
    entries, lines = column({"almaty": 4})
    assert suppress(entries, lines) == {"almaty", "*"}


def test_ties_hide_a_ratio_with_its_count():
    entries = {"n": Entry(3, 3), "ratio": Entry(9, 30)}
    assert suppress(entries, [], [("n", "ratio")]) == {"n", "ratio"}


def bridged() -> tuple[dict, list[Line], set]:
    """4 × 4 cells, every total published; small cells in two closed squares, joined by
    one small cell: each line has 0, 2 or 3 hidden cells, yet the joining cell is the
    difference of two rows' totals and two columns' totals."""
    rows, cols = ["r1", "r2", "r3", "r4"], ["c1", "c2", "c3", "c4"]
    small = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2"),
             ("r3", "c3"), ("r3", "c4"), ("r4", "c3"), ("r4", "c4"), ("r2", "c3")}
    cells = {(r, c): Entry(2, 2) if (r, c) in small else Entry(50, 20) for r in rows for c in cols}
    big = Entry(500, 100)
    entries, lines = grid(cells, rows, cols, {r: big for r in rows}, {c: big for c in cols}, big)
    return entries, lines, {("", r, c) for r, c in small}


def test_the_audit_hides_more_when_lines_combine_to_give_a_cell_away():
    entries, lines, small = bridged()
    # The line-by-line rule alone would stop here: no line has exactly one hidden cell...
    assert all(sum(k in small for k in line.members) != 1 for line in lines)
    # ...but the lines solved together pin the joining cell down.
    assert determined(lines, small) == {("", "r2", "c3")}
    hidden = suppress(entries, lines)
    assert small < hidden
    assert determined(lines, hidden) == set()


def pinned(lines: list[Line], hidden: set) -> set:
    """An independent check (numpy's rank): the hidden entries whose value the published
    lines determine."""
    unknown = sorted(hidden, key=repr)
    if not unknown:
        return set()
    index = {k: i for i, k in enumerate(unknown)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknown))
        for k in line.parts:
            if k in index:
                row[index[k]] += 1
        if line.total in index:
            row[index[line.total]] -= 1
        rows.append(row)
    matrix = np.array(rows) if rows else np.zeros((0, len(unknown)))
    base = np.linalg.matrix_rank(matrix) if rows else 0
    found = set()
    for k, i in index.items():
        unit = np.zeros((1, len(unknown)))
        unit[0, i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == base:
            found.add(k)
    return found


TABLES = st.integers(1, 4).flatmap(lambda n_rows: st.integers(1, 5).flatmap(
    lambda n_cols: st.lists(st.tuples(st.integers(0, 9), st.integers(0, 3)),
                            min_size=n_rows * n_cols, max_size=n_rows * n_cols).map(
        lambda cells: (n_rows, n_cols, cells))))


@settings(max_examples=150, deadline=None)
@given(table=TABLES, row_totals=st.booleans())
def test_no_random_table_shows_a_small_cell_or_lets_one_be_worked_out(table, row_totals):
    # Random tables of children (each cell: children, and extra events on top of them).
    n_rows, n_cols, values = table
    rows, cols = [f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_cols)]
    cells = {(r, c): Entry(kids + extra, kids)
             for (r, c), (kids, extra) in zip(((r, c) for r in rows for c in cols), values)}

    def total(keys: list[tuple[str, str]]) -> Entry:
        return Entry(sum(cells[k].value for k in keys), sum(cells[k].children for k in keys))

    entries, lines = grid(cells, rows, cols,
                          {r: total([(r, c) for c in cols]) for r in rows} if row_totals
                          else None,
                          {c: total([(r, c) for r in rows]) for c in cols},
                          total(list(cells)))
    hidden = suppress(entries, lines)
    # Every number shown stands for 5 children or more.
    assert all(entries[k].children >= 5 for k in entries if k not in hidden)
    # No line gives a single hidden number away, nor do the lines solved together.
    assert all(sum(k in hidden for k in line.members) != 1 for line in lines)
    assert pinned(lines, hidden) == set()
