"""What every vendor adapter shares: parsing, device resolution, unit normalisation, ids.

Vendor adapters never raise: every helper here returns ``None`` (or a ``Rejection``) for
input it cannot use. Auxiliary numbers out of range (a battery of 250 %) are dropped from
the event and kept in its ``extra`` under ``invalid``, so a bad battery reading never costs
an alarm.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import msgspec

from adapters.base import (
    DECODE_ERRORS,
    Decoded,
    DeviceDirectory,
    DeviceRef,
    IdentifierKind,
    RawMessage,
    Rejection,
)
from adapters.events import EVENT_TYPES, Event

_json = msgspec.json.Decoder()
_CHANNELS: Final = {"reading": "telemetry", "heartbeat": "heartbeat"}
_PLAUSIBLE_FROM_MS: Final = 1_420_070_400_000  # 2015-01-01: earlier is an unset clock
_FUTURE_SLACK_MS: Final = 86_400_000

# Canonical ranges (contract section 3) for the numbers adapters fill in.
_RANGES: Final[dict[str, tuple[float, float]]] = {
    "battery_pct": (0, 100),
    "rssi": (-200, 0),
    "lel_pct": (0, 100),
    "co_ppm": (0, 100_000),
    "confidence": (0, 1),
    "door_hold_s": (0, 86_400),
}


def parse_json(adapter: str, message: RawMessage, max_bytes: int) -> dict[str, Any] | Rejection:
    """The payload as a JSON object, or why not."""
    if len(message.payload) > max_bytes:
        return Rejection(
            reason="payload_too_large",
            detail=f"{len(message.payload)} bytes > {max_bytes}",
            adapter=adapter,
        )
    try:
        raw = _json.decode(message.payload)
    except DECODE_ERRORS as exc:
        return Rejection(reason="not_json", detail=str(exc), adapter=adapter)
    if not isinstance(raw, dict):
        return Rejection(
            reason="not_object",
            detail=f"payload is a JSON {type(raw).__name__}, not an object",
            adapter=adapter,
        )
    return raw


def json_object(raw: bytes | str) -> dict[str, Any] | None:
    """JSON nested in a field (a string or bytes) as an object; None when it is not one."""
    try:
        value = _json.decode(raw)
    except DECODE_ERRORS:
        return None
    return value if isinstance(value, dict) else None


def content_id(payload: bytes) -> str:
    """A message id from the bytes: a platform retrying a push sends the same bytes, so the
    copy is dropped as a duplicate (the ``(device, id)`` dedup of the pipeline)."""
    return "h" + hashlib.blake2b(payload, digest_size=10).hexdigest()


def number(value: Any) -> float | None:
    """A finite number from a JSON number or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def integer(value: Any) -> int | None:
    """An integral number (``7``, ``7.0``, ``"7"``); None otherwise."""
    result = number(value)
    if result is None or not result.is_integer() or abs(result) > 2**53:
        return None
    return int(result)


def text(value: Any, *, max_length: int = 128) -> str | None:
    if isinstance(value, str) and 0 < len(value.strip()) <= max_length:
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**20:
        return str(value)  # platforms send numeric ids as numbers too
    return None


def dbm(value: Any) -> float | None:
    """Signal strength in dBm. Li'an and others send RSRP as a positive number meaning
    negative dBm (``114`` is -114 dBm); CTWing's own samples send tenths of a dB
    (``-792`` is -79.2 dBm)."""
    result = number(value)
    if result is None or result == 0:
        return None
    if result > 0:
        result = -result
    if result < -200:
        result /= 10
    return round(result, 1)


def device_ms(value: Any, received_ms: int) -> tuple[int, bool]:
    """The device's (or platform's) time in ms and whether it was replaced by the receive
    time: seconds and milliseconds since the epoch, numeric strings, ISO 8601 and Huawei's
    compact ``20260912T173041Z`` are understood; an unset or implausible clock is replaced."""
    ms: int | None = None
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        ms = _iso_ms(value.strip())
    else:
        n = integer(value)
        if n is not None:
            ms = n * 1000 if n < 10**11 else n  # seconds or milliseconds
    if ms is None:
        return received_ms, value is not None
    if ms < _PLAUSIBLE_FROM_MS or ms > received_ms + _FUTURE_SLACK_MS:
        return received_ms, True
    return ms, False


def _iso_ms(value: str) -> int | None:
    for fmt in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S.%fZ"):
        try:
            return int(datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp() * 1000)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return int(parsed.timestamp() * 1000)


def reject(adapter: str, reason: str, detail: str, device: DeviceRef | None = None) -> Rejection:
    return Rejection(
        reason=reason,
        detail=detail[:2000],
        adapter=adapter,
        device_id=device.device_id if device else None,
        building_id=device.building_id if device else None,
    )


