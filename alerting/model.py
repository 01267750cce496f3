"""Alarms, their changes, and the facts of contract section 5 that every rule shares."""

from __future__ import annotations

from typing import Final, Literal

import msgspec

Severity = Literal["info", "warning", "critical"]
Action = Literal["opened", "updated", "escalated", "cleared", "acknowledged", "reminder"]
Notify = Literal["none", "send", "hold"]
Verdict = Literal["real", "false_alarm", "test"]

SEVERITY_RANK: Final[dict[str, int]] = {"info": 0, "warning": 1, "critical": 2}

# Kinds whose identity is the building rather than one device.
BUILDING_KINDS: Final = frozenset({"fire", "compound"})
# Kinds that only an operator clears (gas too, once critical).
LATCHED_KINDS: Final = frozenset({"fire", "compound"})
# Alarm kind -> hazard ticket category (contract section 5, column "ticket").
TICKET_CATEGORY: Final[dict[str, str]] = {
    "fire": "fire",
    "gas": "gas",  # critical only
    "compound": "fire",
    "ebike_hotspot": "ebike",
    "device_fault": "device",
    "tamper": "device",
    "low_battery": "device",
    "device_offline": "device",
    "flapping": "device",
}
KINDS: Final = (
    "smoke", "fire", "gas", "compound", "ebike_hotspot", "ebike_standoff",
    "device_fault", "tamper", "low_battery", "device_offline", "flapping",
)  # fmt: skip


def identity(kind: str, building_id: str, device_id: str | None) -> str:
    """One alarm per identity: kind + device, or kind + building for building-level kinds."""
    return f"{kind}@{building_id}" if device_id is None else f"{kind}:{device_id}"


class Alarm(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    severity: str
    status: str  # "active" or "cleared"
    building_id: str
    device_id: str | None  # None for building-level kinds
    device_ids: tuple[str, ...]
    opened_ms: int
    updated_ms: int
    count: int = 1
    latched: bool = False
    acknowledged_ms: int | None = None
    acknowledged_by: str | None = None
    verdict: str | None = None
    ack_note: str | None = None
    cleared_ms: int | None = None
    cleared_by: str | None = None
    clear_note: str | None = None
    ticket_id: str | None = None
    peak: float | None = None  # the highest reading folded in (gas %LEL)
    notified_ms: int | None = None  # last notification sent (or held) for it
    held: bool = False  # its opening notification was held back (fire inhibit, flapping)

    @property
    def identity(self) -> str:
        return identity(self.kind, self.building_id, self.device_id)

    @property
    def active(self) -> bool:
        return self.status == "active"


class AlarmChange(msgspec.Struct, frozen=True, kw_only=True):
    """One step in an alarm's life: persisted (history) before it is announced."""

    id: str  # the history row's id; also the stream's event id
    alarm: Alarm  # the alarm as it is after this change
    action: Action
    at_ms: int
    by: str = "rules"
    note: str | None = None
    notify: Notify = "none"


class AlarmError(Exception):
    """An operator's request that cannot be carried out; ``status`` is the HTTP status."""

    status = 409


class AlarmNotFound(AlarmError):
    status = 404
