"""A ticket change as the district's hazard system receives it (docs/tickets.md): written to
the export outbox with the change, POSTed as JSON with the change's id as Idempotency-Key."""

from __future__ import annotations

from typing import Literal

from gateway.shapes.base import Shape
from gateway.shapes.ticket import HistoryEntry, TicketObject


class ExportRecord(Shape):
    idempotency_key: str
    source: Literal["siteguard"] = "siteguard"
    change: HistoryEntry  # the ticket's latest history line: what this record reports
    ticket: TicketObject  # the ticket after the change, its whole history included

    @classmethod
    def of(cls, entry_id: str, ticket: TicketObject) -> ExportRecord:
        """The record of the change ``entry_id``, the last line of ``ticket``'s history."""
        return cls(idempotency_key=entry_id, change=ticket.history[-1], ticket=ticket)
