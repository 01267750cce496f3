"""Device status (last seen, battery, signal, online), kept in memory and flushed in bulk.

Every message updates the in-memory record; a flush every ``devices.status_flush_s`` writes
each changed device once, however many messages it sent in between. A device is online
from any message until its lease (heartbeat interval x missed heartbeats) runs out.
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.events import Event
from alerting.scheduler import Scheduler
from gateway.store import schema
from siteguard.config import DevicesConfig


class DeviceStatus(msgspec.Struct, kw_only=True):
    device_type: str
    last_seen_ms: int | None = None
    battery_pct: float | None = None
    rssi: float | None = None
    fw: str | None = None
    online: bool = False
    last_reading_ms: int = 0


class StatusTracker:
    def __init__(self, *, config: DevicesConfig) -> None:
        self._config = config
        self._status: dict[str, DeviceStatus] = {}
        self._dirty: set[str] = set()
        self.leases: Scheduler[str] = Scheduler()

    def load(self, conn: Connection) -> None:
        c = schema.devices.c
        rows = conn.execute(
            sa.select(
                c.device_id, c.device_type, c.last_seen_ms, c.battery_pct, c.rssi, c.fw, c.online
            )
        )
        for row in rows:
            self._status[row.device_id] = DeviceStatus(
                device_type=row.device_type,
                last_seen_ms=row.last_seen_ms,
                battery_pct=row.battery_pct,
                rssi=row.rssi,
                fw=row.fw,
                online=bool(row.online),
            )
            if row.online and row.last_seen_ms is not None:
                self.leases.set(row.device_id, row.last_seen_ms + self._lease(row.device_type))

    def get(self, device_id: str) -> DeviceStatus | None:
        return self._status.get(device_id)

    def observe(self, event: Event) -> bool:
        """Record a message from the device; True if it was offline (or never seen) before."""
        status = self._status.get(event.device_id)
        if status is None:
            status = self._status[event.device_id] = DeviceStatus(device_type=event.device_type)
        came_online = not status.online
        if status.last_seen_ms is None or event.received_ms >= status.last_seen_ms:
            status.last_seen_ms = event.received_ms
        if event.battery_pct is not None:
            status.battery_pct = event.battery_pct
        if event.rssi is not None:
            status.rssi = event.rssi
        if event.fw is not None:
            status.fw = event.fw
        status.online = True
        self._dirty.add(event.device_id)
        self.leases.set(event.device_id, event.received_ms + self._lease(event.device_type))
        return came_online

    def reading_due(self, event: Event) -> bool:
        """Whether this event's numbers go into the recent readings (thinned per device)."""
        status = self._status[event.device_id]
        if event.received_ms - status.last_reading_ms < self._config.readings_min_interval_s * 1000:
            return False
        status.last_reading_ms = event.received_ms
        return True

    def expire(self, now_ms: int) -> list[str]:
        """Mark devices whose lease ran out offline; return their ids."""
        went_offline = []
        for device_id, _due in self.leases.pop_due(now_ms):
            status = self._status.get(device_id)
            if status is not None and status.online:
                status.online = False
                self._dirty.add(device_id)
                went_offline.append(device_id)
        return went_offline

    def take_dirty(self, now_ms: int) -> list[dict[str, Any]]:
        rows = []
        for device_id in self._dirty:
            s = self._status[device_id]
            rows.append(
                {
                    "b_device_id": device_id,
                    "last_seen_ms": s.last_seen_ms,
                    "battery_pct": s.battery_pct,
                    "rssi": s.rssi,
                    "fw": s.fw,
                    "online": s.online,
                    "updated_ms": now_ms,
                }
            )
        self._dirty.clear()
        return rows

    def mark_dirty(self, device_ids: list[str]) -> None:
        """A flush failed: write these again next time (with whatever they hold by then)."""
        self._dirty.update(device_ids)

    def _lease(self, device_type: str) -> int:
        return self._config.lease_ms(device_type)


_FLUSH = (
    sa.update(schema.devices)
    .where(schema.devices.c.device_id == sa.bindparam("b_device_id"))
    .values(
        last_seen_ms=sa.bindparam("last_seen_ms"),
        first_seen_ms=sa.func.coalesce(
            schema.devices.c.first_seen_ms, sa.bindparam("last_seen_ms")
        ),
        battery_pct=sa.bindparam("battery_pct"),
        rssi=sa.bindparam("rssi"),
        fw=sa.bindparam("fw"),
        online=sa.bindparam("online"),
        updated_ms=sa.bindparam("updated_ms"),
    )
)


def flush_status(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(_FLUSH, rows)
