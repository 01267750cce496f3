"""What a vendor format encoder sees and makes."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

import msgspec

_decode = msgspec.json.Decoder().decode
encode_json = msgspec.json.Encoder().encode

# Li'an / Milesight smoke status codes (adapters/models/builtin/generic.toml): type -> code.
SMOKE_CODES = {
    "alarm": 1,
    "silenced": 2,
    "low_battery": 4,
    "fault": 5,
    "alarm_clear": 7,
    "fault_clear": 7,
    "heartbeat": 7,
    "tamper": 10,
    "tamper_clear": 11,
    "test": 14,
}


class Canonical(msgspec.Struct, frozen=True, kw_only=True):
    """A simulated canonical message, taken apart."""

    building: str
    device_type: str
    device: str
    channel: str
    body: dict[str, Any]
    wall_ms: int  # when it is sent, for the platforms' timestamps

    @property
    def type(self) -> str:
        return str(self.body.get("type"))

    def get(self, name: str) -> Any:
        return self.body.get(name)


class Encoded(msgspec.Struct, frozen=True, kw_only=True):
    adapter: str
    identifier: str  # the topic's last part: {prefix}/vendor/{adapter}/{identifier}
    payload: bytes


class Encoder(Protocol):
    adapter: str
    device_types: frozenset[str]

    def encode(self, message: Canonical) -> Encoded | None:
        """The vendor's message for it; None when the format cannot say it."""
        ...


def parse(topic: str, payload: bytes, *, prefix: str, wall_ms: int) -> Canonical | None:
    parts = topic.split("/")
    head = len(prefix.split("/"))
    if len(parts) != head + 4 or "/".join(parts[:head]) != prefix:
        return None
    try:
        body = _decode(payload)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return None
    building, device_type, device, channel = parts[head:]
    return Canonical(
        building=building,
        device_type=device_type,
        device=device,
        channel=channel,
        body=body,
        wall_ms=wall_ms,
    )


def imei_of(device_id: str) -> str:
    """A stable IMEI-shaped number per device id (15 digits, 86 prefix)."""
    digest = int.from_bytes(hashlib.blake2b(device_id.encode(), digest_size=8).digest(), "big")
    return "86" + f"{digest % 10**13:013d}"


def dev_eui_of(device_id: str) -> str:
    """A stable DevEUI per device id, in Milesight's OUI (24E124)."""
    return "24E124" + hashlib.blake2b(device_id.encode(), digest_size=5).hexdigest().upper()


def battery(message: Canonical, default: float = 90) -> int:
    value = message.get("battery_pct")
    return round(value) if isinstance(value, int | float) else round(default)


def rsrp(message: Canonical) -> int | None:
    """Li'an's positive RSRP (114 means -114 dBm)."""
    value = message.get("rssi")
    return round(-value) if isinstance(value, int | float) else None
