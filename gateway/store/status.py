"""The statement that writes device status (flushes, and offline marks in write-sets).

It leaves ``updated_ms`` alone: that column dates registry changes, which running gateways
pick up (``Registry.refresh``), and status flushes are not registry changes.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.store import schema
from gateway.store.db import BulkStatement

_devices = schema.devices
STATUS_UPDATE = BulkStatement(
    sa.update(_devices)
    .where(_devices.c.device_id == sa.bindparam("b_device_id"))
    .values(
        last_seen_ms=sa.bindparam("last_seen_ms"),
        first_seen_ms=sa.func.coalesce(_devices.c.first_seen_ms, sa.bindparam("last_seen_ms")),
        battery_pct=sa.bindparam("battery_pct"),
        rssi=sa.bindparam("rssi"),
        fw=sa.bindparam("fw"),
        online=sa.bindparam("online"),
    )
)
