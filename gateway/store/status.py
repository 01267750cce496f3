"""The statement that writes device status (flushes, and offline marks in write-sets).

It leaves ``updated_ms`` alone: that column dates registry changes, which running gateways
pick up (``Registry.refresh``), and status flushes are not registry changes. Rows go to the
driver as tuples (one ``executemany``), the same path as ``gateway/store/bulk.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from gateway.store.rows import StatusRow

_SQL = (
    "UPDATE devices SET last_seen_ms = {m}, first_seen_ms = COALESCE(first_seen_ms, {m}), "
    "battery_pct = {m}, rssi = {m}, fw = {m}, online = {m} WHERE device_id = {m}"
)
_BY_DIALECT = {"sqlite": _SQL.format(m="?"), "postgresql": _SQL.format(m="%s")}


def write_status(conn: Connection, rows: Sequence[StatusRow]) -> None:
    if not rows:
        return
    conn.exec_driver_sql(
        _BY_DIALECT[conn.dialect.name],
        [
            (r.last_seen_ms, r.last_seen_ms, r.battery_pct, r.rssi, r.fw, r.online, r.device_id)
            for r in rows
        ],
    )
