"""The alarm object (contract section 4)."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import Field

from alerting.model import Alarm
from core.timefmt import rfc3339
from gateway.shapes.base import Shape, at

Severity = Literal["info", "warning", "critical"]
Status = Literal["active", "cleared"]


class AlarmObject(Shape):
    """An alarm as the API, the stream and the webhook show it."""

    id: str
    kind: str
    severity: Severity
    status: Status
    building_id: str
    device_id: str | None = Field(description="the device, for device-level kinds")
    device_ids: list[str] = Field(description="the devices that contributed")
    opened_at: str = Field(description="RFC 3339, UTC")
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

    @classmethod
    def of(cls, alarm: Alarm) -> AlarmObject:
        return cls(
            id=alarm.id,
            kind=alarm.kind,
            severity=cast(Severity, alarm.severity),
            status=cast(Status, alarm.status),
            building_id=alarm.building_id,
            device_id=alarm.device_id,
            device_ids=list(alarm.device_ids),
            opened_at=at(alarm.opened_ms),
            updated_at=at(alarm.updated_ms),
            acknowledged_at=rfc3339(alarm.acknowledged_ms),
            cleared_at=rfc3339(alarm.cleared_ms),
            count=alarm.count,
            ticket_id=alarm.ticket_id,
            latched=alarm.latched,
            acknowledged_by=alarm.acknowledged_by,
            verdict=alarm.verdict,
            ack_note=alarm.ack_note,
            cleared_by=alarm.cleared_by,
            clear_note=alarm.clear_note,
            peak=alarm.peak,
        )