def collapse(outcomes: list[Event | Rejection]) -> list[Event | Rejection] | Rejection:
    """A batch that came to a single rejection is that rejection (of the whole message)."""
    if len(outcomes) == 1 and isinstance(outcomes[0], Rejection):
        return outcomes[0]
    return outcomes


def normalize_identifier(value: str) -> str:
    """IMEIs are digits; DevEUIs are hex and compared in upper case without separators."""
    cleaned = value.strip().replace("-", "").replace(":", "")
    if len(cleaned) == 16 and all(c in "0123456789abcdefABCDEF" for c in cleaned):
        return cleaned.upper()
    return value.strip()


def resolve(
    directory: DeviceDirectory,
    identifiers: list[str | None],
    *,
    adapter: str,
    kinds: frozenset[IdentifierKind],
    device_type: str | None,
    summary: str | None,
    only_type: str | None = None,
) -> DeviceRef | Rejection:
    """The registered device behind the first identifier that names one through the
    identifier ``kinds`` this adapter's platform assigns (and, with ``only_type``, of that
    type); otherwise a pending rejection under the first identifier given (or a plain one
    without any)."""
    known = [normalize_identifier(i) for i in identifiers if i]
    for identifier in known:
        ref = directory.by_identifier(identifier, kinds=kinds)
        if ref is not None and (only_type is None or ref.device_type == only_type):
            return ref
    if not known:
        return Rejection(
            reason="missing_field:device", detail="no device identifier", adapter=adapter
        )
    return Rejection(
        reason="unknown_device",
        detail=f"no registered device has the identifier {known[0]!r}",
        adapter=adapter,
        identifier=known[0][:128],
        device_type=device_type,
        summary=summary,
    )


class JsonAdapter:
    """A vendor format whose every message is one JSON object: parsed here, read by
    ``decode_object``."""

    name = "json"

    def __init__(self, *, max_payload_bytes: int) -> None:
        self._max = max_payload_bytes

    def decode(self, message: RawMessage, directory: DeviceDirectory) -> Decoded:
        raw = parse_json(self.name, message, self._max)
        if isinstance(raw, Rejection):
            return raw
        return self.decode_object(raw, message, directory)

    def decode_object(
        self, raw: dict[str, Any], message: RawMessage, directory: DeviceDirectory
    ) -> Decoded:
        raise NotImplementedError


class EventBuilder:
    """Makes the canonical events of one vendor message for one device."""

    def __init__(
        self,
        *,
        adapter: str,
        message: RawMessage,
        device: DeviceRef,
        at: Any = None,
        channel: str = "event",
        part: int = 0,
    ) -> None:
        """``at``: the time the message gives (any form ``device_ms`` reads), if any."""
        self._adapter = adapter
        self._message = message
        self._device = device
        self._ts_ms, self._ts_replaced = device_ms(at, message.received_ms)
        self._channel = channel
        # Distinct per device report within one platform batch, stable across redeliveries.
        self._base_id = content_id(message.payload) + (f"-{part}" if part else "")
        self.events: list[Event] = []

    @property
    def adapter(self) -> str:
        return self._adapter

    @property
    def device(self) -> DeviceRef:
        return self._device

    def add(
        self,
        event_type: str,
        *,
        extra: Mapping[str, Any] | None = None,
        channel: str | None = None,
        **fields: Any,
    ) -> None:
        """Adds one event; types the device type does not have are skipped (a smoke code
        sent by a device registered as gas is not an alarm of that gas detector)."""
        if event_type not in EVENT_TYPES[self._device.device_type]:
            return
        kept: dict[str, Any] = {}
        invalid: dict[str, Any] = {}
        for name, value in fields.items():
            if value is None:
                continue
            bounds = _RANGES.get(name)
            if bounds is not None and not bounds[0] <= value <= bounds[1]:
                invalid[name] = value
                continue
            kept[name] = value
        more = dict(extra or {})
        if invalid:
            more["invalid"] = invalid
        if event_type == "reading" and "lel_pct" not in kept:
            event_type = "heartbeat"  # a gas level out of range is no reading, but a sign of life
        channel = channel or _CHANNELS.get(event_type, self._channel)
        self.events.append(
            Event(
                building_id=self._device.building_id,
                device_id=self._device.device_id,
                device_type=self._device.device_type,
                type=event_type,
                channel=channel,
                received_ms=self._message.received_ms,
                ts_ms=self._ts_ms,
                source=self._adapter,
                msg_id=f"{self._base_id}.{len(self.events)}",
                extra=more or None,
                ts_replaced=self._ts_replaced,
                **kept,
            )
        )
