"""Bulk writes on the hot path (the treasury's and the banks'): the driver's own executemany, one statement per chunk.

SQLAlchemy Core's executemany costs about three times the driver's on SQLite (measured: 15 µs
against 5 µs a row), and a payment run writes three rows per instruction. The statements are
still built from the tables, values still go through each column's type (timestamps become what
UTCDateTime stores), and the placeholders follow the dialect: one code path for SQLite and
PostgreSQL.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from sqlalchemy import Connection, Table


def _placeholder(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order) with one executemany."""
    if not rows:
        return
    mark = _placeholder(connection)
    names = ", ".join(columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join(mark for _ in columns)})"
    connection.exec_driver_sql(sql, _typed(connection, table, columns, rows))


def update_rows(connection: Connection, table: Table, set_columns: Sequence[str], key_columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE with one executemany; each row is the new values then the key values."""
    if not rows:
        return
    mark = _placeholder(connection)
    sets = ", ".join(f"{name} = {mark}" for name in set_columns)
    where = " AND ".join(f"{name} = {mark}" for name in key_columns)
    sql = f"UPDATE {table.name} SET {sets} WHERE {where}"
    connection.exec_driver_sql(sql, _typed(connection, table, [*set_columns, *key_columns], rows))


def bind(connection: Connection, table: Table, column: str, value: Any) -> Any:
    """A value as the driver receives it for ``column`` (e.g. a UTC timestamp on SQLite)."""
    processor = _processor(connection, table, column)
    return processor(value) if processor else value


def _processor(connection: Connection, table: Table, column: str) -> Callable[[Any], Any] | None:
    # The dialect's own implementation of the type (UTCDateTime becomes SQLite's text form).
    return table.c[column].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)


def _typed(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    processors: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(columns):
        processor = _processor(connection, table, name)
        if processor is not None:
            processors.append((index, processor))
    if not processors:
        return [tuple(row) for row in rows]
    # Columns whose value is the same on every row (a timestamp of the chunk) are converted once.
    constant = {i: p(rows[0][i]) for i, p in processors if all(r[i] is rows[0][i] for r in rows)}
    varying = [(i, p) for i, p in processors if i not in constant]
    result = []
    for row in rows:
        values = list(row)
        for i, value in constant.items():
            values[i] = value
        for i, processor in varying:
            values[i] = processor(values[i])
        result.append(tuple(values))
    return result


def select_in(connection: Connection, sql: str, values: Sequence[Any], before: Sequence[Any] = (), chunk: int = 500) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (written with ``?`` placeholders, ending with ``IN``) for every value, a
    chunk at a time, through the driver: SQLAlchemy renders an expanding ``IN`` again on every execution, which at 500
    values costs more than the query. ``before`` are the parameters that precede the list."""
    mark = _placeholder(connection)
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(values), chunk):
        part = list(values[start:start + chunk])
        statement = sql.replace("?", mark) + " (" + ", ".join(mark for _ in part) + ")"
        found.extend(connection.exec_driver_sql(statement, tuple([*before, *part])).fetchall())
    return found
