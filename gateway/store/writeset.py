"""A write-set: every row one pipeline turn adds, applied in one transaction.

Write-sets are plain data (msgpack-able typed rows, ``gateway/store/rows.py``) and
idempotent (insert-if-absent on natural or generated keys), so one can be spooled while the
database is down and applied later, or applied twice after a crash, without changing the
result.
"""

from __future__ import annotations

from typing import Final

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.tickets import Ticket, TicketEntry
from gateway.store import schema
from gateway.store.bulk import BulkInserter, Upsert
from gateway.store.rows import (
    AlarmHistoryRow,
    AlarmRow,
    AuditRow,
    BuildingRow,
    DeadLetterRow,
    DeviceRow,
    EventRow,
    InspectionItemRow,
    InspectionRow,
    NotificationRow,
    OutboxRow,
    PendingRow,
    PublicReportRow,
    ReadingRow,
    RuleStateRow,
    SeenRow,
    StatusRow,
)
from gateway.store.status import write_status


class WriteSet(msgspec.Struct, kw_only=True):
    buildings: list[BuildingRow] = msgspec.field(default_factory=list)
    devices: list[DeviceRow] = msgspec.field(default_factory=list)
    events: list[EventRow] = msgspec.field(default_factory=list)
    seen: list[SeenRow] = msgspec.field(default_factory=list)
    dead_letters: list[DeadLetterRow] = msgspec.field(default_factory=list)
    pending: list[PendingRow] = msgspec.field(default_factory=list)  # held for unknown devices
    released: list[str] = msgspec.field(default_factory=list)  # held ids now replayed
    readings: list[ReadingRow] = msgspec.field(default_factory=list)
    alarms: list[AlarmRow] = msgspec.field(default_factory=list)  # latest state, change order
    alarm_history: list[AlarmHistoryRow] = msgspec.field(default_factory=list)
    notifications: list[NotificationRow] = msgspec.field(default_factory=list)
    rule_states: list[RuleStateRow] = msgspec.field(default_factory=list)
    # Device status written with the batch rather than the next flush (a device going
    # offline: its alarm and its flag appear together).
    statuses: list[StatusRow] = msgspec.field(default_factory=list)
    tickets_new: list[Ticket] = msgspec.field(default_factory=list)  # insert-if-absent
    tickets: list[Ticket] = msgspec.field(default_factory=list)  # updates: latest state per id
    ticket_history: list[TicketEntry] = msgspec.field(default_factory=list)
    ticket_outbox: list[OutboxRow] = msgspec.field(default_factory=list)
    audit: list[AuditRow] = msgspec.field(default_factory=list)  # what people changed
    inspections: list[InspectionRow] = msgspec.field(default_factory=list)
    inspection_items: list[InspectionItemRow] = msgspec.field(default_factory=list)
    public_reports: list[PublicReportRow] = msgspec.field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in self.__struct_fields__)


# Order matters: a device's building before the device.
_INSERTED: Final[tuple[tuple[str, sa.Table], ...]] = (
    ("buildings", schema.buildings),
    ("devices", schema.devices),
    ("events", schema.events),
    ("seen", schema.seen_messages),
    ("dead_letters", schema.dead_letters),
    ("pending", schema.pending_messages),
    ("alarm_history", schema.alarm_history),
    ("notifications", schema.notifications),
    ("tickets_new", schema.tickets),
    ("ticket_history", schema.ticket_history),
    ("ticket_outbox", schema.ticket_outbox),
    ("audit", schema.audit_log),
    ("inspections", schema.inspections),
    ("inspection_items", schema.inspection_items),
    ("public_reports", schema.public_reports),
)
# The latest reading of a millisecond wins, as in the series.
_READING: Final = Upsert(("device_id", "at_ms"), ("data",))
_ALARM: Final = Upsert(("id",), tuple(f for f in AlarmRow.__struct_fields__ if f != "id"))
_TICKET: Final = Upsert(("id",), tuple(f for f in Ticket.__struct_fields__ if f != "id"))
_RULE_STATE: Final = Upsert(("building_id",), ("state", "updated_ms"))


class WriteSetApplier:
    """Applies write-sets; keeps the compiled bulk statements between them."""

    def __init__(self) -> None:
        self._bulk = BulkInserter()

    def apply(self, conn: Connection, ws: WriteSet) -> None:
        insert = self._bulk.insert
        for name, table in _INSERTED:
            rows = getattr(ws, name)
            if rows:
                insert(conn, table, rows)
        if ws.released:
            held = schema.pending_messages
            conn.execute(sa.delete(held).where(held.c.id.in_(ws.released)))
        if ws.readings:
            latest = list({(r.device_id, r.at_ms): r for r in ws.readings}.values())
            insert(conn, schema.device_readings, latest, conflict=_READING)
        # One statement per row: an alarm that clears and its successor that opens in the
        # same turn must reach the one-active-per-identity index in that order.
        for row in ws.alarms:
            insert(conn, schema.alarms, [row], conflict=_ALARM)
        if ws.tickets:
            latest_tickets = list({row.id: row for row in ws.tickets}.values())
            insert(conn, schema.tickets, latest_tickets, conflict=_TICKET)
        write_status(conn, ws.statuses)
        if ws.rule_states:
            states = list({row.building_id: row for row in ws.rule_states}.values())
            insert(conn, schema.rule_states, states, conflict=_RULE_STATE)


def apply_writeset(conn: Connection, ws: WriteSet) -> None:
    """Applies one write-set (tests, one-off tools; the store writer keeps an applier)."""
    WriteSetApplier().apply(conn, ws)


encode_writeset = msgspec.msgpack.Encoder().encode
decode_writeset = msgspec.msgpack.Decoder(WriteSet).decode
