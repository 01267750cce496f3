"""``flapping``: one device's alarms opening and clearing over and over.

``flapping.transitions`` opens and clears of a device's alarms within ``flapping.window_s``
open a ``flapping`` alarm; while it is active, the device's further notifications are held
back (recorded, not sent). It clears after ``flapping.stable_s`` without a transition.
"""

from __future__ import annotations

from alerting.model import AlarmChange, identity
from alerting.rules.context import Context


def on_change(ctx: Context, change: AlarmChange) -> None:
    alarm = change.alarm
    if alarm.device_id is None or alarm.kind == "flapping":
        return
    if change.action not in ("opened", "cleared"):
        return
    b, d, now = alarm.building_id, alarm.device_id, change.at_ms
    rules = ctx.rules.flapping
    state = ctx.device(b, d)
    state.flaps = [t for t in state.flaps if now - t <= rules.window_s * 1000] + [now]
    if ctx.book.active("flapping", b, d) is not None or len(state.flaps) >= rules.transitions:
        ctx.book.raise_alarm(
            kind="flapping", building_id=b, device_id=d, severity="warning", now=now
        )
        ctx.timers.set(("flap_quiet", b, d), now + rules.stable_s * 1000)


def on_quiet(ctx: Context, building_id: str, device_id: str, now: int) -> None:
    ctx.book.clear(identity("flapping", building_id, device_id), now=now)
    ctx.device(building_id, device_id).flaps = []


def holds(ctx: Context, building_id: str, device_id: str | None, kind: str) -> bool:
    """Whether a notification of this device's alarm is held back."""
    if device_id is None or kind == "flapping":
        return False
    return ctx.book.active("flapping", building_id, device_id) is not None


def rearm(ctx: Context) -> None:
    ctx.rearm_quiet(
        "flapping",
        "flap_quiet",
        quiet_ms=ctx.rules.flapping.stable_s * 1000,
        times=lambda state: state.flaps,
    )
