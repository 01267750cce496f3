"""The canonical event: what every adapter produces and everything downstream consumes."""

from __future__ import annotations

from typing import Any, Final

import msgspec

DEVICE_TYPES: Final = ("smoke", "gas", "ebike")
CHANNELS: Final = ("event", "telemetry", "heartbeat")

# Event types accepted per device type (contract section 3).
EVENT_TYPES: Final[dict[str, frozenset[str]]] = {
    "smoke": frozenset(
        {
            "alarm",
            "alarm_clear",
            "silenced",
            "fault",
            "fault_clear",
            "low_battery",
            "tamper",
            "tamper_clear",
            "test",
            "heartbeat",
        }
    ),
    "gas": frozenset(
        {
            "reading",
            "alarm",
            "alarm_clear",
            "fault",
            "fault_clear",
            "valve_closed",
            "valve_opened",
            "heartbeat",
        }
    ),
    "ebike": frozenset(
        {
            "ebike_detected",
            "ebike_left",
            "blocker_fault",
            "fault_clear",
            "camera_blocked",
            "heartbeat",
        }
    ),
}

# Numeric payload fields, written to the series under these names.
NUMERIC_FIELDS: Final = ("lel_pct", "co_ppm", "battery_pct", "rssi", "confidence", "door_hold_s")


class Event(msgspec.Struct, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """One accepted device message, whatever its source format.

    ``received_ms`` is the gateway's receive time (rules run on it); ``ts_ms`` is the
    device's own time when it sent one and is used for the series.
    """

    building_id: str
    device_id: str
    device_type: str
    type: str
    received_ms: int
    ts_ms: int
    channel: str = "event"
    source: str = "canonical"
    msg_id: str | None = None
    battery_pct: float | None = None
    rssi: float | None = None
    fw: str | None = None
    lel_pct: float | None = None
    co_ppm: float | None = None
    gas: str | None = None
    level: str | None = None
    confidence: float | None = None
    floor: int | None = None
    door_hold_s: float | None = None
    snapshot_url: str | None = None
    extra: dict[str, Any] | None = None
    ts_replaced: bool = False  # the device sent an implausible ts; ts_ms is the receive time

    def numeric_fields(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in NUMERIC_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out
