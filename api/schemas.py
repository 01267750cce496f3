"""Request and response models of the HTTP API (contract section 4)."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from core.text import Note, line
from gateway.store.registry_rows import ID_PATTERN

T = TypeVar("T")
BuildingId = Annotated[str, Field(pattern=ID_PATTERN)]


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


class Unread(BaseModel):
    """What the device sends that no product model reads (docs/adapters.md)."""

    reason: str = Field(description="unmapped:<fields>, as its dead letters have it")
    detail: str
    product: str | None = Field(description="the platform product, or the model it went by")
    last_at: str = Field(description="RFC 3339, UTC: the latest such message")
    count_7d: int = Field(description="such messages in the last 7 days")


class DeviceDetail(Device):
    imei: str | None = None
    dev_eui: str | None = None
    platform_id: str | None = None
    model: str | None = Field(default=None, description="its product model (adapters/models)")
    readings: list[Reading] = Field(description="recent readings, newest first")
    unread: Unread | None = Field(
        default=None, description="fields it sends that no product model reads, if any"
    )


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
    note: Note | None = None


class ClearRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Note | None = None


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, *line(128), Field(min_length=1, description="who or what holds it")]
    role: Literal["admin", "duty", "manager"]
    buildings: list[BuildingId] | None = Field(
        default=None,
        max_length=10_000,
        description="managers only: the buildings in scope (empty: none)",
    )
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="the token stops working after this; none: never"
    )


class TokenOut(BaseModel):
    id: str
    name: str
    role: str
    buildings: list[str] | None
    created_at: str
    revoked_at: str | None = None
    expires_at: str | None = None
    last_used_at: str | None = Field(
        default=None, description="to within a minute (written in batches)"
    )


class NewToken(TokenOut):
    token: str = Field(description="shown once; only its digest is stored")


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, *line(300), Field(min_length=1)]
    category: Literal["fire", "gas", "ebike", "device", "inspection"]
    building_id: BuildingId
    severity: Literal["info", "warning", "critical"] = "warning"
    responsible: Annotated[str, *line(200)] | None = None
    due_at: str | None = Field(
        default=None, max_length=64, description="RFC 3339; default: by category"
    )
    venue_type: str | None = Field(
        default=None, max_length=32, description="九小场所 and others, see docs"
    )
    note: Note | None = None


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Literal["open", "assigned", "rectifying", "review", "closed"]
    note: Note | None = None
    responsible: (
        Annotated[
            str,
            *line(200),
            Field(description="with to=assigned, by an admin or duty token: who is to rectify"),
        ]
        | None
    ) = None


class HistoryEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    at: str
    by: str
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str
    note: str | None
    escalation_level: int


class TicketOut(BaseModel):
    id: str
    alarm_id: str | None
    title: str
    category: str
    venue_type: str | None
    severity: str
    building_id: str
    status: str
    responsible: str
    due_at: str
    escalation_level: int = Field(description="0-4: 函告, 通报, 约谈, 曝光")
    created_at: str
    updated_at: str
    closed_at: str | None
    created_by: str
    history: list[HistoryEntry]
    allowed_moves: list[str] = Field(
        default_factory=list,
        description="statuses the caller's token may move this ticket to (empty: none)",
    )
