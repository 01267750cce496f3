"""``smoke`` (per detector) and ``fire`` (per building, confirmed).

A fire is confirmed the way GB 50116 asks of automatic linkage: by two triggers. Either two
distinct detectors of one building alarm within ``smoke.confirm_window_s`` (whether or not
the first has cleared since), or one detector stays in alarm, without a clear, for
``smoke.confirm_hold_s``. A ``test`` never alarms.
"""

from __future__ import annotations

from adapters.events import Event
from alerting.model import AlarmChange, identity
from alerting.rules.context import Context

CLEARS = frozenset({"alarm_clear", "silenced"})


def on_event(ctx: Context, event: Event) -> None:
    b, d, now = event.building_id, event.device_id, event.received_ms
    if event.type == "alarm":
        new_episode = ctx.book.active("smoke", b, d) is None
        ctx.book.raise_alarm(kind="smoke", building_id=b, device_id=d, severity="warning", now=now)
        building = ctx.building(b)
        window = ctx.rules.smoke.confirm_window_s * 1000
        building.fire_triggers = [
            (dev, t) for dev, t in building.fire_triggers if now - t <= window
        ] + [(d, now)]
        detectors = list(dict.fromkeys(dev for dev, _ in building.fire_triggers))
        if len(detectors) >= 2:
            _fire(ctx, b, detectors, now)
        if new_episode:
            due = now + ctx.rules.smoke.confirm_hold_s * 1000
            ctx.device(b, d).hold_due = due
            ctx.timers.set(("hold", b, d), due)
    elif event.type in CLEARS:
        ctx.book.clear(identity("smoke", b, d), now=now)
        state = ctx.peek_device(b, d)
        if state is not None and state.hold_due is not None:
            ctx.device(b, d).hold_due = None
            ctx.timers.cancel(("hold", b, d))


def on_hold(ctx: Context, building_id: str, device_id: str, now: int) -> None:
    """The detector has been in alarm, without a clear, for the whole hold."""
    ctx.device(building_id, device_id).hold_due = None
    if ctx.book.active("smoke", building_id, device_id) is not None:
        _fire(ctx, building_id, [device_id], now)


def on_change(ctx: Context, change: AlarmChange) -> None:
    """An operator closed the fire: the triggers that confirmed it are spent."""
    if change.alarm.kind == "fire" and change.action == "cleared":
        ctx.building(change.alarm.building_id).fire_triggers = []


def rearm(ctx: Context) -> None:
    for building_id, building in ctx.buildings.items():
        for device_id, state in building.devices.items():
            if state.hold_due is not None:
                ctx.timers.set(("hold", building_id, device_id), state.hold_due)


def _fire(ctx: Context, building_id: str, detectors: list[str], now: int) -> None:
    ctx.book.raise_alarm(
        kind="fire",
        building_id=building_id,
        device_id=None,
        severity="critical",
        now=now,
        devices=detectors,
        latched=True,
    )
