"""Bulk inserts of typed rows straight through the database driver.

SQLAlchemy's per-row parameter processing costs more than SQLite itself for the thousands of
rows a second ingest writes, so rows go to the driver as tuples: SQLite gets one
``executemany`` of a prepared ``INSERT``; PostgreSQL gets a single statement whose values
arrive as one array per column (``INSERT ... SELECT * FROM unnest(...)``), one round trip
however many rows. Statements are built once per dialect, table and conflict rule, from
the table's own column types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

_PG: Final = postgresql.dialect()  # type: ignore[no-untyped-call]
# Below this many rows PostgreSQL gets a plain executemany: arrays cost more than they save.
_PG_ARRAY_FROM = 8


class Upsert(msgspec.Struct, frozen=True):
    """``ON CONFLICT (keys) DO UPDATE SET`` the ``update`` columns to the new row's values."""

    keys: tuple[str, ...]
    update: tuple[str, ...]


IGNORE: Final = Upsert((), ())  # ON CONFLICT DO NOTHING


class BulkInserter:
    """Inserts lists of one row type into one table; holds its compiled statements."""

    def __init__(self) -> None:
        self._sql: dict[tuple[str, str, type[msgspec.Struct], Upsert, bool], str] = {}

    def insert(
        self,
        conn: Connection,
        table: sa.Table,
        rows: Sequence[msgspec.Struct],
        *,
        conflict: Upsert = IGNORE,
    ) -> None:
        if not rows:
            return
        kind = type(rows[0])
        tuples = [msgspec.structs.astuple(row) for row in rows]
        dialect = conn.dialect.name
        arrays = dialect == "postgresql" and len(rows) >= _PG_ARRAY_FROM
        key = (dialect, table.name, kind, conflict, arrays)
        sql = self._sql.get(key)
        if sql is None:
            sql = self._sql[key] = _statement(
                dialect, table, kind.__struct_fields__, conflict, arrays
            )
        if arrays:
            conn.exec_driver_sql(sql, tuple(list(column) for column in zip(*tuples, strict=True)))
        else:
            conn.exec_driver_sql(sql, tuples)


def _statement(
    dialect: str, table: sa.Table, columns: tuple[str, ...], conflict: Upsert, arrays: bool
) -> str:
    for name in columns:
        if name not in table.c:
            raise ValueError(f"{table.name} has no column {name!r}")
    names = ", ".join(_quote(name) for name in columns)
    if arrays:
        casts = ", ".join(f"%s::{table.c[name].type.compile(dialect=_PG)}[]" for name in columns)
        values = f"SELECT * FROM unnest({casts})"  # noqa: S608 - names from the schema only
    else:
        marker = "?" if dialect == "sqlite" else "%s"
        values = "VALUES (" + ", ".join(marker for _ in columns) + ")"
    if conflict.keys:
        target = ", ".join(_quote(k) for k in conflict.keys)
        sets = ", ".join(f"{_quote(c)} = excluded.{_quote(c)}" for c in conflict.update)
        tail = f"ON CONFLICT ({target}) DO UPDATE SET {sets}"
    else:
        tail = "ON CONFLICT DO NOTHING"
    return f"INSERT INTO {table.name} ({names}) {values} {tail}"


def _quote(name: str) -> str:
    # "by" and "count" are column names here; quoting every name keeps it simple.
    return f'"{name}"'
