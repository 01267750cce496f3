"""A DeviceDirectory for adapter tests: registered devices and the alarms active on them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapters.base import DeviceRef
from adapters.vendor import normalize_identifier


class FakeDirectory:
    def __init__(
        self, devices: Iterable[dict[str, Any]] = (), active: Iterable[Iterable[str]] = ()
    ) -> None:
        self.refs: dict[str, DeviceRef] = {}
        for device in devices:
            ref = DeviceRef(
                device_id=device["device_id"],
                building_id=device["building_id"],
                device_type=device["device_type"],
            )
            self.refs[ref.device_id] = ref
            for identifier in device.get("identifiers", ()):
                self.refs[normalize_identifier(identifier)] = ref
        self.active = {tuple(pair) for pair in active}

    def by_identifier(self, identifier: str) -> DeviceRef | None:
        return self.refs.get(identifier)

    def alarm_active(self, kind: str, device_id: str) -> bool:
        return (kind, device_id) in self.active
