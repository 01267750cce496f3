"""Device status (last seen, battery, signal, online), kept in memory and flushed in bulk.

Every message updates the in-memory record; a flush every ``devices.status_flush_s`` writes
each changed device once, however many messages it sent in between. The API reads the
records here for what changed since (``StatusTracker.get``), so the flush can be infrequent:
it keeps the database's copy for restarts and reports, not for the console. A device is
online from any message until the rule engine's lease for it runs out (``device_offline``).

Two lanes reorder a device's messages (an alarm overtakes the telemetry queued before it),
so values are kept by the device's own time: an older message never overwrites the battery,
signal or firmware of a newer one; ``last_seen`` is the latest receive time.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from sys import intern

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.events import Event
from alerting.model import Alarm
from core.config import DevicesConfig
from gateway.device_index import DeviceIndex
from gateway.series.point import Point, status_points
from gateway.store import schema
from gateway.store.db import UNAVAILABLE
from gateway.store.rows import StatusRow
from gateway.store.status import write_status
from gateway.store.writer import StoreWriter

log = logging.getLogger(__name__)

# Rows read at a time at start-up: a street's 100,000 devices are not all in memory as rows.
_READ_BATCH = 5_000
# Rows written per transaction by a flush.
_FLUSH_SLICE = 1_000


class DeviceStatus(msgspec.Struct, kw_only=True):
    device_type: str
    last_seen_ms: int | None = None
    battery_pct: float | None = None
    rssi: float | None = None
    fw: str | None = None
    online: bool = False
    last_reading_ms: int = 0
    values_ts_ms: int = 0  # device time of the newest message that set the values


class StatusTracker:
    def __init__(self, *, config: DevicesConfig) -> None:
        self._config = config
        self._status: dict[str, DeviceStatus] = {}
        self._dirty: set[str] = set()

    def load(self, conn: Connection, *, now_ms: int = 0) -> None:
        """Read every device's stored status. Recent readings count as taken at ``now_ms``,
        so that after a restart a street's devices do not all store a reading in the first
        second: each stores its next one a thinning interval later, as it would have."""
        c = schema.devices.c
        rows = conn.execution_options(yield_per=_READ_BATCH).execute(
            sa.select(
                c.device_id, c.device_type, c.last_seen_ms, c.battery_pct, c.rssi, c.fw, c.online
            )
        )
        for row in rows:
            # Interned: the registry, the timers and the rules keep the same id strings.
            self._status[intern(row.device_id)] = DeviceStatus(
                device_type=row.device_type,
                last_seen_ms=row.last_seen_ms,
                battery_pct=row.battery_pct,
                rssi=row.rssi,
                fw=row.fw,
                online=bool(row.online),
                last_reading_ms=now_ms,
            )

    def get(self, device_id: str) -> DeviceStatus | None:
        return self._status.get(device_id)

    def observe(self, event: Event) -> bool:
        """Record a message from the device; True if it was known and offline before (a
        device first seen now is registered online)."""
        status = self._status.get(event.device_id)
        if status is None:
            status = self._status[event.device_id] = DeviceStatus(
                device_type=event.device_type, online=True
            )
        came_online = not status.online
        if status.last_seen_ms is None or event.received_ms >= status.last_seen_ms:
            status.last_seen_ms = event.received_ms
        if event.ts_ms >= status.values_ts_ms:
            status.values_ts_ms = event.ts_ms
            if event.battery_pct is not None:
                status.battery_pct = event.battery_pct
            if event.rssi is not None:
                status.rssi = event.rssi
            if event.fw is not None:
                status.fw = event.fw
        status.online = True
        self._dirty.add(event.device_id)
        return came_online

    def reading_due(self, event: Event) -> bool:
        """Whether this event's numbers go into the recent readings (thinned per device)."""
        status = self._status[event.device_id]
        if event.received_ms - status.last_reading_ms < self._config.readings_min_interval_s * 1000:
            return False
        status.last_reading_ms = event.received_ms
        return True

    def mark_offline(self, device_id: str) -> bool:
        status = self._status.get(device_id)
        if status is None or not status.online:
            return False
        status.online = False
        self._dirty.add(device_id)
        return True

    def take_dirty(self) -> list[StatusRow]:
        dirty, self._dirty = self._dirty, set()  # a new set: a cleared one keeps its size
        return [self.row(device_id) for device_id in dirty]

    def row(self, device_id: str) -> StatusRow:
        s = self._status[device_id]
        return StatusRow(
            device_id=device_id,
            last_seen_ms=s.last_seen_ms,
            battery_pct=s.battery_pct,
            rssi=s.rssi,
            fw=s.fw,
            online=s.online,
        )

    def mark_dirty(self, device_ids: list[str]) -> None:
        """A flush failed: write these again next time (with whatever they hold by then)."""
        self._dirty.update(device_ids)


def flush_status(conn: Connection, rows: list[StatusRow]) -> None:
    write_status(conn, rows)


async def flush_dirty(store: StoreWriter, status: StatusTracker) -> None:
    """Write the devices whose status changed since the last flush."""
    if not store.available:
        return  # the spooled write-sets may hold the devices' rows; wait for them
    rows = status.take_dirty()
    # In slices, each its own transaction: the pipeline's commits (an alarm's among them)
    # queue on the same thread and wait for one slice at most, not for 100,000 rows.
    for start in range(0, len(rows), _FLUSH_SLICE):
        part = rows[start : start + _FLUSH_SLICE]
        try:
            await store.run_in_store(functools.partial(flush_status, rows=part))
        except UNAVAILABLE as exc:
            log.warning("status flush failed, will retry: %s", exc.orig)
            status.mark_dirty([row.device_id for row in rows[start:]])
            return


def building_points(
    *, registry: DeviceIndex, status: StatusTracker, alarms: Iterable[Alarm], ts_ms: int
) -> list[Point]:
    """Devices registered, devices online and alarms active per building, as series points."""
    devices: dict[str, tuple[int, int]] = {}
    for device in registry.devices():
        total, online = devices.get(device.building_id, (0, 0))
        known = status.get(device.device_id)
        devices[device.building_id] = (total + 1, online + int(bool(known and known.online)))
    active: dict[str, int] = {}
    for alarm in alarms:
        active[alarm.building_id] = active.get(alarm.building_id, 0) + 1
    return status_points(
        devices=devices,
        alarms=active,
        communities={b: registry.community(b) for b in devices},
        ts_ms=ts_ms,
    )
