"""The adapter interface and the values that cross it."""

from __future__ import annotations

from typing import Protocol

import msgspec

from adapters.events import Event


class RawMessage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Bytes as they arrived, before any decoding."""

    topic: str
    payload: bytes
    received_ms: int
    qos: int = 0
    source: str = "mqtt"  # "mqtt" or "http"


class Rejection(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Why a message was not accepted. ``reason`` is a short, bounded code (a metric label)."""

    reason: str
    detail: str
    adapter: str
    device_id: str | None = None
    building_id: str | None = None


class DeviceRef(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    building_id: str
    device_type: str


class DeviceDirectory(Protocol):
    """Registry look-ups for adapters whose payloads name devices by IMEI, DevEUI or platform id."""

    def by_identifier(self, identifier: str) -> DeviceRef | None: ...


class Adapter(Protocol):
    """Decodes one source format. Must never raise on any input: bad input is a Rejection."""

    name: str

    def decode(
        self, message: RawMessage, directory: DeviceDirectory
    ) -> list[Event] | Rejection: ...
