"""A write-set: every row one pipeline batch adds, applied in one transaction.

Write-sets are plain data (msgpack-able) and idempotent (insert-if-absent on natural or
generated keys), so one can be spooled while the database is down and applied later, or
applied twice after a crash, without changing the result.
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.store import schema
from gateway.store.db import insert_ignore, upsert
from gateway.store.status import STATUS_UPDATE

Row = dict[str, Any]


class WriteSet(msgspec.Struct, kw_only=True):
    buildings: list[Row] = msgspec.field(default_factory=list)
    devices: list[Row] = msgspec.field(default_factory=list)
    events: list[Row] = msgspec.field(default_factory=list)
    seen: list[Row] = msgspec.field(default_factory=list)
    dead_letters: list[Row] = msgspec.field(default_factory=list)
    pending: list[Row] = msgspec.field(default_factory=list)  # held for unknown devices
    released: list[str] = msgspec.field(default_factory=list)  # held ids now replayed
    readings: list[Row] = msgspec.field(default_factory=list)
    alarms: list[Row] = msgspec.field(default_factory=list)  # latest state, in change order
    alarm_history: list[Row] = msgspec.field(default_factory=list)
    notifications: list[Row] = msgspec.field(default_factory=list)
    rule_states: list[Row] = msgspec.field(default_factory=list)
    # Device status written with the batch rather than the next flush (a device going
    # offline: its alarm and its flag appear together).
    statuses: list[Row] = msgspec.field(default_factory=list)
    tickets_new: list[Row] = msgspec.field(default_factory=list)  # insert-if-absent (id, alarm)
    tickets: list[Row] = msgspec.field(default_factory=list)  # updates: latest state per id
    ticket_history: list[Row] = msgspec.field(default_factory=list)
    ticket_outbox: list[Row] = msgspec.field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in self.__struct_fields__)


# Order matters: a device's building before the device.
_TABLES: tuple[tuple[str, sa.Table], ...] = (
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
)
_TICKET_COLUMNS = [c.name for c in schema.tickets.columns if c.name != "id"]
_ALARM_COLUMNS = [c.name for c in schema.alarms.columns if c.name != "id"]


def apply_writeset(conn: Connection, ws: WriteSet) -> None:
    for name, table in _TABLES:
        rows = getattr(ws, name)
        if rows:
            conn.execute(insert_ignore(conn, table), rows)
    if ws.released:
        held = schema.pending_messages
        conn.execute(sa.delete(held).where(held.c.id.in_(ws.released)))
    if ws.readings:
        # The latest reading of a millisecond wins, as in the series.
        conn.execute(
            upsert(conn, schema.device_readings, ["device_id", "at_ms"], ["data"]), ws.readings
        )
    # One statement per row: an alarm that clears and its successor that opens in the same
    # batch must reach the one-active-per-identity index in that order.
    for row in ws.alarms:
        conn.execute(upsert(conn, schema.alarms, ["id"], _ALARM_COLUMNS), row)
    if ws.tickets:
        latest = list({row["id"]: row for row in ws.tickets}.values())
        conn.execute(upsert(conn, schema.tickets, ["id"], _TICKET_COLUMNS), latest)
    if ws.statuses:
        STATUS_UPDATE.executemany(conn, ws.statuses)
    if ws.rule_states:
        conn.execute(
            upsert(conn, schema.rule_states, ["building_id"], ["state", "updated_ms"]),
            ws.rule_states,
        )


encode_writeset = msgspec.msgpack.Encoder().encode
decode_writeset = msgspec.msgpack.Decoder(WriteSet).decode
