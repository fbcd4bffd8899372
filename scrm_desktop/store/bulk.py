"""Batched inserts for both databases: SQLite takes the rows as executemany; PostgreSQL gets one
`INSERT ... SELECT FROM unnest(<one array per column>)`.

On PostgreSQL, SQLAlchemy sends an executemany with RETURNING as multi-row VALUES statements of 1,000 rows each,
and psycopg re-parses every such statement (24,000 placeholders for a page of posts) in Python: on ingest that
cost more than the database's own work. Column arrays are one placeholder each, whatever the batch size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, BindParameter, Column, Connection, Table, Text, bindparam, func, select

from scrm_desktop.store.rows import json_text, sqlite_datetime  # noqa: F401  (where the store's writers find them)


def dialect_insert(conn: Connection, table: Any) -> Any:
    """The INSERT of `conn`'s database (with its `on_conflict_*`). Each dialect's module is imported when it is
    first used: a SQLite desktop never loads PostgreSQL's (a twentieth of a second of every start)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> tuple[Any, Any]:
    """(statement, parameters) inserting `rows` (dicts with the same keys) into `table`: run it as
    `conn.execute(statement, parameters)`. The statement is the dialect's insert, so `on_conflict_do_nothing`,
    `on_conflict_do_update` with `excluded`, and `returning` work as on a plain insert of the rows."""
    if conn.dialect.name != "postgresql":
        return dialect_insert(conn, table), list(rows)
    names = list(rows[0])
    source = func.unnest(*(_array(table.c[name], [row[name] for row in rows]) for name in names))
    derived = source.table_valued(*names).render_derived()
    # JSON travels as text (an array of lists would read as a nested array) and is cast back
    values = [derived.c[n].cast(table.c[n].type) if _is_json(table.c[n]) else derived.c[n] for n in names]
    return dialect_insert(conn, table).from_select(names, select(*values)), None


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON)


def _array(column: Column[Any], values: list[Any]) -> BindParameter[Any]:
    if _is_json(column):
        values, item = [None if v is None else json.dumps(v) for v in values], Text()
    else:
        item = column.type
    from sqlalchemy.dialects.postgresql import ARRAY

    return bindparam(f"bulk_{column.name}", values, type_=ARRAY(item))


def sqlite_insert(table: Table, names: Sequence[str], tail: str = "") -> str:
    """`INSERT INTO table (names) VALUES (?, ...) <tail>` for SQLite's driver (tail: an ON CONFLICT clause)."""
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) {tail}".rstrip()


def sqlite_in(
    conn: Connection, sql: str, first: Any, values: Sequence[Any], chunk: int = 900, tail: str = ""
) -> list[Any]:
    """Rows of `<sql> IN (values) <tail>` on SQLite's driver, `first` bound to the one `?` in `sql`, in chunks that
    stay under the 999 parameters of the oldest SQLite builds: e.g. `SELECT id FROM t WHERE channel = ? AND key`
    (tail: a GROUP BY, say)."""
    rows: list[Any] = []
    for i in range(0, len(values), chunk):
        part = values[i : i + chunk]
        rows += conn.exec_driver_sql(f"{sql} IN ({', '.join('?' * len(part))}){tail}", (first, *part)).all()
    return rows
