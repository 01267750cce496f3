"""The ticket object with its history (contract section 4), and the same ticket as a caller
sees it: with the moves its role may make (``allowed_moves``, for the console's buttons)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from alerting.tickets import Role, Ticket, TicketEntry, allowed_moves
from core.timefmt import rfc3339
from gateway.shapes.base import Shape, at


class HistoryEntry(Shape):
    """One line of a ticket's history: a move, or (``from`` == ``to``) an escalation or a
    change to the hazard register (classified, supervised, referred)."""

    at: str
    by: str
    # ``from`` on the wire; a Python keyword, so ``from_`` here.
    from_: str | None = Field(alias="from")
    to: str
    note: str | None
    escalation_level: int

    @classmethod
    def of(cls, entry: TicketEntry) -> HistoryEntry:
        return cls.model_validate(
            {
                "at": at(entry.at_ms),
                "by": entry.by,
                "from": entry.from_status,
                "to": entry.to_status,
                "note": entry.note,
                "escalation_level": entry.escalation_level,
            }
        )


class TicketObject(Shape):
    """A ticket as the stream, the export and the webhook show it; ``history`` oldest first."""

    id: str
    alarm_id: str | None
    title: str
    category: str
    venue_type: str | None
    severity: str
    building_id: str
    status: str
    responsible: str
    due_at: str
    escalation_level: int = Field(description="0-4: 函告, 通报, 约谈, 曝光")
    created_at: str
    updated_at: str
    closed_at: str | None
    created_by: str
    # The hazard register (隐患台账, docs/tickets.md).
    hazard_class: str = Field(description="major (重大事故隐患) or general (一般隐患)")
    hazard_criterion: str | None = Field(
        description="the national criterion a major hazard was judged by"
    )
    source: str = Field(description="alarm, inspection, backlog, manual or public")
    supervised: bool = Field(description="under the office's supervision (挂牌督办)")
    supervised_at: str | None = Field(description="supervised since; its deadline is due_at")
    referred_to: str | None = Field(description="the department it was referred to (移送)")
    referred_at: str | None
    referral_reply: str | None = Field(description="that department's answer")
    inspection_id: str | None = Field(
        default=None, description="the inspection whose failed item opened it"
    )
    history: list[HistoryEntry]

    @classmethod
    def of(cls, ticket: Ticket, history: Sequence[TicketEntry]) -> TicketObject:
        """``history`` in the order it happened (the store reads it by id, time-ordered)."""
        return cls(
            id=ticket.id,
            alarm_id=ticket.alarm_id,
            title=ticket.title,
            category=ticket.category,
            venue_type=ticket.venue_type,
            severity=ticket.severity,
            building_id=ticket.building_id,
            status=ticket.status,
            responsible=ticket.responsible,
            due_at=at(ticket.due_ms),
            escalation_level=ticket.escalation_level,
            created_at=at(ticket.created_ms),
            updated_at=at(ticket.updated_ms),
            closed_at=rfc3339(ticket.closed_ms),
            created_by=ticket.created_by,
            hazard_class=ticket.hazard_class,
            hazard_criterion=ticket.hazard_criterion,
            source=ticket.source,
            supervised=ticket.supervised_ms is not None,
            supervised_at=rfc3339(ticket.supervised_ms),
            referred_to=ticket.referred_to,
            referred_at=rfc3339(ticket.referred_ms),
            referral_reply=ticket.referral_reply,
            inspection_id=ticket.inspection_id,
            history=[HistoryEntry.of(entry) for entry in history],
        )

    def moves_for(self, role: Role) -> list[str]:
        return list(allowed_moves(self.status, role))

    def seen_by(self, role: Role) -> TicketView:
        """The ticket with the moves ``role`` may make (the API's answers, the stream)."""
        return TicketView.model_validate({**self.__dict__, "allowed_moves": self.moves_for(role)})


class TicketView(TicketObject):
    """A ticket as the API answers a caller: with the moves the caller's role may make."""

    allowed_moves: list[str] = Field(
        default_factory=list,
        description="statuses the caller's token may move this ticket to (empty: none)",
    )
