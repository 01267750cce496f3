"""The embedded series store: a SQLite file, used when ``influx.url`` is empty.

A point's identity is InfluxDB's (measurement, tag set, time), so writing the same point
twice, as a replay after a crash may, leaves one row.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import msgspec

from core.config import Settings
from gateway.series.point import Point
from gateway.series.sinks.base import SinkPlugin, SinkUnavailable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    measurement TEXT NOT NULL,
    tags TEXT NOT NULL,
    ts_us INTEGER NOT NULL,
    building TEXT NOT NULL,
    device TEXT NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (measurement, tags, ts_us)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_points_device_ts ON points (device, ts_us);
CREATE INDEX IF NOT EXISTS ix_points_building_ts ON points (building, ts_us);
"""


class EmbeddedSink:
    name = "embedded"

    def __init__(self, *, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        self._encode = msgspec.json.Encoder().encode

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedSink:
        return cls(path=settings.series_embedded_path)

    async def write(self, points: Sequence[Point]) -> None:
        await asyncio.to_thread(self._insert, [self._row(point) for point in points])

    def _row(self, point: Point) -> tuple[str, str, int, str, str, str]:
        tags = dict(point.tags)
        return (
            point.measurement,
            self._encode(tags).decode(),
            point.ts_us,
            tags.get("building", ""),
            tags.get("device", ""),
            self._encode(point.fields).decode(),
        )

    def _insert(self, rows: list[tuple[str, str, int, str, str, str]]) -> None:
        try:
            with self._lock:
                self._conn.execute("BEGIN")
                self._conn.executemany("INSERT OR REPLACE INTO points VALUES (?,?,?,?,?,?)", rows)
                self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise SinkUnavailable(f"embedded store: {exc}") from exc

    async def close(self) -> None:
        with self._lock:
            self._conn.close()


PLUGIN = SinkPlugin(name=EmbeddedSink.name, build=EmbeddedSink.from_settings)
