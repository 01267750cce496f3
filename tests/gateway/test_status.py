"""Device status: coalesced per device, and the newest values kept by device time."""

from __future__ import annotations

from adapters.events import Event
from alerting.model import Alarm
from core.config import DevicesConfig
from gateway.device_index import BuildingInfo, DeviceIndex, DeviceInfo
from gateway.status import StatusTracker, building_points


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


def test_building_points_count_devices_online_and_alarms_per_building() -> None:
    registry = DeviceIndex()
    registry.put_building(BuildingInfo(building_id="B1", community="Jintai"))
    for device_id, building in (("g1", "B1"), ("g2", "B1"), ("s1", "B2")):
        registry.put_device(
            DeviceInfo(device_id=device_id, device_type="gas", building_id=building)
        )
    status = StatusTracker(config=DevicesConfig())
    status.observe(event(received=1_000, ts=1_000))  # g1 in B1: online
    alarm = Alarm(id="A1", kind="gas", severity="critical", status="active", building_id="B2",
                  device_id="s1", device_ids=("s1",), opened_ms=1, updated_ms=1)  # fmt: skip
    points = building_points(registry=registry, status=status, alarms=[alarm], ts_ms=5_000)
    assert [(p.tags, p.fields, p.ts_us) for p in points] == [
        (
            (("building", "B1"), ("community", "Jintai")),
            {"devices": 2, "devices_online": 1, "alarms_active": 0},
            5_000_000,
        ),
        ((("building", "B2"),), {"devices": 1, "devices_online": 0, "alarms_active": 1}, 5_000_000),
    ]
