"""Writing many rows of parameters at once. On SQLite, the statement is compiled once and
the rows go to the driver as tuples with each column's own conversion applied: building
SQLAlchemy's parameters row by row was most of a rebuild's writing. PostgreSQL keeps
SQLAlchemy's own executemany (multi-row inserts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

_RAW_INSERTS: dict[Table, tuple[str, list[tuple[str, Any, Any]]]] = {}


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """A table's gathered rows in one executemany (on SQLite, a column a row leaves out
    takes its default, as SQLAlchemy would give it)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    shape = _RAW_INSERTS.get(table)
    if shape is None:
        columns = [(c.name, c.default.arg if c.default is not None else None,
                    c.type.bind_processor(connection.dialect)) for c in table.columns]
        quote = connection.dialect.identifier_preparer.quote
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n, _, _ in columns)})"
               f" VALUES ({', '.join('?' * len(columns))})")
        shape = _RAW_INSERTS[table] = (sql, columns)
    sql, columns = shape
    connection.exec_driver_sql(sql, [
        tuple(convert(row.get(name, default)) if convert is not None
              else row.get(name, default) for name, default, convert in columns)
        for row in rows])


_COMPILED: dict[int, tuple[Any, str, list[tuple[str, Any]]]] = {}


def executemany(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """One statement for many rows of parameters, every row naming every parameter."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(statement, rows)
        return
    found = _COMPILED.get(id(statement))
    if found is None or found[0] is not statement:
        compiled = statement.compile(dialect=connection.dialect)
        found = _COMPILED[id(statement)] = (statement, compiled.string, [
            (name, compiled.binds[name].type.bind_processor(connection.dialect))
            for name in compiled.positiontup])
    _, sql, order = found
    connection.exec_driver_sql(sql, [
        tuple(convert(row[name]) if convert is not None else row[name]
              for name, convert in order) for row in rows])
