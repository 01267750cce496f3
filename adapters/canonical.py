"""The canonical format of contract section 3: ``{prefix}/{building}/{type}/{device}/{channel}``."""

from __future__ import annotations

import re
from datetime import datetime
from sys import intern
from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import Meta

from adapters.base import DECODE_ERRORS, DeviceDirectory, RawMessage, Rejection
from adapters.events import CHANNELS, DEVICE_TYPES, EVENT_TYPES, Event

_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
# Device clocks before this are unset (NB-IoT modules boot at 1970 or 2000).
_PLAUSIBLE_FROM_MS: Final = 1_420_070_400_000  # 2015-01-01
_FUTURE_SLACK_MS: Final = 86_400_000

Pct = Annotated[float, Meta(ge=0, le=100)]


class _Common(msgspec.Struct, kw_only=True):
    type: str
    id: Annotated[str, Meta(min_length=1, max_length=128)] | None = None
    ts: int | str | None = None
    battery_pct: Pct | None = None
    rssi: Annotated[float, Meta(ge=-200, le=0)] | None = None
    fw: Annotated[str, Meta(max_length=64)] | None = None


class _Smoke(_Common, kw_only=True):
    pass


class _Gas(_Common, kw_only=True):
    lel_pct: Pct | None = None
    co_ppm: Annotated[float, Meta(ge=0, le=100_000)] | None = None
    gas: Literal["ch4", "lpg", "co"] | None = None
    level: Literal["low", "high"] | None = None


class _Ebike(_Common, kw_only=True):
    confidence: Annotated[float, Meta(ge=0, le=1)] | None = None
    floor: Annotated[int, Meta(ge=-20, le=300)] | None = None
    door_hold_s: Annotated[float, Meta(ge=0, le=86_400)] | None = None
    snapshot_url: Annotated[str, Meta(max_length=2048)] | None = None


_PAYLOADS: Final[dict[str, type[_Common]]] = {"smoke": _Smoke, "gas": _Gas, "ebike": _Ebike}


class _StrictSmoke(_Smoke, kw_only=True, forbid_unknown_fields=True):
    pass


class _StrictGas(_Gas, kw_only=True, forbid_unknown_fields=True):
    pass


class _StrictEbike(_Ebike, kw_only=True, forbid_unknown_fields=True):
    pass


_STRICT: Final[dict[str, type[_Common]]] = {
    "smoke": _StrictSmoke,
    "gas": _StrictGas,
    "ebike": _StrictEbike,
}

_KNOWN_FIELDS: Final = {kind: frozenset(cls.__struct_fields__) for kind, cls in _PAYLOADS.items()}
_AT_FIELD = re.compile(r"at `\$\.([A-Za-z0-9_]+)")


class TopicError(ValueError):
    pass


