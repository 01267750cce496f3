"""Operational tables kept within bounds: by count here (by age in the housekeeping), so
that a flood of bad or unknown messages costs at most a fixed amount of disk."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.store import schema


def keep_newest(conn: Connection, table: sa.Table, key: str, keep: int) -> int:
    """Deletes all but the ``keep`` rows with the highest ``key`` (a time-ordered id);
    returns how many went."""
    column = table.c[key]
    cutoff = conn.execute(
        sa.select(column).order_by(column.desc()).offset(keep).limit(1)
    ).scalar_one_or_none()
    if cutoff is None:
        return 0
    return int(conn.execute(sa.delete(table).where(column <= cutoff)).rowcount)


def write_token_usage(conn: Connection, used: Mapping[str, int]) -> None:
    """``tokens.last_used_ms`` for the tokens used since the last call."""
    if not used:
        return
    t = schema.tokens
    conn.execute(
        sa.update(t)
        .where(t.c.id == sa.bindparam("b_id"))
        .values(last_used_ms=sa.bindparam("b_at")),
        [{"b_id": token_id, "b_at": at} for token_id, at in used.items()],
    )
