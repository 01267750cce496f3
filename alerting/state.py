"""Rule state that is not in the alarms themselves, kept per building and persisted.

Everything else a rule needs after a restart is derived: from the active alarms (gas
hysteresis, standoffs, faults), from device status (offline leases), or from an alarm's own
times (reminders, hotspot and flapping quiet periods).
"""

from __future__ import annotations

import msgspec


class DeviceRuleState(msgspec.Struct, kw_only=True, omit_defaults=True):
    hotspot: list[int] = msgspec.field(default_factory=list)  # qualifying detections, in window
    flaps: list[int] = msgspec.field(default_factory=list)  # alarm opens/clears, in window
    hold_due: int | None = None  # when a smoke detector still in alarm confirms a fire


class BuildingState(msgspec.Struct, kw_only=True, omit_defaults=True):
    # (detector, time) of smoke alarm events within the confirmation window
    fire_triggers: list[tuple[str, int]] = msgspec.field(default_factory=list)
    devices: dict[str, DeviceRuleState] = msgspec.field(default_factory=dict)


encode_state = msgspec.json.Encoder().encode
decode_state = msgspec.json.Decoder(BuildingState).decode