class CanonicalAdapter:
    """Decodes canonical topics and payloads; the reference every vendor adapter maps onto."""

    name = "canonical"

    def __init__(self, *, topic_prefix: str, max_payload_bytes: int) -> None:
        self._prefix_parts = len(topic_prefix.split("/"))
        self._max_payload = max_payload_bytes
        self._json = msgspec.json.Decoder()
        # Payloads with known fields only (nearly all) decode straight into their struct in
        # one pass; anything else takes the general path, which names what was wrong.
        self._strict = {kind: msgspec.json.Decoder(_STRICT[kind]) for kind in DEVICE_TYPES}
        # A valid topic in one regex call; the step by step parse below says what is wrong.
        self._topic = re.compile(
            re.escape(topic_prefix)
            + rf"/({_ID.pattern})/({'|'.join(DEVICE_TYPES)})/({_ID.pattern})/({'|'.join(CHANNELS)})"
        )

    def parse_topic(self, topic: str) -> tuple[str, str, str, str]:
        """Return (building_id, device_type, device_id, channel) or raise TopicError."""
        valid = self._topic.fullmatch(topic)
        if valid is not None:
            building_id, device_type, device_id, channel = valid.group(1, 2, 3, 4)
            # Interned: the registry, status, timers and series keep a device's ids, and should
            # keep one string each, not a copy from whichever message a structure first saw.
            return intern(building_id), device_type, intern(device_id), channel
        parts = topic.split("/")
        if len(parts) != self._prefix_parts + 4:
            raise TopicError(f"expected {{prefix}}/building/type/device/channel, got {topic!r}")
        building_id, device_type, device_id, channel = parts[self._prefix_parts :]
        if not _ID.fullmatch(building_id):
            raise TopicError(f"bad building id {building_id!r}")
        if device_type not in DEVICE_TYPES:
            raise TopicError(f"unknown device type {device_type!r}")
        if not _ID.fullmatch(device_id):
            raise TopicError(f"bad device id {device_id!r}")
        if channel not in CHANNELS:
            raise TopicError(f"unknown channel {channel!r}")
        return building_id, device_type, device_id, channel

    def decode(self, message: RawMessage, directory: DeviceDirectory) -> list[Event] | Rejection:
        try:
            building_id, device_type, device_id, channel = self.parse_topic(message.topic)
        except TopicError as exc:
            return Rejection(reason="bad_topic", detail=str(exc), adapter=self.name)

        def reject(reason: str, detail: str) -> Rejection:
            return Rejection(
                reason=reason,
                detail=detail,
                adapter=self.name,
                device_id=device_id,
                building_id=building_id,
            )

        if len(message.payload) > self._max_payload:
            return reject(
                "payload_too_large", f"{len(message.payload)} bytes > {self._max_payload}"
            )
        fast = self._decode_known(message, building_id, device_type, device_id, channel)
        if fast is not None:
            return [fast]
        try:
            raw = self._json.decode(message.payload)
        except DECODE_ERRORS as exc:
            return reject("not_json", str(exc))
        if not isinstance(raw, dict):
            return reject("not_object", f"payload is a JSON {type(raw).__name__}, not an object")
        event_type = raw.get("type")
        if event_type is None:
            return reject("missing_type", "payload has no 'type'")
        if not isinstance(event_type, str) or event_type not in EVENT_TYPES[device_type]:
            return reject("unknown_type", f"{event_type!r} is not a {device_type} event type")
        try:
            body = msgspec.convert(raw, _PAYLOADS[device_type])
        except msgspec.ValidationError as exc:
            return reject(*_validation_reason(str(exc)))
        if (
            device_type == "gas"
            and event_type == "reading"
            and getattr(body, "lel_pct", None) is None
        ):
            return reject("missing_field:lel_pct", "a gas reading needs lel_pct")
        ts_ms = _device_time(body.ts, message.received_ms)
        if ts_ms is None:
            return reject("bad_value:ts", f"ts {body.ts!r} is not an RFC 3339 time")
        extra_keys = raw.keys() - _KNOWN_FIELDS[device_type]
        fields: dict[str, Any] = {
            name: getattr(body, name)
            for name in _PAYLOADS[device_type].__struct_fields__
            if name not in ("type", "id", "ts")
        }
        if device_type == "gas" and event_type == "alarm" and fields["level"] is None:
            fields["level"] = "low"  # contract: a gas alarm without level counts as low
        return [
            Event(
                building_id=building_id,
                device_id=device_id,
                device_type=device_type,
                type=event_type,
                channel=channel,
                received_ms=message.received_ms,
                ts_ms=ts_ms,
                msg_id=body.id,
                source=self.name,
                extra={key: raw[key] for key in extra_keys} if extra_keys else None,
                ts_replaced=body.ts is not None and ts_ms == message.received_ms,
                **fields,
            )
        ]

    def _decode_known(
        self,
        message: RawMessage,
        building_id: str,
        device_type: str,
        device_id: str,
        channel: str,
    ) -> Event | None:
        """The common case in one pass: a valid payload with no field beyond the contract's.
        None for anything else (the general path then decides, and says why)."""
        try:
            body = self._strict[device_type].decode(message.payload)
        except (*DECODE_ERRORS, msgspec.ValidationError):
            return None
        event_type = body.type
        if event_type not in EVENT_TYPES[device_type]:
            return None
        fields = msgspec.structs.asdict(body)
        del fields["type"], fields["id"], fields["ts"]
        if device_type == "gas":
            if event_type == "reading" and fields["lel_pct"] is None:
                return None
            if event_type == "alarm" and fields["level"] is None:
                fields["level"] = "low"  # contract: a gas alarm without level counts as low
        ts_ms = _device_time(body.ts, message.received_ms)
        if ts_ms is None:
            return None
        return Event(
            building_id=building_id,
            device_id=device_id,
            device_type=device_type,
            type=event_type,
            channel=channel,
            received_ms=message.received_ms,
            ts_ms=ts_ms,
            msg_id=body.id,
            source=self.name,
            ts_replaced=body.ts is not None and ts_ms == message.received_ms,
            **fields,
        )


def _validation_reason(message: str) -> tuple[str, str]:
    found = _AT_FIELD.search(message)
    field = found.group(1) if found else "payload"
    if "Invalid enum value" in message:
        kind = "bad_value"
    elif "<=" in message or ">=" in message or "length" in message:
        kind = "out_of_range"
    else:
        kind = "wrong_type"
    return f"{kind}:{field}", message


def _device_time(ts: int | str | None, received_ms: int) -> int | None:
    """The device's time in ms; its receive time when absent or implausible.

    An unset device clock must not cost an alarm, so an implausible ``ts`` is replaced
    (and the series carries the receive time) rather than rejected; a ``ts`` that is not
    a time at all is rejected.
    """
    if ts is None:
        return received_ms
    if isinstance(ts, str):
        try:
            parsed = datetime.fromisoformat(ts)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return None
        ts = int(parsed.timestamp() * 1000)
    if ts < _PLAUSIBLE_FROM_MS or ts > received_ms + _FUTURE_SLACK_MS:
        return received_ms
    return ts
