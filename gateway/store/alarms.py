"""Alarms, their history and their notifications as rows."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alerting.model import Alarm, AlarmChange
from gateway.store import schema

_json = msgspec.json.Encoder()
_ids = msgspec.json.Decoder(tuple[str, ...])


def alarm_row(alarm: Alarm) -> dict[str, Any]:
    row = msgspec.structs.asdict(alarm)
    row["device_ids"] = _json.encode(alarm.device_ids).decode()
    row["identity"] = alarm.identity
    return row


def alarm_from_row(row: Any) -> Alarm:
    data = {name: getattr(row, name) for name in Alarm.__struct_fields__}
    data["device_ids"] = _ids.decode(row.device_ids)
    data["latched"] = bool(row.latched)
    data["held"] = bool(row.held)
    return Alarm(**data)


def history_row(change: AlarmChange) -> dict[str, Any]:
    alarm = change.alarm
    return {
        "id": change.id,
        "alarm_id": alarm.id,
        "building_id": alarm.building_id,
        "kind": alarm.kind,
        "action": change.action,
        "at_ms": change.at_ms,
        "by": change.by,
        "note": change.note,
        "severity": alarm.severity,
        "status": alarm.status,
        "count": alarm.count,
        "notify": change.notify,
    }


def notification_row(change: AlarmChange) -> dict[str, Any]:
    alarm = change.alarm
    return {
        "id": change.id,  # one notification per change at most: the change id will do
        "alarm_id": alarm.id,
        "reason": change.action,
        "building_id": alarm.building_id,
        "kind": alarm.kind,
        "severity": alarm.severity,
        "created_ms": change.at_ms,
        "status": "pending" if change.notify == "send" else "held",
        "attempts": 0,
        "payload": _json.encode(alarm).decode(),
    }


def load_alarm(conn: Connection, alarm_id: str) -> Alarm | None:
    row = conn.execute(sa.select(schema.alarms).where(schema.alarms.c.id == alarm_id)).one_or_none()
    return None if row is None else alarm_from_row(row)


def active_alarms(conn: Connection) -> list[Alarm]:
    rows = conn.execute(sa.select(schema.alarms).where(schema.alarms.c.status == "active"))
    return [alarm_from_row(row) for row in rows]
