"""Tickets, their history and their export outbox as rows, and the ticket object of the API."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.tickets import Ticket, TicketEntry
from core.timefmt import rfc3339
from gateway.store import schema


def ticket_from_row(row: Any) -> Ticket:
    return Ticket(**{name: getattr(row, name) for name in Ticket.__struct_fields__})


def entry_from_row(row: Any) -> TicketEntry:
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


def ticket_object(ticket: Ticket, history: list[TicketEntry]) -> dict[str, Any]:
    """The ticket as the API, the stream and the export show it (contract section 4)."""
    return {
        "id": ticket.id,
        "alarm_id": ticket.alarm_id,
        "title": ticket.title,
        "category": ticket.category,
        "venue_type": ticket.venue_type,
        "severity": ticket.severity,
        "building_id": ticket.building_id,
        "status": ticket.status,
        "responsible": ticket.responsible,
        "due_at": rfc3339(ticket.due_ms),
        "escalation_level": ticket.escalation_level,
        "created_at": rfc3339(ticket.created_ms),
        "updated_at": rfc3339(ticket.updated_ms),
        "closed_at": rfc3339(ticket.closed_ms),
        "created_by": ticket.created_by,
        "history": [
            {
                "at": rfc3339(e.at_ms),
                "by": e.by,
                "from": e.from_status,
                "to": e.to_status,
                "note": e.note,
                "escalation_level": e.escalation_level,
            }
            for e in history
        ],
    }
