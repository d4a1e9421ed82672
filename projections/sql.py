"""Writing many rows of parameters at once. A statement is compiled once per dialect and
the rows go to the driver with each column's own conversion applied: building
SQLAlchemy's parameters row by row was most of a rebuild's writing. On PostgreSQL new
rows go in by COPY, in the batch's transaction (an executemany there is one statement
per row in a pipeline; the counters and the caseload pass their rows as arrays instead)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

_RAW_INSERTS: dict[tuple[Table, str], tuple[str, list[tuple[str, Any, Any]]]] = {}


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """A table's gathered rows in one executemany (on SQLite, a column a row leaves out
    takes its default, as SQLAlchemy would give it)."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        session.execute(insert(table), rows)
        return
    shape = _RAW_INSERTS.get((table, dialect))
    if shape is None:
        columns = [(c.name, c.default.arg if c.default is not None else None,
                    c.type.bind_processor(connection.dialect)) for c in table.columns]
        quote = connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(n) for n, _, _ in columns)
        sql = f"COPY {quote(table.name)} ({names}) FROM STDIN" if dialect == "postgresql" \
            else f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' * len(columns))})"
        shape = _RAW_INSERTS[(table, dialect)] = (sql, columns)
    sql, columns = shape
    values = [tuple(convert(row.get(name, default)) if convert is not None
                    else row.get(name, default) for name, default, convert in columns)
              for row in rows]
    if dialect == "sqlite":
        connection.exec_driver_sql(sql, values)
        return
    with connection.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(sql) as copy:
            for value in values:
                copy.write_row(value)


_COMPILED: dict[tuple[int, str], tuple[Any, str, list[tuple[str, Any, Any]]]] = {}
_REQUIRED = object()


def executemany(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """One statement (built once, kept by the caller) for many rows of parameters: compiled
    once per dialect, each row's values converted by its parameter's type and handed to
    the driver (a parameter a row does not name keeps the value it was built with)."""
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name not in ("sqlite", "postgresql"):
        connection.execute(statement, rows)
        return
    found = _COMPILED.get((id(statement), dialect.name))
    if found is None or found[0] is not statement:
        compiled = statement.compile(dialect=dialect)
        names = compiled.positiontup if compiled.positional else list(compiled.binds)
        found = _COMPILED[(id(statement), dialect.name)] = (statement, compiled.string, [
            (name, compiled.binds[name].type.bind_processor(dialect),
             _REQUIRED if compiled.binds[name].required else compiled.binds[name].effective_value)
            for name in names])
    _, sql, order = found
    values = [[_value(row, name, convert, default) for name, convert, default in order]
              for row in rows]
    if dialect.name == "sqlite":
        connection.exec_driver_sql(sql, [tuple(v) for v in values])
    else:
        names = [name for name, _, _ in order]
        connection.exec_driver_sql(sql, [dict(zip(names, v)) for v in values])


def _value(row: dict[str, Any], name: str, convert: Any, default: Any) -> Any:
    value = row[name] if default is _REQUIRED else row.get(name, default)
    return convert(value) if convert is not None else value
