"""A rule engine driven by hand: events at exact times, timers advanced explicitly."""

from __future__ import annotations

from typing import Any

from adapters.events import Event
from alerting.model import Alarm, AlarmChange
from alerting.rule_engine import RuleEngine
from core.config import AlertingConfig, DevicesConfig, NotifyConfig
from core.ids import IdFactory

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
# The channel each type arrives on from a canonical device (the rest: "event").
_CHANNELS = {"reading": "telemetry", "heartbeat": "heartbeat"}


class Harness:
    def __init__(self, **devices: Any) -> None:
        self.engine = RuleEngine(
            rules=AlertingConfig(),
            devices=DevicesConfig(**devices),
            repeat_critical_s=NotifyConfig().repeat_critical_s,
            ids=IdFactory(),
        )
        self.changes: list[AlarmChange] = []

    @staticmethod
    def ms(seconds: float) -> int:
        return T0 + round(seconds * 1000)

    def send(
        self,
        device_type: str,
        device: str,
        type_: str,
        at: float,
        building: str = "B1",
        ts: float | None = None,
        **fields: Any,
    ) -> list[AlarmChange]:
        """``ts``: the device's own time, when it differs from the receive time ``at``."""
        channel = _CHANNELS.get(type_, "event")
        event = Event(
            building_id=building,
            device_id=device,
            device_type=device_type,
            type=type_,
            channel=fields.pop("channel", channel),
            received_ms=self.ms(at),
            ts_ms=self.ms(at if ts is None else ts),
            **fields,
        )
        self.engine.on_event(event)
        return self._collect()

    def advance(self, at: float) -> list[AlarmChange]:
        self.engine.advance(self.ms(at))
        return self._collect()

    def _collect(self) -> list[AlarmChange]:
        new = self.engine.take_changes()
        self.changes.extend(new)
        return new

    def active(self, kind: str, building: str = "B1", device: str | None = None) -> Alarm | None:
        return self.engine.book.active(kind, building, device)

    def kinds(self) -> set[str]:
        return {a.kind for a in self.engine.book.all_active()}

    def actions(self, kind: str | None = None) -> list[tuple[str, str]]:
        return [
            (c.alarm.kind, c.action) for c in self.changes if kind is None or c.alarm.kind == kind
        ]

    def notified(self, kind: str) -> list[tuple[str, str]]:
        return [
            (c.action, c.notify)
            for c in self.changes
            if c.alarm.kind == kind and c.notify != "none"
        ]
