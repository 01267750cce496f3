"""The device's own health: ``device_fault``, ``tamper``, ``low_battery``, ``device_offline``.

Offline is a lease: every message renews it for ``heartbeat_s x offline_after_missed`` of the
device's type; when it runs out the device is offline until it is heard again.
"""

from __future__ import annotations

from collections.abc import Iterable

from adapters.events import Event
from alerting.rules.context import Context

FAULTS = frozenset({"fault", "blocker_fault", "camera_blocked"})


def renew_lease(ctx: Context, event: Event) -> None:
    """Any message proves the device alive: its lease restarts, an offline alarm clears."""
    b, d, now = event.building_id, event.device_id, event.received_ms
    ctx.leases.renew(d, b, now + ctx.devices.lease_ms(event.device_type))
    ctx.book.clear_device("device_offline", b, d, now=now)


def on_event(ctx: Context, event: Event) -> None:
    renew_lease(ctx, event)
    b, d, now = event.building_id, event.device_id, event.received_ms
    kind = event.type
    if kind in FAULTS:
        _raise(ctx, "device_fault", event)
    elif kind == "fault_clear":
        ctx.book.clear_device("device_fault", b, d, now=now)
    elif kind == "tamper":
        _raise(ctx, "tamper", event)
    elif kind == "tamper_clear":
        ctx.book.clear_device("tamper", b, d, now=now)
    battery = ctx.rules.battery
    if kind == "low_battery" or (
        event.battery_pct is not None and event.battery_pct < battery.low_pct
    ):
        _raise(ctx, "low_battery", event, severity="info")
    elif event.battery_pct is not None and event.battery_pct >= battery.recover_pct:
        ctx.book.clear_device("low_battery", b, d, now=now)


def on_lease_expired(ctx: Context, building_id: str, device_id: str, now: int) -> None:
    ctx.book.raise_alarm(
        kind="device_offline",
        building_id=building_id,
        device_id=device_id,
        severity="warning",
        now=now,
    )


def arm_leases(ctx: Context, seen: Iterable[tuple[str, str, str, int]]) -> None:
    """(building, device, device type, last seen) of devices online at start-up."""
    for building_id, device_id, device_type, last_seen in seen:
        ctx.leases.renew(device_id, building_id, last_seen + ctx.devices.lease_ms(device_type))


def _raise(ctx: Context, kind: str, event: Event, severity: str = "warning") -> None:
    ctx.book.raise_alarm(
        kind=kind,
        building_id=event.building_id,
        device_id=event.device_id,
        severity=severity,
        now=event.received_ms,
    )
