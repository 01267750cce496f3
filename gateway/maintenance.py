"""A smoke detector that keeps crying wolf gets a maintenance ticket (docs/tickets.md): when
the duty officer acknowledges one of its alarms as a false alarm and it has had
``tickets.false_alarms_for_ticket`` of them within ``tickets.false_alarm_window_days``, a
``device`` ticket goes to the maintenance contractor, once while it is open. False alarms
wear the duty officer's attention down (the plan's 误报 concern); this turns them into work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.model import Alarm
from gateway.store import schema

BY = "误报统计"  # who such a ticket was created by
_DAY_MS = 86_400_000


def title_for(device_id: str) -> str:
    return f"烟感频繁误报：{device_id}"


def needs_ticket(before: Alarm, after: Alarm) -> bool:
    """A smoke alarm of one device just acknowledged as a false alarm."""
    return (
        after.kind == "smoke"
        and after.device_id is not None
        and after.verdict == "false_alarm"
        and before.verdict != "false_alarm"
    )


def false_alarms(
    conn: Connection, alarm: Alarm, *, now_ms: int, window_days: int
) -> tuple[int, bool]:
    """The device's false alarms in the window, this one included (its verdict is being
    written in this turn), and whether its maintenance ticket is already open."""
    a, t = schema.alarms, schema.tickets
    since = now_ms - window_days * _DAY_MS
    earlier = conn.execute(
        sa.select(sa.func.count()).where(
            a.c.device_id == alarm.device_id,
            a.c.kind == "smoke",
            a.c.verdict == "false_alarm",
            a.c.opened_ms >= since,
            a.c.id != alarm.id,
        )
    ).scalar_one()
    open_ticket = conn.execute(
        sa.select(t.c.id).where(
            t.c.category == "device",
            t.c.created_by == BY,
            t.c.title == title_for(alarm.device_id or ""),
            t.c.status != "closed",
        )
    ).first()
    this = 1 if alarm.opened_ms >= since else 0
    return int(earlier) + this, open_ticket is not None
