"""The changes a stream client missed: alarm and ticket changes after an event id, read
from their history tables and shaped as the hub announced them (``gateway/shapes/event.py``).

An alarm is shown as it was at its change, as far as the history records it (status,
severity, count); a ticket with its history up to the change.
"""

from __future__ import annotations

from collections.abc import Collection

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.shapes import AlarmObject, HubEvent, TicketObject
from gateway.store import schema
from gateway.store.alarms import alarm_from_row
from gateway.store.tickets import histories, ticket_from_row

BACKLOG_LIMIT = 10_000


def changes_after(
    conn: Connection,
    after: str,
    *,
    buildings: Collection[str] | None,
    limit: int = BACKLOG_LIMIT,
) -> list[HubEvent]:
    """Changes after the event id ``after`` in ``buildings`` (None: every building), oldest
    first, at most ``limit``."""
    events = [
        *_alarm_changes(conn, after, buildings, limit),
        *_ticket_changes(conn, after, buildings, limit),
    ]
    events.sort(key=lambda e: e.id)
    return events[:limit]


def _alarm_changes(
    conn: Connection, after: str, buildings: Collection[str] | None, limit: int
) -> list[HubEvent]:
    h, a = schema.alarm_history, schema.alarms
    # The history's columns labelled apart: the alarm's own keep their names.
    query = sa.select(
        a,
        h.c.id.label("change_id"),
        h.c.status.label("change_status"),
        h.c.severity.label("change_severity"),
        h.c.count.label("change_count"),
    ).select_from(h.join(a, a.c.id == h.c.alarm_id))
    if buildings is not None:
        query = query.where(a.c.building_id.in_(sorted(buildings)))
    rows = conn.execute(query.where(h.c.id > after).order_by(h.c.id).limit(limit))
    return [
        HubEvent.alarm(
            row.change_id,
            AlarmObject.of(
                msgspec.structs.replace(
                    alarm_from_row(row),
                    status=row.change_status,
                    severity=row.change_severity,
                    count=row.change_count,
                )
            ),
        )
        for row in rows
    ]


def _ticket_changes(
    conn: Connection, after: str, buildings: Collection[str] | None, limit: int
) -> list[HubEvent]:
    th, t = schema.ticket_history, schema.tickets
    query = sa.select(t, th.c.id.label("entry_id")).select_from(
        th.join(t, t.c.id == th.c.ticket_id)
    )
    if buildings is not None:
        query = query.where(t.c.building_id.in_(sorted(buildings)))
    rows = conn.execute(query.where(th.c.id > after).order_by(th.c.id).limit(limit)).all()
    found = histories(conn, list({row.id for row in rows}))
    return [
        HubEvent.ticket(
            row.entry_id,
            TicketObject.of(
                ticket_from_row(row), [e for e in found[row.id] if e.id <= row.entry_id]
            ),
        )
        for row in rows
    ]
