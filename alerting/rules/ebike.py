"""E-bike blockers: ``ebike_hotspot`` (repeated detections) and ``ebike_standoff``.

A hotspot is ``ebike.hotspot_count`` detections with confidence of at least
``ebike.min_confidence`` within ``ebike.hotspot_window_s``; it clears after a whole window
without such a detection. A detection without a confidence counts as confident: edge boxes
that omit it report only confirmed detections. A standoff is a detection with the door held
for ``ebike.standoff_s`` or more; it clears when the bike leaves (``ebike_left``).
"""

from __future__ import annotations

from adapters.events import Event
from alerting.model import identity
from alerting.rules.context import Context


def on_event(ctx: Context, event: Event) -> None:
    b, d, now = event.building_id, event.device_id, event.received_ms
    rules = ctx.rules.ebike
    if event.type == "ebike_detected":
        if event.confidence is None or event.confidence >= rules.min_confidence:
            window = rules.hotspot_window_s * 1000
            state = ctx.device(b, d)
            state.hotspot = [t for t in state.hotspot if now - t <= window] + [now]
            if len(state.hotspot) >= rules.hotspot_count:
                ctx.book.raise_alarm(
                    kind="ebike_hotspot", building_id=b, device_id=d, severity="warning", now=now
                )
            if ctx.book.active("ebike_hotspot", b, d) is not None:
                ctx.timers.set(("hotspot_quiet", b, d), now + window)
        if event.door_hold_s is not None and event.door_hold_s >= rules.standoff_s:
            ctx.book.raise_alarm(
                kind="ebike_standoff", building_id=b, device_id=d, severity="warning", now=now
            )
    elif event.type == "ebike_left":
        ctx.book.clear(identity("ebike_standoff", b, d), now=now)


def on_quiet(ctx: Context, building_id: str, device_id: str, now: int) -> None:
    """A whole window without a qualifying detection."""
    ctx.book.clear(identity("ebike_hotspot", building_id, device_id), now=now)
    ctx.device(building_id, device_id).hotspot = []


def rearm(ctx: Context) -> None:
    ctx.rearm_quiet(
        "ebike_hotspot",
        "hotspot_quiet",
        quiet_ms=ctx.rules.ebike.hotspot_window_s * 1000,
        times=lambda state: state.hotspot,
    )
