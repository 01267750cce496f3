"""``compound``: smoke (or fire) and gas in one building, close together in time.

Opens when a smoke or fire alarm and a gas alarm of one building open within
``compound.window_s`` of each other, the earlier still active when the later opens.
"""

from __future__ import annotations

from alerting.model import AlarmChange
from alerting.rules.context import Context

_FAMILY = {"smoke": "smoke", "fire": "smoke", "gas": "gas"}


def on_change(ctx: Context, change: AlarmChange) -> None:
    if change.action != "opened":
        return
    alarm = change.alarm
    family = _FAMILY.get(alarm.kind)
    if family is None:
        return
    window = ctx.rules.compound.window_s * 1000
    partners = [
        other
        for other in ctx.book.in_building(alarm.building_id)
        if _FAMILY.get(other.kind) not in (None, family)
        and abs(alarm.opened_ms - other.opened_ms) <= window
    ]
    if not partners:
        return
    devices = [*alarm.device_ids]
    for other in partners:
        devices.extend(other.device_ids)
    ctx.book.raise_alarm(
        kind="compound",
        building_id=alarm.building_id,
        device_id=None,
        severity="critical",
        now=change.at_ms,
        devices=devices,
        latched=True,
    )
