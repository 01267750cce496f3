"""The device object (status, contract section 4) and the device page's detail: identifiers,
recent readings, and what the device sends that no product model reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import msgspec
from pydantic import ConfigDict, Field

from core.timefmt import rfc3339
from gateway.shapes.base import Shape, at

_reading = msgspec.json.Decoder(dict[str, Any])


class DeviceStatus(Protocol):
    """A device's status: its ``devices`` row, or the gateway's live copy (fresher)."""

    @property
    def online(self) -> bool: ...
    @property
    def last_seen_ms(self) -> int | None: ...
    @property
    def battery_pct(self) -> float | None: ...
    @property
    def rssi(self) -> float | None: ...
    @property
    def fw(self) -> str | None: ...


class DeviceSource(DeviceStatus, Protocol):
    """A ``devices`` row with its count of active alarms."""

    @property
    def device_id(self) -> str: ...
    @property
    def device_type(self) -> str: ...
    @property
    def building_id(self) -> str: ...
    @property
    def first_seen_ms(self) -> int | None: ...
    @property
    def floor(self) -> int | None: ...
    @property
    def location(self) -> str | None: ...
    @property
    def vendor(self) -> str | None: ...
    @property
    def active_alarms(self) -> int: ...


class DetailSource(DeviceSource, Protocol):
    @property
    def imei(self) -> str | None: ...
    @property
    def dev_eui(self) -> str | None: ...
    @property
    def platform_id(self) -> str | None: ...
    @property
    def model(self) -> str | None: ...


class ReadingSource(Protocol):
    """A ``device_readings`` row: when, and the reading's fields as JSON."""

    @property
    def at_ms(self) -> int: ...
    @property
    def data(self) -> str: ...


class UnreadSource(Protocol):
    """The latest ``unmapped:`` dead letter of a device."""

    @property
    def reason(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def product(self) -> str | None: ...
    @property
    def received_ms(self) -> int: ...


class DeviceObject(Shape):
    device_id: str
    device_type: str
    building_id: str
    online: bool
    last_seen: str | None = Field(description="RFC 3339, UTC")
    battery_pct: float | None
    rssi: float | None
    active_alarms: int
    floor: int | None = None
    location: str | None = None
    fw: str | None = None
    vendor: str | None = None
    first_seen: str | None = None

    @classmethod
    def of(cls, row: DeviceSource, live: DeviceStatus | None = None) -> DeviceObject:
        return cls(**_device_fields(row, live))


class Reading(Shape):
    """One recent reading: its time and whatever fields the device reported."""

    model_config = ConfigDict(frozen=True, extra="allow")
    at: str

    @classmethod
    def of(cls, row: ReadingSource) -> Reading:
        return cls.model_validate({**_reading.decode(row.data), "at": at(row.at_ms)})


class Unread(Shape):
    """What the device sends that no product model reads (docs/adapters.md)."""

    reason: str = Field(description="unmapped:<fields>, as its dead letters have it")
    detail: str
    product: str | None = Field(description="the platform product, or the model it went by")
    last_at: str = Field(description="RFC 3339, UTC: the latest such message")
    count_7d: int = Field(description="such messages in the last 7 days")

    @classmethod
    def of(cls, latest: UnreadSource, count_7d: int) -> Unread:
        return cls(
            reason=latest.reason,
            detail=latest.detail,
            product=latest.product,
            last_at=at(latest.received_ms),
            count_7d=count_7d,
        )


class DeviceDetail(DeviceObject):
    imei: str | None = None
    dev_eui: str | None = None
    platform_id: str | None = None
    model: str | None = Field(default=None, description="its product model (adapters/models)")
    readings: list[Reading] = Field(description="recent readings, newest first")
    unread: Unread | None = Field(
        default=None, description="fields it sends that no product model reads, if any"
    )

    @classmethod
    def of_detail(
        cls,
        row: DetailSource,
        live: DeviceStatus | None,
        *,
        readings: Sequence[ReadingSource],
        unread: Unread | None,
    ) -> DeviceDetail:
        return cls(
            **_device_fields(row, live),
            imei=row.imei,
            dev_eui=row.dev_eui,
            platform_id=row.platform_id,
            model=row.model,
            readings=[Reading.of(r) for r in readings],
            unread=unread,
        )


def _device_fields(row: DeviceSource, live: DeviceStatus | None) -> dict[str, Any]:
    status: DeviceStatus = row if live is None else live
    return {
        "device_id": row.device_id,
        "device_type": row.device_type,
        "building_id": row.building_id,
        "online": bool(status.online),
        "last_seen": rfc3339(status.last_seen_ms),
        "battery_pct": status.battery_pct,
        "rssi": status.rssi,
        "active_alarms": row.active_alarms,
        "floor": row.floor,
        "location": row.location,
        "fw": status.fw,
        "vendor": row.vendor,
        "first_seen": rfc3339(row.first_seen_ms),
    }
