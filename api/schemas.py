"""Request and response models of the HTTP API (contract section 4)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int


class Building(BaseModel):
    building_id: str
    name: str | None
    community: str | None
    address: str | None
    property_company: str | None
    manager_contact: str | None
    device_count: int
    active_alarms: int


class Device(BaseModel):
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


class Reading(BaseModel):
    model_config = ConfigDict(extra="allow")
    at: str


class DeviceDetail(Device):
    imei: str | None = None
    dev_eui: str | None = None
    readings: list[Reading] = Field(description="recent readings, newest first")


class Health(BaseModel):
    status: str
    problems: list[str]
