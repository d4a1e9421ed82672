"""Counters the oversight queries read instead of the rows they summarise: entries per
school and day (and by region and day: projections/region_days.py), open children per
school, unresolved concerns per school, level and status.

The writers tell this module what a row counted for before they changed it and what it
counts for after (`moved`), or that a row was added (`added`); the changes are gathered
for the batch and written at its end, in the same transaction as the rows. A counter
that comes to zero is deleted, so the tables hold the same rows however the log was cut
into batches: a rebuild from the log gives identical tables. Nothing here depends on
the time of day; the queries add what is time-dependent (the last 30 days, overdue).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import Table, and_, bindparam, delete, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from projections import region_days as regions
from projections import sql
from projections.tables import concern_counts, region_days, school_counts, school_days

if TYPE_CHECKING:
    from projections.unit_of_work import UnitOfWork

COUNTED_KINDS = ("ConflictRecorded", "PeerIncidentRecorded", "CounsellingSessionRecorded")
UNRESOLVED = ("open", "acknowledged", "assigned", "snoozed")
# Per table: its key columns and its count columns.
SHAPES: dict[Table, tuple[tuple[str, ...], tuple[str, ...]]] = {
    school_days: (("school_id", "day"), ("incidents", "positive", "sessions")),
    school_counts: (("school_id",), ("children", "entries")),
    region_days: (("region", "day"), ("incidents", "positive", "sessions")),
    concern_counts: (("school_id", "level", "status"), ("n",)),
}
Deltas = dict[Table, dict[tuple[Any, ...], list[int]]]


def day_of(moment: datetime) -> str:
    """The UTC day of a moment (as the read model stores it)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date().isoformat()


def entry_class(kind: str, fields: str) -> str | None:
    """What a chronology row counts as in the caseload: a session, a positive peer
    interaction, an incident, or nothing (the same test the row-level query makes)."""
    if kind == "CounsellingSessionRecorded":
        return "sessions"
    if kind not in COUNTED_KINDS:
        return None
    return "positive" if '"positive":true' in fields else "incidents"


def _deltas(uow: "UnitOfWork") -> Deltas:
    return uow.cache.setdefault("counters", {})


def _add(uow: "UnitOfWork", table: Table, key: tuple[Any, ...], column: str, n: int) -> None:
    counts = SHAPES[table][1]
    slot = _deltas(uow).setdefault(table, {}).setdefault(key, [0] * len(counts))
    slot[counts.index(column)] += n


# --- what the writers call -------------------------------------------------------------
def entry(uow: "UnitOfWork", row: dict[str, Any] | None, sign: int) -> None:
    """A chronology row (as stored) starts (+1) or stops (-1) counting."""
    if row is None or row.get("status") == "retracted":
        return
    what = entry_class(str(row["kind"]), str(row["fields"]))
    if what is None:
        return
    day = day_of(row["occurred_at"])
    _add(uow, school_days, (row["school_id"], day), what, sign)
    _add(uow, school_counts, (row["school_id"],), "entries", sign)


def entry_changed(uow: "UnitOfWork", before: dict[str, Any] | None,
                  after: dict[str, Any] | None) -> None:
    entry(uow, before, -1)
    entry(uow, after, +1)


def school_registered(uow: "UnitOfWork", school_id: str, region: str) -> None:
    """What was counted for the school under no region moves to its region."""
    regions.registered(uow, school_id, region)


def child(uow: "UnitOfWork", school_id: str | None, status: str | None, sign: int) -> None:
    """A child's row counts in its school while its enrolment is open."""
    if school_id is not None and status == "open":
        _add(uow, school_counts, (school_id,), "children", sign)


def concern(uow: "UnitOfWork", key: tuple[str, str, str] | None, sign: int) -> None:
    """A concern row counts by (school, level, status) while unresolved."""
    if key is not None and key[2] in UNRESOLVED:
        _add(uow, concern_counts, key, "n", sign)


def concerns_written(uow: "UnitOfWork", rows: dict[str, dict[str, Any]],
                     before: dict[str, tuple[str, str, str] | None]) -> None:
    """The batch's concern rows, as they were when read (`before`) and as written."""
    for key, row in rows.items():
        concern(uow, before.get(key), -1)
        concern(uow, concern_key(row), +1)


def concern_key(row: dict[str, Any] | None) -> tuple[str, str, str] | None:
    return None if row is None else (row["school_id"], row["level"], row["status"])


# --- at the end of the batch -----------------------------------------------------------
def flush(uow: "UnitOfWork") -> None:
    """Write the batch's changes: counters added to, new ones inserted, zeros deleted."""
    deltas: Deltas = uow.cache.pop("counters", {})
    regions.derive(uow, deltas)  # the school days' changes by region, and registrations
    for table in SHAPES:  # always in this order, so two writers lock rows in one order
        changes = {k: v for k, v in deltas.get(table, {}).items() if any(v)}
        if changes:
            _apply(uow, table, changes)


