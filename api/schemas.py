"""Request and response models of the HTTP API (contract section 4)."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

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


class AlarmOut(BaseModel):
    id: str
    kind: str
    severity: Literal["info", "warning", "critical"]
    status: Literal["active", "cleared"]
    building_id: str
    device_id: str | None = Field(description="the device, for device-level kinds")
    device_ids: list[str] = Field(description="the devices that contributed")
    opened_at: str
    updated_at: str
    acknowledged_at: str | None
    cleared_at: str | None
    count: int = Field(description="triggers folded into this alarm")
    ticket_id: str | None
    latched: bool = Field(description="clears only by an operator")
    acknowledged_by: str | None = None
    verdict: str | None = None
    ack_note: str | None = None
    cleared_by: str | None = None
    clear_note: str | None = None
    peak: float | None = Field(default=None, description="highest reading folded in (gas %LEL)")


class AckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["real", "false_alarm", "test"]
    note: str | None = Field(default=None, max_length=2000)


class ClearRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)
