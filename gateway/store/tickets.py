"""Tickets and their history, read back from their rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.tickets import Ticket, TicketEntry
from gateway.store import schema


def ticket_from_row(row: sa.Row[Any]) -> Ticket:
    return Ticket(**{name: getattr(row, name) for name in Ticket.__struct_fields__})


def entry_from_row(row: sa.Row[Any]) -> TicketEntry:
    return TicketEntry(**{name: getattr(row, name) for name in TicketEntry.__struct_fields__})


def load_ticket(conn: Connection, ticket_id: str) -> tuple[Ticket, list[TicketEntry]] | None:
    t, h = schema.tickets, schema.ticket_history
    row = conn.execute(sa.select(t).where(t.c.id == ticket_id)).one_or_none()
    if row is None:
        return None
    history = conn.execute(sa.select(h).where(h.c.ticket_id == ticket_id).order_by(h.c.id))
    return ticket_from_row(row), [entry_from_row(e) for e in history]


def histories(conn: Connection, ticket_ids: list[str]) -> dict[str, list[TicketEntry]]:
    h = schema.ticket_history
    out: dict[str, list[TicketEntry]] = {tid: [] for tid in ticket_ids}
    if ticket_ids:
        rows = conn.execute(sa.select(h).where(h.c.ticket_id.in_(ticket_ids)).order_by(h.c.id))
        for row in rows:
            out[row.ticket_id].append(entry_from_row(row))
    return out
