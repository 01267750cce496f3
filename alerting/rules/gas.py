"""``gas``: two levels after GB/T 50493 (25 and 50 %LEL by default), with hysteresis.

Warning at ``gas.low_lel``, critical (and latched) at ``gas.high_lel`` or on a device alarm
of level ``high``. A warning clears on a reading below ``low_lel - hysteresis_lel`` or on the
device's ``alarm_clear``; a critical one only by an operator. Warning to critical escalates
the same alarm.
"""

from __future__ import annotations

from adapters.events import Event
from alerting.rules.context import Context


def on_event(ctx: Context, event: Event) -> None:
    rules = ctx.rules.gas
    if event.type == "reading" and event.lel_pct is not None:
        level = event.lel_pct
        if level >= rules.high_lel:
            _raise(ctx, event, "critical", level)
        elif level >= rules.low_lel:
            _raise(ctx, event, "warning", level)
        elif level < rules.low_lel - rules.hysteresis_lel:
            ctx.book.clear_device("gas", event.building_id, event.device_id, now=event.received_ms)
    elif event.type == "alarm":
        _raise(ctx, event, "critical" if event.level == "high" else "warning", event.lel_pct)
    elif event.type == "alarm_clear":
        ctx.book.clear_device("gas", event.building_id, event.device_id, now=event.received_ms)


def _raise(ctx: Context, event: Event, severity: str, level: float | None) -> None:
    ctx.book.raise_alarm(
        kind="gas",
        building_id=event.building_id,
        device_id=event.device_id,
        severity=severity,
        now=event.received_ms,
        latched=severity == "critical",
        value=level,
    )
