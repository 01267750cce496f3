"""An elevator's e-bike blocker: detections that follow the day (most in the evening), a
confidence distribution with some low-confidence false hits, door holds, the occasional
standoff, a blocked camera, faults, and a heartbeat every minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from simulators.message import SimMessage
from simulators.models.base import DeviceModel

SHANGHAI = timedelta(hours=8)
# Relative detection rate by local hour: quiet at night, a peak when people come home.
HOURLY = (
    0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.4, 1.0, 1.2, 0.6, 0.4, 0.5,
    0.7, 0.5, 0.4, 0.4, 0.6, 1.2, 2.5, 3.0, 2.5, 1.5, 0.6, 0.3,
)  # fmt: skip


class EbikeBlocker(DeviceModel):
    device_type = "ebike"

    def __init__(
        self,
        *,
        detections_per_day: float = 6.0,
        false_hit_share: float = 0.15,
        standoff_share: float = 0.05,
        camera_blocked_per_day: float = 0.01,
        faults_per_day: float = 0.003,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("heartbeat_s", 60.0)
        super().__init__(**kwargs)
        self.per_ms = detections_per_day / 86_400_000 / (sum(HOURLY) / 24)
        self.false_hit_share = false_hit_share
        self.standoff_share = standoff_share
        self.blocked_per_ms = camera_blocked_per_day / 86_400_000
        self.faults_per_ms = faults_per_day / 86_400_000

    def messages(self, start_ms: int, end_ms: int) -> Iterator[SimMessage]:
        out = [
            self.message(t, "heartbeat", channel="heartbeat", qos=0, **self.vitals(t))
            for t in self.heartbeats(start_ms, end_ms)
        ]
        span = end_ms - start_ms
        if self.rng.random() < self.blocked_per_ms * span:
            out += self.camera_blocked(start_ms + int(self.rng.random() * span))
        if self.rng.random() < self.faults_per_ms * span:
            t = start_ms + int(self.rng.random() * span)
            out += [self.message(t, "blocker_fault"), self.message(t + 1_800_000, "fault_clear")]
        t = start_ms
        while t < end_ms:
            hour = (datetime.fromtimestamp(t / 1000, UTC) + SHANGHAI).hour
            rate = self.per_ms * HOURLY[hour]
            t += int(self.rng.expovariate(rate)) if rate > 0 else 3_600_000
            if t < end_ms:
                out += self.detection(t)
        yield from sorted(m for m in out if m.at_ms < end_ms)

    def detection(
        self, at_ms: int, *, confident: bool | None = None, hold_s: float | None = None
    ) -> list[SimMessage]:
        """A bike enters: detected (maybe a false hit), the door held, then it leaves."""
        if confident is None:
            confident = self.rng.random() >= self.false_hit_share
        confidence = self.rng.uniform(0.82, 0.99) if confident else self.rng.uniform(0.3, 0.79)
        if hold_s is None:
            standoff = self.rng.random() < self.standoff_share
            hold_s = self.rng.uniform(125, 300) if standoff else self.rng.uniform(5, 40)
        return [
            self.message(
                at_ms, "ebike_detected", confidence=round(confidence, 2),
                door_hold_s=round(hold_s), floor=1,
            ),
            self.message(at_ms + int(hold_s * 1000), "ebike_left"),
        ]  # fmt: skip

    def camera_blocked(self, at_ms: int, *, for_s: float = 600) -> list[SimMessage]:
        return [
            self.message(at_ms, "camera_blocked"),
            self.message(at_ms + int(for_s * 1000), "fault_clear"),
        ]
