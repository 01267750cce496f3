"""A time-series point and how canonical events become points (docs/series.md)."""

from __future__ import annotations

import msgspec

from adapters.events import Event

FieldValue = float | int | str | bool


class Point(msgspec.Struct, frozen=True, array_like=True, gc=False):
    measurement: str
    tags: tuple[tuple[str, str], ...]  # sorted by key
    fields: dict[str, FieldValue]
    ts_us: int  # microseconds: the event's millisecond plus a sub-millisecond disambiguator


class PointClock:
    """Gives each event's point a time of its own, so no two events share a series key.

    InfluxDB identifies a point by measurement, tag set and time; two events of one device
    in the same millisecond (common when the broker replays a queue) would overwrite each
    other. The sub-millisecond part counts up within the millisecond, per device. (A
    redelivered duplicate reuses the time remembered with its message id; see Deduplicator.)
    """

    def __init__(self) -> None:
        # device -> the last point time given (us): one int per device, not a tuple
        self._last: dict[str, int] = {}

    def time_us(self, device_id: str, ts_ms: int) -> int:
        last = self._last.get(device_id, -1)
        base = ts_ms * 1000
        point = last + 1 if base <= last < base + 999 else base
        self._last[device_id] = point
        return point


def event_point(
    event: Event, *, community: str | None, ts_us: int, numbers: dict[str, float] | None = None
) -> Point:
    """The point for one accepted event (``numbers``: its numeric fields, when the caller
    has them already).

    Measurement is the device type; tags are building, device, community (when the
    registry knows it), the event ``type`` and, for gas, ``level`` and ``gas``; fields are the
    numeric payload fields under their own names plus ``count=1i`` so that every event,
    numeric or not, can be counted.
    """
    # Built in key order (building < community < device < gas < level < type): no sort.
    tags = [("building", event.building_id)]
    if community:
        tags.append(("community", community))
    tags.append(("device", event.device_id))
    if event.gas is not None:
        tags.append(("gas", event.gas))
    if event.level is not None:
        tags.append(("level", event.level))
    tags.append(("type", event.type))
    fields: dict[str, FieldValue] = {"count": 1}
    fields.update(event.numeric_fields() if numbers is None else numbers)
    return Point(event.device_type, tuple(tags), fields, ts_us)


def status_points(
    *,
    devices: dict[str, tuple[int, int]],
    alarms: dict[str, int],
    communities: dict[str, str | None],
    ts_ms: int,
) -> list[Point]:
    """Per building: devices registered, devices online, alarms active (measurement
    ``siteguard``), so that dashboards can show them over time."""
    points = []
    for building, (total, online) in sorted(devices.items()):
        tags = [("building", building)]
        community = communities.get(building)
        if community:
            tags.append(("community", community))
        fields: dict[str, FieldValue] = {
            "devices": total,
            "devices_online": online,
            "alarms_active": alarms.get(building, 0),
        }
        points.append(Point("siteguard", tuple(sorted(tags)), fields, ts_ms * 1000))
    return points