def _apply(uow: "UnitOfWork", table: Table, changes: dict[tuple[Any, ...], list[int]]) -> None:
    keys, counts = SHAPES[table]
    columns = [table.c[name] for name in keys]
    existing: dict[tuple[Any, ...], list[int]] = {}
    for chunk in _chunks(sorted(changes), 400):
        # A superset of the keys (each key column in its values), narrowed here; locked
        # until the batch commits, so that two consumers adding to the same counter
        # add one after the other (on PostgreSQL; a SQLite file has one writer at a time).
        # Locked in key order: two writers that touch the same counters wait for each
        # other instead of each holding a row the other needs (a deadlock).
        found = uow.session.execute(select(*columns, *(table.c[n] for n in counts)).where(
            and_(*(column.in_(sorted({k[i] for k in chunk}))
                   for i, column in enumerate(columns)))).order_by(*columns)
            .with_for_update()).all()
        for row in found:
            key = tuple(row[:len(keys)])
            if key in changes:
                existing[key] = list(row[len(keys):])
    gone, changed, fresh = [], [], []
    for key, delta in sorted(changes.items()):
        before = existing.get(key)
        after = [a + b for a, b in zip(before or [0] * len(counts), delta)]
        values = {**dict(zip(keys, key)), **dict(zip(counts, after))}
        if not any(after):
            if before is not None:
                gone.append(values)
        elif before is None:
            fresh.append(values)
        else:
            changed.append(values)
    dialect = uow.session.get_bind().dialect
    if dialect.name == "postgresql":  # one statement each, the rows as arrays
        for kind, rows in (("delete", gone), ("update", changed), ("insert", fresh),
                           ("delete_zero", fresh)):
            if rows:
                names, statement = _arrays(table, dialect)[kind]
                uow.session.execute(statement, {n: [r[n] for r in rows] for n in names})
        return
    statements = _statements(table)
    if gone:
        sql.executemany(uow.session, statements["delete"],
                        [{f"k_{n}": v[n] for n in keys} for v in gone])
    if changed:
        sql.executemany(uow.session, statements["update"],
                        [{**{f"k_{n}": v[n] for n in keys}, **{f"v_{n}": v[n] for n in counts}}
                         for v in changed])
    if fresh:
        # New counters; one another writer inserted meanwhile (its row was not there to
        # lock) is added to instead, and a sum that came to zero is deleted as above.
        sql.executemany(uow.session, statements["insert"], fresh)
        sql.executemany(uow.session, statements["delete_zero"],
                        [{f"k_{n}": v[n] for n in keys} for v in fresh])


_STATEMENTS: dict[Table, dict[str, Any]] = {}


def _statements(table: Table) -> dict[str, Any]:
    """A counter table's statements, built once (so that they are compiled once)."""
    found = _STATEMENTS.get(table)
    if found is None:
        keys, counts = SHAPES[table]
        match = and_(*(table.c[name] == bindparam(f"k_{name}") for name in keys))
        found = _STATEMENTS[table] = {
            "delete": delete(table).where(match),
            "update": update(table).where(match).values(
                {n: bindparam(f"v_{n}") for n in counts}),
            "delete_zero": delete(table).where(match, *(table.c[n] == 0 for n in counts))}
        statement = sqlite_insert(table)
        found["insert"] = statement.on_conflict_do_update(
            index_elements=[table.c[n] for n in keys],
            set_={n: table.c[n] + statement.excluded[n] for n in counts})
    return found


_ARRAYS: dict[Table, dict[str, tuple[tuple[str, ...], Any]]] = {}


def _arrays(table: Table, dialect: Any) -> dict[str, tuple[tuple[str, ...], Any]]:
    """The same four statements on PostgreSQL, each over its rows passed as one array per
    column (`unnest`): one statement per batch instead of one per counter."""
    found = _ARRAYS.get(table)
    if found is None:
        keys, counts = SHAPES[table]
        quote = dialect.identifier_preparer.quote
        name = quote(table.name)

        def rows(names: tuple[str, ...]) -> str:
            arrays = ", ".join(f"CAST(:{n} AS {table.c[n].type.compile(dialect=dialect)}[])"
                               for n in names)
            return f"unnest({arrays}) AS v({', '.join(quote(n) for n in names)})"

        on = " AND ".join(f"{name}.{quote(n)} = v.{quote(n)}" for n in keys)
        zero = " AND ".join(f"{name}.{quote(n)} = 0" for n in counts)
        every = (*keys, *counts)
        found = _ARRAYS[table] = {
            "delete": (keys, text(f"DELETE FROM {name} USING {rows(keys)} WHERE {on}")),
            "update": (every, text(
                f"UPDATE {name} SET {', '.join(f'{quote(n)} = v.{quote(n)}' for n in counts)} "
                f"FROM {rows(every)} WHERE {on}")),
            "insert": (every, text(
                f"INSERT INTO {name} ({', '.join(quote(n) for n in every)}) "
                f"SELECT * FROM {rows(every)} ON CONFLICT ({', '.join(quote(n) for n in keys)}) "
                f"DO UPDATE SET {', '.join(f'{quote(n)} = {name}.{quote(n)} + EXCLUDED.{quote(n)}' for n in counts)}")),
            "delete_zero": (keys, text(
                f"DELETE FROM {name} USING {rows(keys)} WHERE {on} AND {zero}")),
        }
    return found


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for first in range(0, len(items), size):
        yield items[first:first + size]
