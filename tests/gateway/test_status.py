"""Device status: coalesced per device, and the newest values kept by device time."""

from __future__ import annotations

from adapters.events import Event
from core.config import DevicesConfig
from gateway.status import StatusTracker


def event(*, received: int, ts: int, **fields: float) -> Event:
    return Event(
        building_id="B1",
        device_id="g1",
        device_type="gas",
        type="reading",
        channel="telemetry",
        received_ms=received,
        ts_ms=ts,
        lel_pct=1.0,
        **fields,
    )


def test_an_older_message_arriving_later_keeps_the_newer_values() -> None:
    status = StatusTracker(config=DevicesConfig())
    status.observe(event(received=1_000, ts=1_000, battery_pct=40.0, rssi=-90.0))
    status.observe(event(received=2_000, ts=500, battery_pct=90.0, rssi=-70.0))  # overtaken
    (row,) = status.take_dirty()
    assert (row.battery_pct, row.rssi) == (40.0, -90.0)
    assert row.last_seen_ms == 2_000  # it was heard, just now
    status.observe(event(received=3_000, ts=2_500, battery_pct=35.0))
    current = status.get("g1")
    assert current is not None and (current.battery_pct, current.rssi) == (35.0, -90.0)


def test_many_messages_one_row_per_flush() -> None:
    status = StatusTracker(config=DevicesConfig())
    for i in range(5):
        status.observe(event(received=i, ts=i, battery_pct=float(50 + i)))
    rows = status.take_dirty()
    assert [(r.device_id, r.battery_pct) for r in rows] == [("g1", 54.0)]
    assert status.take_dirty() == []
