"""Registering simulated devices with the gateway, so it finds them from vendor messages
(which name an IMEI or DevEUI, not a building)."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from simulators.formats import format_of, identifiers
from simulators.formats.base import parse
from simulators.message import PREFIX, SimMessage


def register_devices(
    api: httpx.Client, messages: Iterable[SimMessage], fmt: str, *, prefix: str = PREFIX
) -> int:
    """PUTs every device that ``fmt`` sends in a vendor format (and its building, if new);
    returns how many devices."""
    devices: dict[str, tuple[str, str]] = {}
    for message in messages:
        found = parse(message.topic, message.payload, prefix=prefix, wall_ms=0)
        if found is not None and format_of(fmt, found.device, found.device_type):
            devices[found.device] = (found.building, found.device_type)
    for building in sorted({b for b, _ in devices.values()}):
        if api.get(f"/api/v1/buildings/{building}").status_code == 404:
            api.put(f"/api/v1/buildings/{building}", json={"name": building}).raise_for_status()
    for device, (building, device_type) in sorted(devices.items()):
        body = {
            "device_type": device_type,
            "building_id": building,
            **identifiers(fmt, device, device_type),
        }
        api.put(f"/api/v1/devices/{device}", json=body).raise_for_status()
    return len(devices)
