"""Operational tables kept within bounds, by age and by count, so that a flood of bad or
unknown messages costs at most a fixed amount of disk. The housekeeping runs ``prune`` every
minute; the audit log is never pruned."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.config import Settings
from gateway.store import schema

_DAY_MS = 86_400_000


def prune(conn: Connection, *, settings: Settings, now_ms: int) -> None:
    """Operational tables kept by age (and some by count), as ``settings`` say."""
    s, now = settings, now_ms
    conn.execute(
        sa.delete(schema.seen_messages).where(
            schema.seen_messages.c.received_ms < now - s.ingest.dedup_window_s * 1000
        )
    )
    conn.execute(
        sa.delete(schema.device_readings).where(
            schema.device_readings.c.at_ms < now - s.devices.readings_keep_s * 1000
        )
    )
    conn.execute(
        sa.delete(schema.dead_letters).where(
            schema.dead_letters.c.received_ms < now - s.ingest.dead_letter_keep_days * _DAY_MS
        )
    )
    prune_pending(
        conn,
        before_ms=now - s.ingest.pending_keep_days * _DAY_MS,
        keep_per_device=s.ingest.pending_max_per_device,
    )
    keep_newest(conn, schema.dead_letters, "id", s.ingest.dead_letter_max_rows)
    keep_newest(conn, schema.pending_messages, "id", s.ingest.pending_max_rows)
    # A reporter's phone number is kept only as long as it may be needed to call back (PIPL).
    r = schema.public_reports
    conn.execute(
        sa.update(r)
        .where(
            r.c.contact.is_not(None), r.c.created_ms < now - s.public.contact_keep_days * _DAY_MS
        )
        .values(contact=None)
    )
    n, o = schema.notifications, schema.ticket_outbox
    conn.execute(
        sa.delete(n).where(
            n.c.status == "sent", n.c.created_ms < now - s.notify.keep_days * _DAY_MS
        )
    )
    conn.execute(
        sa.delete(o).where(
            o.c.status == "sent", o.c.created_ms < now - s.tickets.outbox_keep_days * _DAY_MS
        )
    )


def prune_pending(conn: Connection, *, before_ms: int, keep_per_device: int) -> int:
    """Drops held messages older than ``before_ms`` and all but the newest
    ``keep_per_device`` of each identifier; returns how many."""
    p = schema.pending_messages
    dropped = conn.execute(sa.delete(p).where(p.c.received_ms < before_ms)).rowcount
    crowded = conn.execute(
        sa.select(p.c.identifier).group_by(p.c.identifier).having(sa.func.count() > keep_per_device)
    ).scalars()
    for identifier in list(crowded):
        cutoff = conn.execute(
            sa.select(p.c.id)
            .where(p.c.identifier == identifier)
            .order_by(p.c.id.desc())
            .offset(keep_per_device)
            .limit(1)
        ).scalar_one()
        dropped += conn.execute(
            sa.delete(p).where(p.c.identifier == identifier, p.c.id <= cutoff)
        ).rowcount
    return dropped


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
