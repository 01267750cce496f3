"""A DeviceDirectory for adapter tests: registered devices and the alarms active on them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapters.base import DeviceRef, IdentifierKind
from adapters.vendor import normalize_identifier


class FakeDirectory:
    def __init__(
        self, devices: Iterable[dict[str, Any]] = (), active: Iterable[Iterable[str]] = ()
    ) -> None:
        self.refs: dict[str, DeviceRef] = {}  # platform identifiers (of any kind)
        self.ids: dict[str, DeviceRef] = {}  # our own device ids
        for device in devices:
            ref = DeviceRef(
                device_id=device["device_id"],
                building_id=device["building_id"],
                device_type=device["device_type"],
            )
            self.ids[ref.device_id] = ref
            for identifier in device.get("identifiers", ()):
                self.refs[normalize_identifier(identifier)] = ref
        self.active = {tuple(pair) for pair in active}

    def by_identifier(
        self, identifier: str, *, kinds: frozenset[IdentifierKind]
    ) -> DeviceRef | None:
        found = self.refs.get(identifier)
        if found is None and "device_id" in kinds:
            found = self.ids.get(identifier)
        return found

    def alarm_active(self, kind: str, device_id: str) -> bool:
        return (kind, device_id) in self.active
