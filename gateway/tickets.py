"""The ticket desk: opens tickets (from alarms, or by hand), moves and escalates them, and
records each change in a turn: the ticket, its history line, its notification, its export.

Notified (``notify``): a ticket opened (by hand, an inspection, a public report; one an alarm
opened only to the routes that tell the building's responsible person, docs/notifications.md),
put under supervision (``supervised``, gateway/commands.py) and escalated. Not notified: the
moves, classifying, referring, and the backlog import (gateway/backlog.py), whose items are
notified when they escalate.

Every ticket change goes through the pipeline's turn (one writer), and the rows it produces
are committed together, so the export outbox and the notification outbox can never
disagree with the ticket itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.rule_engine import TicketRequest
from alerting.tickets import (
    MAX_LEVEL,
    SOURCES,
    Ticket,
    TicketEntry,
    TicketError,
    TicketInvalid,
    check_class,
    escalate,
    escalation_level,
    opened_entry,
    title_for,
)
from core.config import TicketsConfig
from core.ids import IdFactory
from gateway.device_index import DeviceIndex
from gateway.hub import HubEvent
from gateway.notification import Notification
from gateway.shapes import ExportRecord, TicketObject
from gateway.store import schema
from gateway.store.alarms import notification_row
from gateway.store.rows import OutboxRow
from gateway.store.tickets import ticket_from_row
from gateway.turn import Turn


def responsible_for(config: TicketsConfig, category: str, property_company: str | None) -> str:
    """Who rectifies a ticket of ``category`` when nobody is named: the office the config
    names for it, else the building's property company (物业)."""
    named: str = getattr(config.responsible, category)
    return named or property_company or "物业公司"


