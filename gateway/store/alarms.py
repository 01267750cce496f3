"""Alarms, their history and their notifications as rows."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.model import Alarm, AlarmChange
from gateway.notification import Notification, encode_notification
from gateway.store import schema
from gateway.store.rows import AlarmHistoryRow, AlarmRow, NotificationRow

_json = msgspec.json.Encoder()
_ids = msgspec.json.Decoder(tuple[str, ...])


def alarm_row(alarm: Alarm) -> AlarmRow:
    fields = msgspec.structs.asdict(alarm)
    fields["device_ids"] = _json.encode(alarm.device_ids).decode()
    return AlarmRow(identity=alarm.identity, **fields)


def alarm_from_row(row: sa.Row[Any]) -> Alarm:
    data = {name: getattr(row, name) for name in Alarm.__struct_fields__}
    data["device_ids"] = _ids.decode(row.device_ids)
    data["latched"] = bool(row.latched)
    data["held"] = bool(row.held)
    return Alarm(**data)


def history_row(change: AlarmChange) -> AlarmHistoryRow:
    alarm = change.alarm
    return AlarmHistoryRow(
        id=change.id,
        alarm_id=alarm.id,
        building_id=alarm.building_id,
        kind=alarm.kind,
        action=change.action,
        at_ms=change.at_ms,
        by=change.by,
        note=change.note,
        severity=alarm.severity,
        status=alarm.status,
        count=alarm.count,
        notify=change.notify,
    )


def notification_for(change: AlarmChange) -> Notification:
    # One notification per change at most: the change's id will do for it.
    return Notification(
        id=change.id, reason=change.action, created_ms=change.at_ms, alarm=change.alarm
    )


def notification_row(notification: Notification, *, held: bool = False) -> NotificationRow:
    alarm, ticket = notification.alarm, notification.ticket
    return NotificationRow(
        id=notification.id,
        subject=notification.subject,
        alarm_id=alarm.id if alarm else None,
        ticket_id=ticket.id if ticket else None,
        reason=notification.reason,
        building_id=notification.building_id,
        kind=notification.kind,
        severity=notification.severity,
        created_ms=notification.created_ms,
        status="held" if held else "pending",
        attempts=0,
        payload=encode_notification(notification).decode(),
    )


def load_alarm(conn: Connection, alarm_id: str) -> Alarm | None:
    row = conn.execute(sa.select(schema.alarms).where(schema.alarms.c.id == alarm_id)).one_or_none()
    return None if row is None else alarm_from_row(row)


def active_alarms(conn: Connection) -> list[Alarm]:
    rows = conn.execute(sa.select(schema.alarms).where(schema.alarms.c.status == "active"))
    return [alarm_from_row(row) for row in rows]