class TicketDesk:
    def __init__(self, *, config: TicketsConfig, registry: DeviceIndex, ids: IdFactory) -> None:
        self._config = config
        self._registry = registry
        self._ids = ids

    @property
    def exporting(self) -> bool:
        return bool(self._config.export_url)

    @property
    def config(self) -> TicketsConfig:
        return self._config

    @property
    def departments(self) -> tuple[str, ...]:
        """Where a ticket may be referred (移送): ``tickets.departments``."""
        return tuple(self._config.departments)

    # ---- opening ----------------------------------------------------------------------

    def open_for_alarm(self, turn: Turn, request: TicketRequest) -> Ticket:
        """The ticket an alarm calls for; its id was fixed when the alarm changed."""
        alarm = request.alarm
        building = self._registry.building(alarm.building_id)
        ticket = Ticket(
            id=request.ticket_id,
            alarm_id=alarm.id,
            title=title_for(alarm, building.name if building else None),
            category=request.category,
            severity=alarm.severity,
            building_id=alarm.building_id,
            status="open",
            responsible=self.responsible(request.category, alarm.building_id),
            due_ms=turn.now + self.due_s(request.category) * 1000,
            escalation_level=0,
            created_ms=turn.now,
            updated_ms=turn.now,
            created_by="rules",
            source="alarm",
        )
        entry = opened_entry(
            ticket, entry_id=self._ids.new(turn.now), note=f"由报警 {alarm.id} 自动生成"
        )
        # The alarm's own notice names the ticket and tells the duty room; this one goes only
        # to the routes that tell the building's responsible person (gateway/notify/routing.py).
        # A device fault is the maintenance contractor's, announced by its alarm: none.
        notify = None if request.category == "device" else "opened"
        self.record(turn, ticket, [], entry, new=True, notify=notify)
        return ticket

    def open_by_hand(
        self,
        turn: Turn,
        *,
        title: str,
        category: str,
        building_id: str,
        severity: str,
        responsible: str | None,
        due_ms: int | None,
        venue_type: str | None,
        note: str | None,
        by: str,
        hazard_class: str = "general",
        hazard_criterion: str | None = None,
        source: str = "manual",
        inspection_id: str | None = None,
    ) -> tuple[Ticket, list[TicketEntry]]:
        """A ticket opened by a person (or an inspection, with its ``source``), classified
        as it is opened: a major hazard cites its criterion (TicketInvalid otherwise)."""
        criterion = check_class(hazard_class, hazard_criterion)
        if source not in SOURCES:
            raise TicketInvalid(f"source: one of {', '.join(SOURCES)}")
        ticket = Ticket(
            id=self._ids.new(turn.now),
            alarm_id=None,
            title=title,
            category=category,
            venue_type=venue_type,
            severity=severity,
            building_id=building_id,
            status="open",
            responsible=responsible or self.responsible(category, building_id),
            due_ms=due_ms if due_ms is not None else turn.now + self.due_s(category) * 1000,
            escalation_level=0,
            created_ms=turn.now,
            updated_ms=turn.now,
            created_by=by,
            hazard_class=hazard_class,
            hazard_criterion=criterion,
            source=source,
            inspection_id=inspection_id,
        )
        entry = opened_entry(ticket, entry_id=self._ids.new(turn.now), note=note)
        self.record(turn, ticket, [], entry, new=True, notify="opened")
        return ticket, [entry]

    def responsible(self, category: str, building_id: str) -> str:
        building = self._registry.building(building_id)
        return responsible_for(
            self._config, category, building.property_company if building else None
        )

    def due_s(self, category: str) -> int:
        due: int = getattr(self._config.due_s, category)
        return due

    # ---- escalation -------------------------------------------------------------------

    def escalate_overdue(
        self, turn: Turn, conn_rows: list[tuple[Ticket, list[TicketEntry]]]
    ) -> int:
        """Raise overdue tickets to their level; one history line and notification per level."""
        every = self._config.escalate_every_s * 1000
        raised = 0
        for ticket, history in conn_rows:
            target = escalation_level(ticket, now=turn.now, every_ms=every)
            current = ticket
            entries = list(history)
            for level in range(ticket.escalation_level + 1, target + 1):
                current, entry = escalate(
                    current, level, now=turn.now, entry_id=self._ids.new(turn.now)
                )
                entries.append(entry)
                self.record(turn, current, entries[:-1], entry, new=False, notify="escalated")
                raised += 1
        return raised

    @staticmethod
    def overdue(conn: Connection, *, now: int, every_ms: int) -> list[Ticket]:
        t = schema.tickets
        rows = conn.execute(
            sa.select(t).where(
                t.c.status != "closed",
                t.c.escalation_level < MAX_LEVEL,
                t.c.due_ms + (t.c.escalation_level + 1) * every_ms <= now,
            )
        )
        return [ticket_from_row(row) for row in rows]

    # ---- recording --------------------------------------------------------------------

    def record(
        self,
        turn: Turn,
        ticket: Ticket,
        history: list[TicketEntry],
        entry: TicketEntry,
        *,
        new: bool,
        notify: str | None,
    ) -> TicketObject:
        """Put one ticket change into the turn; return the ticket object it announces."""
        ws = turn.ws
        (ws.tickets_new if new else ws.tickets).append(ticket)
        ws.ticket_history.append(entry)
        obj = TicketObject.of(ticket, [*history, entry])
        turn.events.append(HubEvent.ticket(entry.id, obj))
        if notify is not None:
            notification = Notification(
                id=entry.id, reason=notify, created_ms=entry.at_ms, ticket=ticket
            )
            ws.notifications.append(notification_row(notification))
            turn.notifications.append(notification)
        if self.exporting:
            ws.ticket_outbox.append(
                OutboxRow(
                    id=entry.id,
                    ticket_id=ticket.id,
                    created_ms=entry.at_ms,
                    payload=ExportRecord.of(entry.id, obj).wire_json(),
                    status="pending",
                    attempts=0,
                )
            )
        return obj


__all__ = ["TicketDesk", "TicketError"]
